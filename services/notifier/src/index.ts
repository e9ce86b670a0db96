import { busConnection, connectBus, installSignalHandlers, startBusHealth } from "@tenantlens/bus";
import { loadConfigOrExit, usePrivateDataDir } from "@tenantlens/config";
import { loadMasterKeyOrExit } from "@tenantlens/secrets";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import { notifierConfigSchema } from "./config.js";
import { startNotifier } from "./service.js";

const config = loadConfigOrExit(notifierConfigSchema, "notifier");
usePrivateDataDir(config.TENANTLENS_DATA_DIR);
const logger = createLogger("notifier", {}, { level: config.LOG_LEVEL });

async function main(): Promise<void> {
  const telemetry = await startTelemetry("notifier", {
    metricsPort: config.TL_METRICS_PORT,
    metricsHost: config.TL_METRICS_HOST,
  });
  const key = loadMasterKeyOrExit(
    {
      envKey: config.TENANTLENS_SECRET_KEY,
      previous: config.TENANTLENS_SECRET_KEY_PREVIOUS,
      dataDir: config.TENANTLENS_DATA_DIR,
    },
    "notifier",
  );
  logger.info({ keyId: key.ring.current.id, keySource: key.origin }, "secret key loaded");
  const bus = await connectBus({ ...busConnection(config), service: "notifier", logger });
  await bus.ensureStreams();
  const notifier = await startNotifier({ bus, config, ring: key.ring, logger });
  const busHealth = startBusHealth(bus, {
    health: telemetry.health,
    intervalSeconds: config.TL_HEARTBEAT_SECONDS,
  });
  installSignalHandlers("notifier", logger, async () => {
    telemetry.health.stopping();
    // Consumers and deliveries stop first (the delivery log still needs NATS), then the bus drains.
    await notifier.stop();
    await busHealth.stop();
    await bus.drain();
    await notifier.close();
    await telemetry.shutdown();
  });
  await bus.flush();
  telemetry.health.started();
  void busHealth.beat();
  logger.info(
    {
      metrics: telemetry.metricsUrl ?? "off",
      smtp: config.SMTP_URL ? new URL(config.SMTP_URL).host : "off (SMTP_URL unset)",
      allowedTargets: config.NOTIFIER_ALLOWED_TARGETS.map((e) => e.raw),
      retrySchedule: config.NOTIFIER_RETRY_SCHEDULE,
    },
    "ready",
  );
}

main().catch((err: unknown) => {
  logger.fatal({ err }, "notifier could not start");
  process.exit(1);
});
