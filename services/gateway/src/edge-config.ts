import { natsUrl, z } from "@tenantlens/config";
import { GatewayConfig } from "./config.js";

const NO_FILES = "the edge gateway reads no files";

/**
 * The edge gateway's configuration (src/edge.ts): the gateway's own, except that the bus is reached
 * over WebSocket only (`ws://`, `wss://`: an edge runtime offers no raw TCP) and the NKEY seed comes
 * as a secret environment variable (`NATS_NKEY_SEED`), never a file. Setting a file variable is an
 * error, so a configuration copied from a container does not silently run unauthenticated.
 */
export const EdgeGatewayConfig = GatewayConfig.omit({
  NATS_URL: true,
  NATS_NKEY_SEED_FILE: true,
  NATS_TLS_CA_FILE: true,
}).extend({
  NATS_URL: natsUrl.pipe(
    z.string().refine((url) => url.split(",").every((u) => /^wss?:\/\//.test(u)), {
      error: "the edge gateway reaches NATS over WebSocket: expected ws:// or wss:// URLs",
    }),
  ),
  /** This gateway's NKEY seed itself (`SU…`), a secret of the edge platform. */
  NATS_NKEY_SEED: z
    .string()
    .trim()
    .regex(/^SU[A-Z2-7]{50,}$/, { error: "expected an NKEY user seed (one line starting with SU)" })
    .optional(),
  NATS_NKEY_SEED_FILE: z
    .undefined({ error: `${NO_FILES}: put the seed itself in NATS_NKEY_SEED` })
    .optional(),
  NATS_TLS_CA_FILE: z
    .undefined({
      error: `${NO_FILES}: a wss:// connection trusts the runtime's certificate store (self-hosted Deno: DENO_CERT)`,
    })
    .optional(),
});
export type EdgeGatewayConfig = z.infer<typeof EdgeGatewayConfig>;
