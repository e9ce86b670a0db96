import { z } from "zod";

/** The one line `npm run sim` prints when it serves: `READY {json}`. */
export const SimReady = z.object({
  graphEndpoint: z.string().url(),
  authorityHost: z.string().url(),
  caCertPath: z.string().min(1),
  adminKey: z.string().min(1),
  tenants: z
    .array(
      z.object({
        tenantId: z.string().min(1),
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        displayName: z.string().optional(),
      }),
    )
    .min(1),
});
export type SimReady = z.infer<typeof SimReady>;

export function parseSimReady(line: string): SimReady | undefined {
  if (!line.startsWith("READY ")) return undefined;
  try {
    const parsed = SimReady.safeParse(JSON.parse(line.slice("READY ".length)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Demo mode: the simulator's home tenant holds Tenantlens's own multi-tenant app registration (its
 * redirect URI is registered with `--redirect-uri <PUBLIC_URL>/oauth/callback`), and auth is
 * configured with it, so "Connect tenant" in the console goes through the simulator's consent page
 * (Approve / Decline) and back, as it would through Microsoft's. An app the user configured wins.
 */
export function demoAppEnv(sim: SimReady, env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.TENANTLENS_CLIENT_ID || env.TENANTLENS_CLIENT_SECRET) return {};
  const home = sim.tenants[0];
  return home ? { TENANTLENS_CLIENT_ID: home.clientId, TENANTLENS_CLIENT_SECRET: home.clientSecret } : {};
}
