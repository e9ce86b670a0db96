import { busConnection, connectBus, installSignalHandlers, startBusHealth } from "@tenantlens/bus";
import { loadConfigOrExit, usePrivateDataDir } from "@tenantlens/config";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import { queryConfigSchema } from "./config.js";
import { startQueryService } from "./start.js";

const config = loadConfigOrExit(queryConfigSchema, "query");
usePrivateDataDir(config.TENANTLENS_DATA_DIR);
const logger = createLogger("query", {}, { level: config.LOG_LEVEL });
const telemetry = await startTelemetry("query", {
  metricsPort: config.TL_METRICS_PORT,
  metricsHost: config.TL_METRICS_HOST,
});

const bus = await connectBus({ ...busConnection(config), service: "query", logger });
let running: Awaited<ReturnType<typeof startQueryService>> | undefined;
const busHealth = startBusHealth(bus, {
  health: telemetry.health,
  intervalSeconds: config.TL_HEARTBEAT_SECONDS,
});
installSignalHandlers("query", logger, async () => {
  telemetry.health.stopping();
  await busHealth.stop();
  if (running) await running.stop(() => bus.drain());
  else await bus.drain();
  await telemetry.shutdown();
});
await bus.ensureStreams();
running = await startQueryService(bus, config, logger);
telemetry.health.started();
void busHealth.beat();
logger.info(
  {
    workers: config.QUERY_WORKERS,
    readerId: running.readerId,
    memoryLimit: config.QUERY_MEMORY_LIMIT,
    metrics: telemetry.metricsUrl ?? "off",
  },
  "ready",
);
