import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The JavaScript runtime a TypeScript entry runs on. Every service, the simulator and the CLI run
 * unchanged on both: Node loads TypeScript through tsx, Deno natively; Deno resolves our `.js`
 * import names to the `.ts` files through the repository's deno.json (`sloppy-imports`).
 */
export type Runtime = "node" | "deno";

export const RUNTIMES: readonly Runtime[] = ["node", "deno"];

/** The runtime this process runs on. */
export function currentRuntime(): Runtime {
  return "Deno" in globalThis ? "deno" : "node";
}

/** `TENANTLENS_RUNTIME` (node|deno), or the current runtime when unset; anything else throws. */
export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): Runtime {
  const value = env.TENANTLENS_RUNTIME?.trim();
  if (!value) return currentRuntime();
  if (value === "node" || value === "deno") return value;
  throw new Error(`TENANTLENS_RUNTIME must be node or deno, not ${JSON.stringify(value)}`);
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The pinned Deno binary from the `deno` dev dependency (its postinstall puts it next to bin.cjs). */
export function denoBinary(): string {
  const pkg = createRequire(import.meta.url).resolve("deno/package.json", { paths: [repoRoot] });
  const bin = path.join(path.dirname(pkg), process.platform === "win32" ? "deno.exe" : "deno");
  if (!existsSync(bin)) {
    throw new Error(
      `the deno package is installed without its binary (${bin}); run npm ci with install scripts allowed`,
    );
  }
  return bin;
}

export interface TsCommand {
  command: string;
  args: string[];
  /** Environment the runtime needs besides the caller's (Deno reads extra CA certificates from DENO_CERT). */
  env: NodeJS.ProcessEnv;
}

/**
 * How to run a TypeScript entry of this repository on a runtime: `node --import tsx entry` or
 * `deno run -A --config deno.json entry`. `caCertPath` is a PEM bundle to trust on top of the
 * system's (the simulator's CA): Node reads NODE_EXTRA_CA_CERTS, Deno DENO_CERT.
 */
export function tsCommand(
  runtime: Runtime,
  entry: string,
  args: string[] = [],
  opts: { caCertPath?: string } = {},
): TsCommand {
  const ca = opts.caCertPath;
  if (runtime === "deno") {
    return {
      command: denoBinary(),
      args: ["run", "--allow-all", "--quiet", "--config", path.join(repoRoot, "deno.json"), entry, ...args],
      env: { DENO_NO_UPDATE_CHECK: "1", ...(ca ? { DENO_CERT: ca, NODE_EXTRA_CA_CERTS: ca } : {}) },
    };
  }
  return {
    command: currentRuntime() === "node" ? process.execPath : "node",
    args: ["--import", "tsx", entry, ...args],
    env: ca ? { NODE_EXTRA_CA_CERTS: ca } : {},
  };
}
