import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { busConnection, connectBus, installSignalHandlers, startBusHealth } from "@tenantlens/bus";
import { loadConfigOrExit } from "@tenantlens/config";
import { AppError, IntegrationList } from "@tenantlens/contracts";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import { busCollectEvents } from "./adapters/collect-events.js";
import { DELTA_BUCKET, KvDeltaLinks } from "./adapters/delta-links.js";
import { createGraphReader } from "./adapters/graph-reader.js";
import { LEASES_BUCKET, Leases } from "./adapters/leases.js";
import { pollMetrics } from "./adapters/metrics.js";
import { PollState } from "./adapters/poll-state.js";
import { TenantGate, THROTTLE_BUCKET } from "./adapters/tenant-gate.js";
import { TokenProvider } from "./adapters/token-provider.js";
import { pollerConfigSchema } from "./config.js";
import { Coordinator, type PollClient } from "./coordinator.js";
import { countEstimate } from "./domain/estimate.js";
import { backoffMs, defaultRetryPolicy } from "./domain/retry.js";
import { collectedResources } from "./poll-manager.js";
import { followIngestFailures, followIntegrations, followWorkspaceDeletions } from "./transport/consumers.js";
import { servePoller } from "./transport/requests.js";

const config = loadConfigOrExit(pollerConfigSchema, "poller");
const replicaId =
  config.POLLER_REPLICA_ID ??
  `${hostname()
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, 40)}-${process.pid}-${randomBytes(3).toString("hex")}`;
const logger = createLogger("poller", { replica: replicaId }, { level: config.LOG_LEVEL });
const telemetry = await startTelemetry("poller", {
  metricsPort: config.TL_METRICS_PORT,
  metricsHost: config.TL_METRICS_HOST,
});
const bus = await connectBus({ ...busConnection(config), service: "poller", logger });
await bus.ensureStreams();
const busHealth = startBusHealth(bus, {
  health: telemetry.health,
  intervalSeconds: config.TL_HEARTBEAT_SECONDS,
  instance: replicaId,
});

const deltaLinks = new KvDeltaLinks(await bus.kv(DELTA_BUCKET));
const state = await PollState.open(bus);
const leases = await Leases.open(bus, replicaId, config.LEASE_TTL_SECONDS, logger);
// This poller is alive while it holds its replica lease (siblings count it before handing work over).
const alive = await leases.tryAcquire(`replica.${replicaId}`);
const events = busCollectEvents(bus);
const retry = {
  ...defaultRetryPolicy,
  maxRetries: config.GRAPH_MAX_RETRIES,
  maxThrottledRetries: config.GRAPH_MAX_THROTTLED_RETRIES,
  baseDelayMs: config.GRAPH_BACKOFF_BASE_MS,
};

/**
 * Retry-After holds every read of an integration on this poller, and through the KV bucket
 * `tl_poll_throttle` (`<integrationId>` → until when, epoch ms) on every other poller too.
 */
const throttleKv = await bus.kv(THROTTLE_BUCKET, { ttlSeconds: 600 });
const gates = new Map<string, TenantGate>();
const gateOf = (integrationId: string): TenantGate => {
  let gate = gates.get(integrationId);
  if (!gate) {
    gate = new TenantGate((until) => {
      void throttleKv.put(integrationId, new TextEncoder().encode(String(until))).catch(() => {});
    });
    gates.set(integrationId, gate);
  }
  return gate;
};
void (async () => {
  try {
    for await (const e of await throttleKv.watch({ key: ">" })) {
      if (e.operation !== "PUT") continue;
      const until = Number(e.string());
      if (Number.isFinite(until) && until > Date.now()) gateOf(e.key).block(until - Date.now(), true);
    }
  } catch (err) {
    if (!bus.status().closed) logger.warn({ err }, "stopped following other pollers' throttling");
  }
})();
/** One token provider and Graph client per poll (forced refreshes are paced per poll). */
const clients = new Map<string, PollClient>();

