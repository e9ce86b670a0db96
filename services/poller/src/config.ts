import { graphEndpoint, int, logLevel, natsSettings, opsSettings, z } from "@tenantlens/config";
import { catalog } from "@tenantlens/graph";

/** `users=120,auditLogs=60`: seconds per catalog resource. */
const resourceIntervals = z
  .string()
  .default("")
  .transform((v, ctx) => {
    const out: Record<string, number> = {};
    for (const part of v
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "")) {
      const m = /^([A-Za-z][A-Za-z0-9]*)=(\d+)$/.exec(part);
      if (!m?.[1] || !m[2]) {
        ctx.addIssue({ code: "custom", message: `expected resource=seconds, got "${part}"` });
        return z.NEVER;
      }
      out[m[1]] = Number(m[2]);
    }
    return out;
  });

/** `users,groups,directoryAudits`: catalog resource names; empty = every resource. */
const resourceList = z
  .string()
  .default("")
  .transform((v, ctx) => {
    const names = v
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "");
    const unknown = names.filter((n) => !catalog.some((r) => r.name === n));
    if (unknown.length > 0) {
      ctx.addIssue({ code: "custom", message: `unknown resource(s): ${unknown.join(", ")} (catalog names)` });
      return z.NEVER;
    }
    return names;
  });

export const pollerConfigSchema = z.object({
  ...natsSettings,
  ...opsSettings,
  GRAPH_ENDPOINT: graphEndpoint,
  /** Seconds between scheduled polls of one integration; 0 = no schedule (manual and on-create polls only). */
  POLL_INTERVAL_SECONDS: int({ min: 0, max: 7 * 86_400 }).default(300),
  /**
   * The catalog resources this deployment collects (`users,groups,…`); empty = all of them. Others
   * are never read, and a poll that names one is refused.
   */
  POLL_RESOURCES: resourceList,
  /** Per resource: its own interval in seconds (`resource=seconds,…`), overriding POLL_INTERVAL_SECONDS. */
  POLL_RESOURCE_INTERVALS: resourceIntervals,
  /**
   * Seconds between scheduled reads of resources Graph offers neither delta nor a log cursor for
   * (policies, settings, per-parent reads), unless POLL_RESOURCE_INTERVALS names them; never less
   * often than POLL_INTERVAL_SECONDS. 0 = the same as POLL_INTERVAL_SECONDS.
   */
  POLL_SLOW_INTERVAL_SECONDS: int({ min: 0, max: 30 * 86_400 }).default(3_600),
  /** Audit logs and sign-ins: how many days back the first read asks Graph for (Graph keeps 7–30). */
  LOG_LOOKBACK_DAYS: int({ min: 1, max: 365 }).default(30),
  /** Audit logs and sign-ins: each window re-reads this many seconds before the last one's end (late arrivals). */
  LOG_OVERLAP_SECONDS: int({ min: 0, max: 7 * 86_400 }).default(900),
  /** Hours after which a scheduled poll re-reads everything instead of a delta round; 0 = never. */
  FULL_RECONCILE_HOURS: int({ min: 0, max: 24 * 365 }).default(24),
  /** Resource reads at once on this poller (all integrations together). */
  POLL_CONCURRENCY: int({ min: 1, max: 64 }).default(8),
  /**
   * Requests at once per integration, across every poller replica: resource reads plus the extra
   * `$batch` requests per-parent reads send on free slots. Graph's real limit is resource units per
   * app and tenant per 10 s (3,500 / 5,000 / 8,000 by tenant size), which 8 reads at once stay well
   * inside (docs/benchmarks.md); a 429 still holds the whole integration.
   */
  TENANT_CONCURRENCY: int({ min: 1, max: 32 }).default(8),
  /** Seconds a poller's lease on a resource lives without renewal (a dead poller's work is taken over after it). */
  LEASE_TTL_SECONDS: int({ min: 2, max: 600 }).default(15),
  /** How often (ms) a poller looks for due polls and for work to take over. */
  POLL_TICK_MS: int({ min: 50, max: 60_000 }).default(1_000),
  /** Pollers that may take up one resource of a poll (each dying mid-read) before it ends failed. */
  RESOURCE_MAX_ATTEMPTS: int({ min: 1, max: 20 }).default(3),
  /** Name of this replica in leases and logs (default: host, pid and a random suffix). */
  POLLER_REPLICA_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  /** Largest message the poller publishes; pages are chunked below it (and below the server's max_payload). */
  MAX_MESSAGE_BYTES: int({ min: 4096, max: 64 * 1024 * 1024 }).default(900_000),
  /** Overrides the catalog's $top (and asks delta for this page size); for tests and tuning. */
  PAGE_SIZE: int({ min: 1, max: 999 }).optional(),
  /** Retries of one Graph request on 429/503/504 or network errors before the resource fails. */
  GRAPH_MAX_RETRIES: int({ min: 0, max: 20 }).default(6),
  /** Retries of one Graph request after 429 answers (counted apart from the others). */
  GRAPH_MAX_THROTTLED_RETRIES: int({ min: 0, max: 100 }).default(20),
  /** First backoff step (ms) when Graph gives no Retry-After. */
  GRAPH_BACKOFF_BASE_MS: int({ min: 1, max: 60_000 }).default(1_000),
  LOG_LEVEL: logLevel,
});

export type PollerConfig = z.infer<typeof pollerConfigSchema>;
