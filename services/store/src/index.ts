import path from "node:path";
import { busConnection, connectBus, installSignalHandlers, startBusHealth } from "@tenantlens/bus";
import { loadConfigOrExit, usePrivateDataDir } from "@tenantlens/config";
import { catalog } from "@tenantlens/graph";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import { storeConfigSchema } from "./config.js";
import { startStore } from "./service.js";
import { Warehouse } from "./warehouse.js";

const config = loadConfigOrExit(storeConfigSchema, "store");
usePrivateDataDir(config.TENANTLENS_DATA_DIR);
const logger = createLogger("store", {}, { level: config.LOG_LEVEL });

async function main(): Promise<void> {
  const telemetry = await startTelemetry("store", {
    metricsPort: config.TL_METRICS_PORT,
    metricsHost: config.TL_METRICS_HOST,
  });
  const file = path.join(config.TENANTLENS_DATA_DIR, "warehouse", "warehouse.duckdb");
  // One instance per file per process; a second process on the same file fails here ("lock").
  const warehouse = await Warehouse.open({
    file,
    catalog,
    memoryLimit: config.DUCKDB_MEMORY_LIMIT,
    threads: config.DUCKDB_THREADS,
    checkpointThreshold: config.DUCKDB_CHECKPOINT_THRESHOLD,
    allocatorFlushThreshold: config.DUCKDB_ALLOCATOR_FLUSH_THRESHOLD,
    logRetentionDays: config.LOG_RETENTION_DAYS,
  });
  const { version, steps, conflicts } = warehouse.migration;
  logger.info({ file, schemaVersion: version, migrationSteps: steps }, "warehouse open");
  for (const conflict of conflicts) logger.warn({ conflict }, "column type differs from the catalog");

  const bus = await connectBus({ ...busConnection(config), service: "store", logger });
  await bus.ensureStreams();
  const store = await startStore({ bus, warehouse, config, logger });
  const busHealth = startBusHealth(bus, {
    health: telemetry.health,
    intervalSeconds: config.TL_HEARTBEAT_SECONDS,
    details: () => ({ lastGenerationAt: store.lastGenerationAt() }),
  });

  installSignalHandlers("store", logger, async () => {
    telemetry.health.stopping();
    await store.stop();
    await busHealth.stop();
    await bus.drain();
    await warehouse.close(); // CHECKPOINT merges the WAL into the file
    logger.info("warehouse closed");
    await telemetry.shutdown();
  });
  telemetry.health.started();
  void busHealth.beat();
  logger.info({ metrics: telemetry.metricsUrl ?? "off" }, "ready");
}

main().catch((err: unknown) => {
  logger.fatal({ err }, "store could not start");
  process.exit(1);
});