const coordinator = new Coordinator({
  replicaId,
  state,
  leases,
  events,
  reader: {
    events,
    deltaLinks,
    graphEndpoint: config.GRAPH_ENDPOINT,
    pageSize: config.PAGE_SIZE ?? null,
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    retry,
    logs: {
      lookbackMs: config.LOG_LOOKBACK_DAYS * 86_400_000,
      overlapMs: config.LOG_OVERLAP_SECONDS * 1000,
    },
  },
  clientFor(poll) {
    let client = clients.get(poll.pollId);
    if (client) return client;
    const tokens = new TokenProvider(bus, poll.integrationId, {
      forcedRefreshDelayMs: (step) => backoffMs(step, retry),
    });
    const gate = gateOf(poll.integrationId);
    const log = logger.child({ integrationId: poll.integrationId, pollId: poll.pollId });
    const graph = createGraphReader({ graphEndpoint: config.GRAPH_ENDPOINT, tokens, retry, log, gate });
    client = {
      graph,
      estimate: (resource, signal, meter) =>
        countEstimate(graph, config.GRAPH_ENDPOINT, resource, signal, meter),
    };
    clients.set(poll.pollId, client);
    return client;
  },
  releaseClient: (pollId) => clients.delete(pollId),
  metrics: pollMetrics(),
  collected: collectedResources(config.POLL_RESOURCES),
  intervalMs: config.POLL_INTERVAL_SECONDS * 1000,
  resourceIntervalsMs: Object.fromEntries(
    Object.entries(config.POLL_RESOURCE_INTERVALS).map(([k, v]) => [k, v * 1000]),
  ),
  slowIntervalMs: config.POLL_SLOW_INTERVAL_SECONDS * 1000,
  jitter: 0.1,
  fullReconcileMs: config.FULL_RECONCILE_HOURS * 3_600_000,
  concurrency: config.POLL_CONCURRENCY,
  tenantConcurrency: config.TENANT_CONCURRENCY,
  maxAttempts: config.RESOURCE_MAX_ATTEMPTS,
  tickMs: config.POLL_TICK_MS,
  log: logger,
  async otherReplicas() {
    // Keys from the bucket's stream info: a listing consumer may never catch up on a bucket
    // whose leases are renewed all the time.
    const prefix = `$KV.${LEASES_BUCKET}.replica.`;
    const info = await bus.jsm.streams.info(`KV_${LEASES_BUCKET}`, { subjects_filter: `${prefix}*` });
    return Object.keys(info.state.subjects ?? {}).filter((s) => s !== `${prefix}${replicaId}`).length;
  },
});

servePoller(bus, coordinator);
// The server must know our subscriptions before we say ready, or early requests find no responder.
await bus.flush();
const consumer = await followIntegrations(bus, coordinator, deltaLinks);
const failures = await followIngestFailures(bus, coordinator, deltaLinks);
const deletions = await followWorkspaceDeletions(bus, coordinator, deltaLinks);
coordinator.run();
installSignalHandlers("poller", logger, async () => {
  telemetry.health.stopping();
  await consumer.stop();
  await failures.stop();
  await deletions.stop();
  await alive?.release();
  await coordinator.stop();
  await busHealth.stop();
  await bus.drain();
  await telemetry.shutdown();
});

/** Auth may start after us: keep asking in the background instead of failing the start. */
async function learnIntegrations(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { integrations } = await bus.request(IntegrationList, {});
      await coordinator.learn(integrations);
      logger.info({ integrations: integrations.length }, "integrations learned");
      return;
    } catch (err) {
      if (bus.status().closed) return;
      const level = attempt < 3 ? "debug" : "warn";
      logger[level](
        { err: err instanceof AppError ? err.message : String(err) },
        "cannot list integrations yet; retrying",
      );
      await new Promise((r) => setTimeout(r, Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 5))));
    }
  }
}
void learnIntegrations();

telemetry.health.started();
void busHealth.beat();
logger.info(
  {
    graphEndpoint: config.GRAPH_ENDPOINT,
    intervalSeconds: config.POLL_INTERVAL_SECONDS,
    concurrency: config.POLL_CONCURRENCY,
    tenantConcurrency: config.TENANT_CONCURRENCY,
    leaseTtlSeconds: config.LEASE_TTL_SECONDS,
    maxMessageBytes: Math.min(config.MAX_MESSAGE_BYTES, bus.maxPayload()),
    metrics: telemetry.metricsUrl ?? "off",
  },
  "ready",
);
