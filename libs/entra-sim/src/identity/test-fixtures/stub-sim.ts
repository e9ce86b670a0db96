import { readFileSync } from "node:fs";
import { type AssembleOptions, assembleSimulator, type Simulator } from "../../server.js";
import { caFetch } from "../../tls.js";

/** A simulator whose Graph half is a stub, for identity-only suites (fast: no directory to generate). */
export async function startIdentitySim(
  opts: Partial<AssembleOptions> = {},
): Promise<{ sim: Simulator; fetch: typeof fetch }> {
  const sim = await assembleSimulator(
    { port: 0, seed: 11, tenants: [{}], redirectUris: [], autoApprove: false, ...opts },
    () => ({
      fetch: () => new Response(JSON.stringify({ stub: "graph" }), { status: 404 }),
      stop() {},
    }),
  );
  return { sim, fetch: caFetch(readFileSync(sim.caCertPath, "utf8")) };
}

export function form(fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}
