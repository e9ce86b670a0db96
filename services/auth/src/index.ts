import {
  busConnection,
  connectBus,
  consumeWorkspaceDeletions,
  installSignalHandlers,
  startBusHealth,
} from "@tenantlens/bus";
import { loadConfigOrExit, usePrivateDataDir } from "@tenantlens/config";
import { IntegrationChanged } from "@tenantlens/contracts";
import { loadMasterKeyOrExit } from "@tenantlens/secrets";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import { CONSENT_BUCKET, CONSENT_BUCKET_TTL_SECONDS, ConsentStore } from "./adapters/consent-store.js";
import { MsalDelegatedTokenSource } from "./adapters/delegated-client.js";
import { MsalTokenSource } from "./adapters/entra-client.js";
import { INTEGRATIONS_BUCKET, IntegrationStore } from "./adapters/integration-store.js";
import { PROVISIONING_GRANTS_BUCKET, ProvisioningGrantStore } from "./adapters/provisioning-grant-store.js";
import {
  PROVISION_TOKEN_CACHE_BUCKET,
  TOKEN_CACHE_BUCKET,
  TokenCacheStore,
} from "./adapters/token-cache-store.js";
import { AdminConsentLinks } from "./admin-consent.js";
import { authConfigSchema } from "./config.js";
import { ConsentService } from "./consent-service.js";
import { DelegatedFlow } from "./delegated-flow.js";
import { callbackUri } from "./domain/consent.js";
import { ProvisioningService } from "./provisioning-service.js";
import { IntegrationRecords } from "./records.js";
import { resealAll } from "./reseal.js";
import { AuthService } from "./service.js";
import { serveAuth } from "./transport/requests.js";

const config = loadConfigOrExit(authConfigSchema, "auth");
usePrivateDataDir(config.TENANTLENS_DATA_DIR);
const logger = createLogger("auth", {}, { level: config.LOG_LEVEL });
const telemetry = await startTelemetry("auth", {
  metricsPort: config.TL_METRICS_PORT,
  metricsHost: config.TL_METRICS_HOST,
});

const key = loadMasterKeyOrExit(
  {
    envKey: config.TENANTLENS_SECRET_KEY,
    previous: config.TENANTLENS_SECRET_KEY_PREVIOUS,
    dataDir: config.TENANTLENS_DATA_DIR,
  },
  "auth",
);
logger.info({ keyId: key.ring.current.id, keySource: key.origin, created: key.created }, "secret key loaded");

const bus = await connectBus({ ...busConnection(config), service: "auth", logger });
const busHealth = startBusHealth(bus, {
  health: telemetry.health,
  intervalSeconds: config.TL_HEARTBEAT_SECONDS,
});
installSignalHandlers("auth", logger, async () => {
  telemetry.health.stopping();
  await busHealth.stop();
  await bus.drain();
  await telemetry.shutdown();
});
await bus.ensureStreams();

const store = new IntegrationStore(await bus.kv(INTEGRATIONS_BUCKET));
const msalLog = logger.child({ component: "msal" });
const delegatedApp =
  config.TENANTLENS_CLIENT_ID && config.TENANTLENS_CLIENT_SECRET
    ? new MsalDelegatedTokenSource(
        { clientId: config.TENANTLENS_CLIENT_ID, clientSecret: config.TENANTLENS_CLIENT_SECRET },
        config.AZURE_AUTHORITY_HOST,
        msalLog,
      )
    : null;
const redirectUri = callbackUri(config.PUBLIC_URL);

const records = new IntegrationRecords({
  store,
  publishChanged: async (change, integration, extra) => {
    await bus.publish(IntegrationChanged, {
      change,
      integration,
      at: new Date().toISOString(),
      ...(extra?.purgeData ? { purgeData: true } : {}),
    });
  },
  log: logger,
  now: () => new Date(),
});
const caches = new TokenCacheStore(await bus.kv(TOKEN_CACHE_BUCKET), key.ring);
const provisionCaches = new TokenCacheStore(await bus.kv(PROVISION_TOKEN_CACHE_BUCKET), key.ring);
const grants = new ProvisioningGrantStore(await bus.kv(PROVISIONING_GRANTS_BUCKET));
const consents = new ConsentStore(
  await bus.kv(CONSENT_BUCKET, { ttlSeconds: CONSENT_BUCKET_TTL_SECONDS }),
  key.ring,
);
const adminConsent = new AdminConsentLinks({
  consents,
  authorityHost: config.AZURE_AUTHORITY_HOST,
  graphEndpoint: config.GRAPH_ENDPOINT,
  redirectUri,
  now: () => new Date(),
});
const delegated = new DelegatedFlow({
  consents,
  caches,
  provisionCaches,
  tokens: delegatedApp,
  authorityHost: config.AZURE_AUTHORITY_HOST,
  redirectUri,
  exists: async (id) => (await store.get(id)) !== null,
  log: logger,
  now: () => new Date(),
});
const svc: AuthService = new AuthService({
  records,
  ring: key.ring,
  tokens: new MsalTokenSource(
    { authorityHost: config.AZURE_AUTHORITY_HOST, graphEndpoint: config.GRAPH_ENDPOINT },
    msalLog,
  ),
  delegated,
  adminConsent,
  graphEndpoint: config.GRAPH_ENDPOINT,
  log: logger,
  onRemove: (id: string): Promise<void> => provisioning.forget(id),
});
const provisioning: ProvisioningService = new ProvisioningService({
  records,
  grants,
  delegated,
  auth: svc,
  log: logger,
});
const consentService = new ConsentService(
  records,
  delegated,
  logger,
  { links: adminConsent, complete: (cur, req) => svc.completeAdminConsent(cur, req) },
  grants,
);
serveAuth(
  bus,
  svc,
  consentService,
  () => resealAll({ store, caches, provisionCaches, ring: key.ring }),
  provisioning,
);
// A deleted workspace's integrations, secrets and token caches go (also those deleted while auth was down).
await consumeWorkspaceDeletions(bus, { service: "auth", purge: (ws) => svc.purgeWorkspace(ws) });
// The server must know our subscriptions before we say ready, or early requests find no responder.
await bus.flush();
telemetry.health.started();
void busHealth.beat();
logger.info(
  {
    metrics: telemetry.metricsUrl ?? "off",
    authorityHost: config.AZURE_AUTHORITY_HOST,
    graphEndpoint: config.GRAPH_ENDPOINT,
    delegated: delegatedApp ? { clientId: delegatedApp.clientId, redirectUri } : "off",
  },
  "ready",
);
