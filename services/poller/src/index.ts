import { busConnection, connectBus, installSignalHandlers } from "@tenantlens/bus";
import { loadConfigOrExit } from "@tenantlens/config";
import { AppError, IntegrationList } from "@tenantlens/contracts";
import { createLogger, startTelemetry } from "@tenantlens/telemetry";
import { closeAbandonedPolls } from "./abandoned-polls.js";
import { busCollectEvents } from "./adapters/collect-events.js";
import { DELTA_BUCKET, KvDeltaLinks } from "./adapters/delta-links.js";
import { createGraphReader } from "./adapters/graph-reader.js";
import { KvRunningPolls, RUNNING_POLLS_BUCKET } from "./adapters/running-polls.js";
import { TokenProvider } from "./adapters/token-provider.js";
import { runPoll } from "./collector.js";
import { pollerConfigSchema } from "./config.js";
import { backoffMs, defaultRetryPolicy } from "./domain/retry.js";
import { PollManager } from "./poll-manager.js";
import { followIngestFailures, followIntegrations } from "./transport/consumers.js";
import { servePoller } from "./transport/requests.js";

const config = loadConfigOrExit(pollerConfigSchema, "poller");
const logger = createLogger("poller", {}, { level: config.LOG_LEVEL });
const telemetry = await startTelemetry("poller");
const bus = await connectBus({ ...busConnection(config), service: "poller", logger });
await bus.ensureStreams();

const deltaLinks = new KvDeltaLinks(await bus.kv(DELTA_BUCKET));
const running = new KvRunningPolls(await bus.kv(RUNNING_POLLS_BUCKET));
const events = busCollectEvents(bus);
const retry = {
  ...defaultRetryPolicy,
  maxRetries: config.GRAPH_MAX_RETRIES,
  baseDelayMs: config.GRAPH_BACKOFF_BASE_MS,
};
// Before any new poll: close those a previous life left running (killed mid-poll).
await closeAbandonedPolls({ running, events, log: logger });

const manager = new PollManager({
  concurrency: config.POLL_CONCURRENCY,
  intervalMs: config.POLL_INTERVAL_SECONDS * 1000,
  fullReconcileMs: config.FULL_RECONCILE_HOURS * 3_600_000,
  log: logger,
  run: async (job, signal) => {
    // Forced token refreshes after a 401 are paced like Graph retries: one per backoff step.
    const tokens = new TokenProvider(bus, job.integration.id, {
      forcedRefreshDelayMs: (step) => backoffMs(step, retry),
    });
    const log = logger.child({ integrationId: job.integration.id });
    await runPoll(
      {
        pollId: job.pollId,
        workspaceId: job.integration.workspaceId,
        integrationId: job.integration.id,
        tenantId: job.tenantId,
        resources: job.resources,
        full: job.full,
        reason: job.reason,
      },
      {
        graph: createGraphReader({ graphEndpoint: config.GRAPH_ENDPOINT, tokens, retry, log }),
        tokens,
        events,
        deltaLinks,
        running,
        graphEndpoint: config.GRAPH_ENDPOINT,
        pageSize: config.PAGE_SIZE ?? null,
        maxMessageBytes: config.MAX_MESSAGE_BYTES,
        log,
      },
      signal,
    );
  },
});

servePoller(bus, manager);
// The server must know our subscriptions before we say ready, or early requests find no responder.
await bus.flush();
const consumer = await followIntegrations(bus, manager, deltaLinks);
const failures = await followIngestFailures(bus, manager, deltaLinks);
installSignalHandlers("poller", logger, async () => {
  await consumer.stop();
  await failures.stop();
  await manager.stop();
  await bus.drain();
  await telemetry.shutdown();
});

/** Auth may start after us: keep asking in the background instead of failing the start. */
async function learnIntegrations(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { integrations } = await bus.request(IntegrationList, {});
      manager.learn(integrations);
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

logger.info(
  {
    graphEndpoint: config.GRAPH_ENDPOINT,
    intervalSeconds: config.POLL_INTERVAL_SECONDS,
    concurrency: config.POLL_CONCURRENCY,
    maxMessageBytes: Math.min(config.MAX_MESSAGE_BYTES, bus.maxPayload()),
  },
  "ready",
);
