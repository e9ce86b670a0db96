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

const memorySize = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "expected a size such as 256MB or 1GB");

/** Rules service configuration, from the environment; every bad variable is reported at once. */
export const rulesConfigSchema = z.object({
  ...natsSettings,
  ...opsSettings,
  TENANTLENS_DATA_DIR: dataDir,
  LOG_LEVEL: logLevel,
  /** Time limit of one rule query in the query service's sandbox. */
  RULES_QUERY_TIMEOUT_MS: durationMs
    .pipe(z.number().min(100, "at least 100 ms").max(600_000, "at most 10 minutes"))
    .default(60_000),
  /** Rule queries in flight at once during a run. */
  RULES_CONCURRENCY: int({ min: 1, max: 32 }).default(2),
  /** Rows read per rule query; a rule returning more keeps the first ones and resolves nothing that run. */
  RULES_MAX_VIOLATIONS: int({ min: 1, max: 1_000_000 }).default(100_000),
  /** Largest event published; violation changes are split into parts below it. */
  RULES_MAX_MESSAGE_BYTES: int({ min: 64_000, max: 8_000_000 }).default(900_000),
  /** DuckDB memory limit of the service's own state file. */
  RULES_DUCKDB_MEMORY_LIMIT: memorySize.default("512MB"),
  /** Ack wait of the generation consumer (a long run is kept alive meanwhile). */
  RULES_ACK_WAIT_SECONDS: int({ min: 5, max: 3_600 }).default(60),
});

export type RulesConfig = z.infer<typeof rulesConfigSchema>;

export function loadRulesConfig(env: Record<string, string | undefined> = process.env): RulesConfig {
  return loadConfig(rulesConfigSchema, env);
}
