import { type Bus, type Consumer, consumeWorkspaceDeletions } from "@tenantlens/bus";
import { GenerationCommitted, PollIngestFailed } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { kvLeaseReader, LEASE_TTL_SECONDS, LEASES_BUCKET } from "./adapters/leases.js";
import { pruneHistory } from "./adapters/retention.js";
import type { StoreConfig } from "./config.js";
import { GenerationService } from "./generation-service.js";
import { pollFailureAnnouncer } from "./poll-failures.js";
import { collectPurger } from "./transport/collect-purge.js";
import { consumeCollection, consumeSystemEvents } from "./transport/consumers.js";
import { serveRequests } from "./transport/requests.js";
import type { Warehouse } from "./warehouse.js";

const DAY_MS = 86_400_000;

export type StoreSettings = Pick<
  StoreConfig,
  | "TENANTLENS_DATA_DIR"
  | "HISTORY_RETENTION_DAYS"
  | "GENERATION_DEBOUNCE_MS"
  | "GENERATIONS_KEPT"
  | "GENERATION_GRACE_MS"
  | "GENERATION_GC_INTERVAL_MS"
  | "ACK_WAIT_SECONDS"
  | "STORE_MAX_DELIVERIES"
  | "STORE_BATCH_MESSAGES"
  | "COLLECT_PURGE_INTERVAL_MS"
>;

export interface RunningStore {
  generations: GenerationService;
  /** Stops consuming, finishes generations in flight and the timers (the bus and DuckDB stay open). */
  stop(): Promise<void>;
}

/**
 * Wires the store onto a connected bus and an open warehouse: finishes what a crash interrupted,
 * prunes old history, then consumes, serves and keeps generations tidy.
 */
export async function startStore(deps: {
  bus: Bus;
  warehouse: Warehouse;
  config: StoreSettings;
  logger: Logger;
}): Promise<RunningStore> {
  const { bus, warehouse, config, logger } = deps;
  const leases = kvLeaseReader(await bus.kv(LEASES_BUCKET, { ttlSeconds: LEASE_TTL_SECONDS }), bus.jsm);
  const generations = new GenerationService({
    warehouse,
    dataDir: config.TENANTLENS_DATA_DIR,
    publish: async (g) => {
      await bus.publish(GenerationCommitted, g);
    },
    leases,
    debounceMs: config.GENERATION_DEBOUNCE_MS,
    keep: config.GENERATIONS_KEPT,
    graceMs: config.GENERATION_GRACE_MS,
    log: logger,
  });

  const prune = async () => {
    try {
      const r = await pruneHistory(warehouse.db, warehouse.schema, { days: config.HISTORY_RETENTION_DAYS });
      if (r.deleted > 0)
        logger.info({ deleted: r.deleted, days: config.HISTORY_RETENTION_DAYS }, "history pruned");
    } catch (err) {
      logger.error({ err }, "history pruning failed; retried tomorrow");
    }
  };
  const announceFailures = pollFailureAnnouncer({
    warehouse,
    publish: async (failure) => {
      await bus.publish(PollIngestFailed, failure);
    },
    log: logger,
  });
  await prune();
  await generations.recover();
  await announceFailures();

  serveRequests(bus, warehouse);
  const purger = collectPurger({ jsm: bus.jsm, log: logger, intervalMs: config.COLLECT_PURGE_INTERVAL_MS });
  const consumerDeps = {
    bus,
    warehouse,
    log: logger,
    ackWaitSeconds: config.ACK_WAIT_SECONDS,
    onGeneration: (ws: string, kind: "poll" | "system") => generations.requested(ws, kind),
    maxDeliveries: config.STORE_MAX_DELIVERIES,
    onDeadLetter: () => void announceFailures(),
    batchMessages: config.STORE_BATCH_MESSAGES,
    onCommitted: (seq: number) => purger.committed(seq),
  };
  const consumers: Consumer[] = [
    await consumeCollection(consumerDeps),
    ...(await consumeSystemEvents(consumerDeps, warehouse.schema.system)),
    await consumeWorkspaceDeletions(bus, {
      service: "store",
      purge: (workspaceId, deletion) => generations.purgeWorkspace(workspaceId, deletion.deletedAt),
    }),
  ];

  // Periodically: retry what failed (a generation or a poll failure not announced), clean up.
  const gc = setInterval(() => {
    void announceFailures();
    void generations
      .recover()
      .then(() => generations.collect())
      .catch((err: unknown) => logger.error({ err }, "generation maintenance failed"));
  }, config.GENERATION_GC_INTERVAL_MS);
  const daily = setInterval(() => void prune(), DAY_MS);
  gc.unref();
  daily.unref();

  return {
    generations,
    async stop() {
      clearInterval(gc);
      clearInterval(daily);
      await Promise.all(consumers.map((c) => c.stop()));
      await purger.stop();
      await generations.stop();
    },
  };
}
