import { connectBus, installSignalHandlers } from "@tenantlens/bus";
import { loadConfigOrExit } from "@tenantlens/config";
import { IntegrationChanged } from "@tenantlens/contracts";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import { MsalTokenSource } from "./adapters/entra-client.js";
import { INTEGRATIONS_BUCKET, IntegrationStore } from "./adapters/integration-store.js";
import { loadMasterKey } from "./adapters/master-key.js";
import { authConfigSchema } from "./config.js";
import { serveAuth } from "./handlers.js";
import { AuthService } from "./service.js";

const config = loadConfigOrExit(authConfigSchema, "auth");
const logger = createLogger("auth", {}, { level: config.LOG_LEVEL });
const telemetry = await startTelemetry("auth");

const key = loadMasterKey({
  envKey: config.TENANTLENS_SECRET_KEY,
  previous: config.TENANTLENS_SECRET_KEY_PREVIOUS,
  dataDir: config.TENANTLENS_DATA_DIR,
});
logger.info({ keyId: key.ring.current.id, keySource: key.origin, created: key.created }, "secret key loaded");

const bus = await connectBus({ url: config.NATS_URL, service: "auth", logger });
installSignalHandlers("auth", logger, async () => {
  await bus.drain();
  await telemetry.shutdown();
});
await bus.ensureStreams();

const svc = new AuthService({
  store: new IntegrationStore(await bus.kv(INTEGRATIONS_BUCKET)),
  ring: key.ring,
  tokens: new MsalTokenSource(
    { authorityHost: config.AZURE_AUTHORITY_HOST, graphEndpoint: config.GRAPH_ENDPOINT },
    logger.child({ component: "msal" }),
  ),
  publishChanged: async (change, integration) => {
    await bus.publish(IntegrationChanged, { change, integration, at: new Date().toISOString() });
  },
  graphEndpoint: config.GRAPH_ENDPOINT,
  log: logger,
});
serveAuth(bus, svc);
// The server must know our subscriptions before we say ready, or early requests find no responder.
await bus.flush();
logger.info({ authorityHost: config.AZURE_AUTHORITY_HOST, graphEndpoint: config.GRAPH_ENDPOINT }, "ready");
