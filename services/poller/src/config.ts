import { graphEndpoint, int, logLevel, natsSettings, z } from "@tenantlens/config";

export const pollerConfigSchema = z.object({
  ...natsSettings,
  GRAPH_ENDPOINT: graphEndpoint,
  /** Seconds between scheduled polls of one integration; 0 = no schedule (manual and on-create polls only). */
  POLL_INTERVAL_SECONDS: int({ min: 0, max: 7 * 86_400 }).default(300),
  /** Hours after which a scheduled poll re-reads everything instead of a delta round; 0 = never. */
  FULL_RECONCILE_HOURS: int({ min: 0, max: 24 * 365 }).default(24),
  /** Integrations polled at once. */
  POLL_CONCURRENCY: int({ min: 1, max: 64 }).default(2),
  /** Largest message the poller publishes; pages are chunked below it (and below the server's max_payload). */
  MAX_MESSAGE_BYTES: int({ min: 4096, max: 64 * 1024 * 1024 }).default(900_000),
  /** Overrides the catalog's $top (and asks delta for this page size); for tests and tuning. */
  PAGE_SIZE: int({ min: 1, max: 999 }).optional(),
  /** Retries of one Graph request on 429/503/504 or network errors before the resource fails. */
  GRAPH_MAX_RETRIES: int({ min: 0, max: 20 }).default(6),
  /** First backoff step (ms) when Graph gives no Retry-After. */
  GRAPH_BACKOFF_BASE_MS: int({ min: 1, max: 60_000 }).default(1_000),
  LOG_LEVEL: logLevel,
});

export type PollerConfig = z.infer<typeof pollerConfigSchema>;
