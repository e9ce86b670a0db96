import {
  dataDir,
  durationMs,
  int,
  loadConfig,
  logLevel,
  natsSettings,
  opsSettings,
  z,
} from "@tenantlens/config";
import { parseShard, UNSHARDED } from "./domain/shard.js";

const memorySize = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "expected a size such as 512MB or 2GB");

/** Store configuration, from the environment; every bad variable is reported at once. */
export const storeConfigSchema = z.object({
  ...natsSettings,
  ...opsSettings,
  TENANTLENS_DATA_DIR: dataDir,
  LOG_LEVEL: logLevel,
  /** Change rows and query history older than this are pruned (daily and at start). */
  HISTORY_RETENTION_DAYS: int({ min: 1, max: 36_500 }).default(365),
  /** Audit log and sign-in entries older than this are deleted when the integration's next poll completes. */
  LOG_RETENTION_DAYS: int({ min: 1, max: 36_500 }).default(90),
  /** Generations for system-table changes (query history, integrations) are batched this long. */
  GENERATION_DEBOUNCE_MS: durationMs.pipe(z.number().max(600_000, "at most 10 minutes")).default(2_000),
  /** Newest generations always kept per workspace. */
  GENERATIONS_KEPT: int({ min: 1, max: 100 }).default(2),
  /** A superseded generation is kept at least this long, leased or not. */
  GENERATION_GRACE_MS: durationMs.default(30_000),
  /** How often unneeded generations are removed (and unannounced ones announced again). */
  GENERATION_GC_INTERVAL_MS: durationMs.pipe(z.number().min(1_000, "at least 1s")).default(60_000),
  /** JetStream ack wait of the store's consumers; long pages are kept alive meanwhile. */
  ACK_WAIT_SECONDS: int({ min: 1, max: 3_600 }).default(10),
  /**
   * Deliveries of a collection message before the store sets it aside (dead letter) and fails its
   * poll; until then it is retried after 1 s, 5 s, then every 30 s, holding back the messages behind it.
   */
  STORE_MAX_DELIVERIES: int({ min: 1, max: 100 }).default(5),
  /**
   * Collection messages already waiting in TL_COLLECT that are applied in one transaction (one
   * commit for the lot); 1 commits every message alone. Memory grows with it (a page is ~1 MB).
   */
  STORE_BATCH_MESSAGES: int({ min: 1, max: 256 }).default(16),
  /** Committed pages are deleted from TL_COLLECT at most this often. */
  COLLECT_PURGE_INTERVAL_MS: durationMs.pipe(z.number().min(100, "at least 100ms")).default(5_000),
  /**
   * DuckDB buffer manager limit of the warehouse (caches, temporary tables, a transaction's
   * uncommitted rows). DuckDB allocates beyond it (query state, Parquet writers, the allocator's
   * caches: measured up to ~400MB more while ingesting), and the JavaScript heap and runtime add
   * ~250MB; 384MB keeps the store under 1 GB of RSS at 1M objects. More spills less to
   * `<warehouse>.tmp` during large ingests.
   */
  DUCKDB_MEMORY_LIMIT: memorySize.default("384MB"),
  /**
   * After a task that allocated more than this, DuckDB returns freed memory to the operating system
   * (`allocator_flush_threshold`; DuckDB's own default is 128MB): lower keeps the RSS nearer to what
   * is in use after an export or a large diff.
   */
  DUCKDB_ALLOCATOR_FLUSH_THRESHOLD: memorySize.default("32MB"),
  /** WAL size that triggers a checkpoint: larger ingests faster, replays longer after a crash. */
  DUCKDB_CHECKPOINT_THRESHOLD: memorySize.default("128MB"),
  DUCKDB_THREADS: int({ min: 1, max: 256 }).optional(),
  /**
   * `<index>/<count>`: this store is one of `count` shards and owns the workspaces whose id hashes to
   * `index` (each shard with a TENANTLENS_DATA_DIR of its own). Unset: one store owns everything.
   */
  STORE_SHARD: z
    .string()
    .transform((raw, ctx) => {
      try {
        return parseShard(raw);
      } catch (err) {
        ctx.issues.push({ code: "custom", input: raw, message: (err as Error).message });
        return z.NEVER;
      }
    })
    .default(UNSHARDED),
});

export type StoreConfig = z.infer<typeof storeConfigSchema>;

export function loadStoreConfig(env: Record<string, string | undefined> = process.env): StoreConfig {
  return loadConfig(storeConfigSchema, env);
}
