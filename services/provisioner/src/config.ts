import { dataDir, int, loadConfig, logLevel, natsSettings, opsSettings, z } from "@tenantlens/config";

/** Provisioner configuration, from the environment; every bad variable is reported at once. */
export const provisionerConfigSchema = z.object({
  ...natsSettings,
  ...opsSettings,
  TENANTLENS_DATA_DIR: dataDir,
  LOG_LEVEL: logLevel,
  /**
   * Graph writes per integration (app + tenant) per window. Graph allows 3,000 writes per 150 s per
   * app and tenant (and 18,000 per 5 minutes per tenant across apps): the default stays at it.
   */
  PROVISIONER_WRITES_PER_WINDOW: int({ min: 1, max: 3000 }).default(3000),
  PROVISIONER_WRITE_WINDOW_SECONDS: int({ min: 1, max: 3600 }).default(150),
  /** Retries of one Graph request answered 429 (each after its Retry-After) before its step fails. */
  PROVISIONER_MAX_THROTTLED_RETRIES: int({ min: 0, max: 20 }).default(5),
  /** Longest Retry-After honoured; a longer one fails the step at once (the operation says so). */
  PROVISIONER_MAX_RETRY_AFTER_SECONDS: int({ min: 1, max: 600 }).default(120),
  /**
   * A running operation whose provisioner has not renewed its record for this long is closed as
   * `interrupted` by any provisioner (its runner died mid-operation). Renewed every few seconds.
   */
  PROVISIONER_STALE_SECONDS: int({ min: 2, max: 3600 }).default(60),
  /** Time limit of one Graph request. */
  PROVISIONER_GRAPH_TIMEOUT_MS: int({ min: 1000, max: 300_000 }).default(30_000),
});

export type ProvisionerConfig = z.infer<typeof provisionerConfigSchema>;

export function loadProvisionerConfig(
  env: Record<string, string | undefined> = process.env,
): ProvisionerConfig {
  return loadConfig(provisionerConfigSchema, env);
}
