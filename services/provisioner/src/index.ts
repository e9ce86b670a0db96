import {
  busConnection,
  connectBus,
  consumeWorkspaceDeletions,
  installSignalHandlers,
  startBusHealth,
} from "@tenantlens/bus";
import { loadConfigOrExit } from "@tenantlens/config";
import { ProvisioningSettingsBucket } from "@tenantlens/contracts";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import { OPERATIONS_BUCKET, OperationStore, SettingsStore } from "./adapters/operation-store.js";
import { provisionerConfigSchema } from "./config.js";
import { Provisioner } from "./service.js";
import { serveProvisioner } from "./transport/requests.js";

const config = loadConfigOrExit(provisionerConfigSchema, "provisioner");
const logger = createLogger("provisioner", {}, { level: config.LOG_LEVEL });

async function main(): Promise<void> {
  const telemetry = await startTelemetry("provisioner", {
    metricsPort: config.TL_METRICS_PORT,
    metricsHost: config.TL_METRICS_HOST,
  });
  const bus = await connectBus({ ...busConnection(config), service: "provisioner", logger });
  const busHealth = startBusHealth(bus, {
    health: telemetry.health,
    intervalSeconds: config.TL_HEARTBEAT_SECONDS,
  });
  let sweeper: NodeJS.Timeout | undefined;
  installSignalHandlers("provisioner", logger, async () => {
    telemetry.health.stopping();
    clearInterval(sweeper);
    await busHealth.stop();
    await bus.drain();
    await telemetry.shutdown();
  });
  await bus.ensureStreams();
  const svc = new Provisioner({
    bus,
    ops: new OperationStore(await bus.kv(OPERATIONS_BUCKET)),
    settings: new SettingsStore(await bus.kv(ProvisioningSettingsBucket.name)),
    pacing: {
      writesPerWindow: config.PROVISIONER_WRITES_PER_WINDOW,
      windowMs: config.PROVISIONER_WRITE_WINDOW_SECONDS * 1000,
      maxThrottledRetries: config.PROVISIONER_MAX_THROTTLED_RETRIES,
      maxRetryAfterMs: config.PROVISIONER_MAX_RETRY_AFTER_SECONDS * 1000,
      timeoutMs: config.PROVISIONER_GRAPH_TIMEOUT_MS,
    },
    staleMs: config.PROVISIONER_STALE_SECONDS * 1000,
    log: logger,
  });
  // Operations left running by a provisioner that died are closed as interrupted: now, then regularly.
  const sweep = () =>
    svc.sweep().catch((err: unknown) => logger.warn({ err }, "could not look for interrupted operations"));
  await sweep();
  sweeper = setInterval(sweep, Math.min(30_000, (config.PROVISIONER_STALE_SECONDS * 1000) / 2));
  serveProvisioner(bus, svc);
  // A deleted workspace's operation records and settings go (also those deleted while it was down).
  await consumeWorkspaceDeletions(bus, { service: "provisioner", purge: (ws) => svc.purgeWorkspace(ws) });
  await bus.flush();
  telemetry.health.started();
  void busHealth.beat();
  logger.info({ metrics: telemetry.metricsUrl ?? "off" }, "ready");
}

main().catch((err: unknown) => {
  logger.fatal({ err }, "provisioner could not start");
  process.exit(1);
});
