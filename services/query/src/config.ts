import os from "node:os";
import path from "node:path";
import {
  dataDir,
  durationMs,
  durationSeconds,
  int,
  logLevel,
  natsSettings,
  opsSettings,
  z,
} from "@tenantlens/config";

/** DuckDB size setting such as 512MB, 1GB, 2.5GiB. */
const duckdbSize = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "expected a size such as 512MB, 1GB or 2GiB");

export const queryConfigSchema = z
  .object({
    ...natsSettings,
    ...opsSettings,
    TENANTLENS_DATA_DIR: dataDir,
    LOG_LEVEL: logLevel,
    /** Default per-query time limit (requests may ask for less or more, up to QUERY_MAX_TIMEOUT_MS). */
    QUERY_TIMEOUT_MS: durationMs.default(30_000),
    QUERY_MAX_TIMEOUT_MS: durationMs.default(600_000),
    /** Default row cap of JSON answers. */
    QUERY_MAX_ROWS: int({ min: 1, max: 1_000_000 }).default(10_000),
    /** Default row cap of CSV / NDJSON / Parquet downloads. */
    QUERY_EXPORT_MAX_ROWS: int({ min: 1, max: 1_000_000 }).default(1_000_000),
    /** Encoded results stop (truncated) past this size. */
    QUERY_MAX_RESULT_BYTES: int({ min: 1_000, max: 1_000_000_000 }).default(64 * 1024 * 1024),
    /** JSON answers larger than this go through the object store instead of the reply. */
    QUERY_INLINE_MAX_BYTES: int({ min: 1_000, max: 900_000 }).default(800_000),
    /** DuckDB worker processes (one query at a time each). */
    QUERY_WORKERS: int({ min: 1, max: 64 }).default(2),
    /** Queries one workspace may run at once (default: every worker but one, at least 1). */
    QUERY_WORKSPACE_CONCURRENCY: int({ min: 1, max: 64 }).optional(),
    /** Queries one API key may run at once. */
    QUERY_KEY_CONCURRENCY: int({ min: 1, max: 64 }).default(1),
    /** A workspace whose queries kill this many workers within QUERY_QUARANTINE_MS is held back that long. */
    QUERY_QUARANTINE_CRASHES: int({ min: 1, max: 1_000 }).default(3),
    QUERY_QUARANTINE_MS: durationMs.default(300_000),
    QUERY_THREADS: int({ min: 1, max: 256 }).default(2),
    QUERY_MEMORY_LIMIT: duckdbSize.default("1GB"),
    QUERY_MAX_TEMP_DIRECTORY_SIZE: duckdbSize.default("4GB"),
    /** How long an interrupted query may keep running before its worker is killed. */
    QUERY_KILL_GRACE_MS: durationMs.default(5_000),
    QUERY_WORKER_HEAP_MB: int({ min: 128, max: 65_536 }).default(1_024),
    QUERY_INSTANCES_PER_WORKER: int({ min: 1, max: 1_000 }).default(4),
    /** Ask the store for the current generation again after this long (events do it sooner). */
    QUERY_GENERATION_RECHECK_MS: durationMs.default(60_000),
    /** Identifies this replica in generation leases (default: host and process id). */
    QUERY_READER_ID: z.string().trim().min(1).max(100).optional(),
    /** Spill files and exports; default <data dir>/tmp/query-<reader id>. */
    QUERY_TEMP_DIR: z.string().trim().min(1).optional(),
    QUERY_RESULT_TTL: durationSeconds.default(600),
  })
  .superRefine((c, ctx) => {
    if (c.QUERY_TIMEOUT_MS > c.QUERY_MAX_TIMEOUT_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["QUERY_TIMEOUT_MS"],
        message: `must not exceed QUERY_MAX_TIMEOUT_MS (${c.QUERY_MAX_TIMEOUT_MS} ms)`,
      });
    }
    if (c.QUERY_TIMEOUT_MS < 100) {
      ctx.addIssue({ code: "custom", path: ["QUERY_TIMEOUT_MS"], message: "must be at least 100 ms" });
    }
  });

export type QueryConfig = z.infer<typeof queryConfigSchema>;

export function workspaceConcurrency(c: QueryConfig): number {
  return c.QUERY_WORKSPACE_CONCURRENCY ?? Math.max(1, c.QUERY_WORKERS - 1);
}

export function readerIdDefault(): string {
  return `${os.hostname()}-${process.pid}`;
}

export function tempDirOf(c: QueryConfig, readerId: string): string {
  return path.resolve(c.QUERY_TEMP_DIR ?? path.join(c.TENANTLENS_DATA_DIR, "tmp", `query-${readerId}`));
}
