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
