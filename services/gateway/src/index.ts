import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { busConnection, connectBus, installSignalHandlers, startBusHealth } from "@tenantlens/bus";
import { loadConfigOrExit } from "@tenantlens/config";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import type { Hono } from "hono";
import { accessStores, createApp } from "./app.js";
import { bootstrapAccess } from "./auth/bootstrap.js";
import { consumeWorkspaceLifecycle } from "./auth/workspace-purge.js";
import { GatewayConfig, publicUrlOf } from "./config.js";
import type { AppEnv } from "./env.js";
import { SystemHealth } from "./health/system-health.js";

const config = loadConfigOrExit(GatewayConfig, "gateway");
const logger = createLogger("gateway", {}, { level: config.LOG_LEVEL });
const telemetry = await startTelemetry("gateway", {
  metricsPort: config.TL_METRICS_PORT,
  metricsHost: config.TL_METRICS_HOST,
});
const bus = await connectBus({ ...busConnection(config), service: "gateway", logger }).catch(
  (err: unknown) => {
    logger.fatal({ err }, `cannot connect to NATS at ${config.NATS_URL}; is nats-server running (with -js)?`);
    process.exit(1);
  },
);

await bus.ensureStreams();
const busHealth = startBusHealth(bus, {
  health: telemetry.health,
  intervalSeconds: config.TL_HEARTBEAT_SECONDS,
});
const systemHealth = new SystemHealth(bus);
const { keyId } = await bootstrapAccess(bus, config.TENANTLENS_API_KEY);
if (keyId) logger.info({ keyId }, "admin API key from TENANTLENS_API_KEY is active");
else logger.warn("TENANTLENS_API_KEY is not set: only keys created earlier can call /api");

const lifecycle = await consumeWorkspaceLifecycle(
  bus,
  accessStores({ bus, sessionHours: config.GATEWAY_SESSION_HOURS }),
);

// The app is built once the port is known (GATEWAY_PORT=0 picks one), so PUBLIC_URL can default to it.
let app: Hono<AppEnv> | undefined;
const server = serve(
  {
    fetch: (req, env) => (app ? app.fetch(req, env) : new Response("starting", { status: 503 })),
    port: config.GATEWAY_PORT,
    hostname: config.GATEWAY_HOST,
  },
  (info: AddressInfo) => {
    const publicUrl = publicUrlOf(config, info.port);
    app = createApp({
      bus,
      logger,
      publicUrl,
      maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
      rateLimitPerMinute: config.GATEWAY_RATE_LIMIT_PER_MINUTE,
      memberMaxQueryMs: config.GATEWAY_MEMBER_MAX_QUERY_MS,
      sessionHours: config.GATEWAY_SESSION_HOURS,
      systemHealth,
      ...(config.GATEWAY_DEMO_MAIL_URL ? { demoMailUrl: config.GATEWAY_DEMO_MAIL_URL } : {}),
    });
    telemetry.health.check("http", () => app !== undefined && server.listening);
    telemetry.health.started();
    void busHealth.beat();
    logger.info(
      { url: publicUrl, listen: `${info.address}:${info.port}`, metrics: telemetry.metricsUrl ?? "off" },
      "ready",
    );
  },
);
server.on("error", (err) => {
  logger.fatal({ err }, `cannot listen on ${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`);
  process.exit(1);
});

installSignalHandlers("gateway", logger, async () => {
  telemetry.health.stopping();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await lifecycle.stop();
  await busHealth.stop();
  await systemHealth.stop();
  await bus.drain();
  await telemetry.shutdown();
});
