import { httpUrl, int, logLevel, natsSettings, opsSettings, port, z } from "@tenantlens/config";

export const GatewayConfig = z.object({
  GATEWAY_PORT: port("GATEWAY_PORT", 8080),
  GATEWAY_HOST: z.string().trim().min(1).default("127.0.0.1"),
  /** Base URL users reach the gateway at (redirect URIs, console links); default from host and port. */
  PUBLIC_URL: httpUrl.optional(),
  ...natsSettings,
  ...opsSettings,
  /** Seeds an admin key of the default workspace at start. */
  TENANTLENS_API_KEY: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
  GATEWAY_MAX_BODY_BYTES: int({ min: 1024, max: 64 * 1024 * 1024 }).default(1024 * 1024),
  /** Requests per minute one API key may make (bursts up to a sixth of it); 429 past it. */
  GATEWAY_RATE_LIMIT_PER_MINUTE: int({ min: 1, max: 1_000_000 }).default(600),
  /** Longest time limit a non-admin key may give a query (admins: the query service's maximum). */
  GATEWAY_MEMBER_MAX_QUERY_MS: int({ min: 100, max: 600_000 }).default(60_000),
  /** Console sessions end this many hours after sign-in. */
  GATEWAY_SESSION_HOURS: int({ min: 1, max: 24 * 30 }).default(12),
  /** Demo mode: the local mail catcher's viewer, whose caught mail the console's alerts page lists. */
  GATEWAY_DEMO_MAIL_URL: httpUrl.optional(),
  LOG_LEVEL: logLevel,
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** PUBLIC_URL, or the listening address when unset (with a routable name for wildcard hosts). */
export function publicUrlOf(config: GatewayConfig, listeningPort: number): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL;
  const host = ["0.0.0.0", "::"].includes(config.GATEWAY_HOST) ? "localhost" : config.GATEWAY_HOST;
  return `http://${host.includes(":") ? `[${host}]` : host}:${listeningPort}`;
}
