import path from "node:path";
import { busConnection, connectBus, installSignalHandlers, startBusHealth } from "@tenantlens/bus";
import { loadConfigOrExit } from "@tenantlens/config";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import { StateDb } from "./adapters/state-db.js";
import { rulesConfigSchema } from "./config.js";
import { startRules } from "./service.js";

const config = loadConfigOrExit(rulesConfigSchema, "rules");
const logger = createLogger("rules", {}, { level: config.LOG_LEVEL });

async function main(): Promise<void> {
  const telemetry = await startTelemetry("rules", {
    metricsPort: config.TL_METRICS_PORT,
    metricsHost: config.TL_METRICS_HOST,
  });
  const file = path.join(config.TENANTLENS_DATA_DIR, "rules", "rules.duckdb");
  // This process is the only one that opens the file; a second one fails here ("lock").
  const db = await StateDb.open(file, { memoryLimit: config.RULES_DUCKDB_MEMORY_LIMIT });
  logger.info({ file }, "rules state open");
  const bus = await connectBus({ ...busConnection(config), service: "rules", logger });
  await bus.ensureStreams();
  const rules = await startRules({ bus, db, config, logger });
  const busHealth = startBusHealth(bus, {
    health: telemetry.health,
    intervalSeconds: config.TL_HEARTBEAT_SECONDS,
  });
  installSignalHandlers("rules", logger, async () => {
    telemetry.health.stopping();
    await rules.stop();
    await busHealth.stop();
    await bus.drain();
    await db.close(); // CHECKPOINT merges the WAL into the file
    await telemetry.shutdown();
  });
  telemetry.health.started();
  void busHealth.beat();
  logger.info({ metrics: telemetry.metricsUrl ?? "off" }, "ready");
}

main().catch((err: unknown) => {
  logger.fatal({ err }, "rules could not start");
  process.exit(1);
});
