import path from "node:path";
import { type Bus, type Consumer, consumeWorkspaceDeletions } from "@tenantlens/bus";
import { GenerationCommitted, PollIngestFailed } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { kvLeaseReader, LEASE_TTL_SECONDS, LEASES_BUCKET } from "./adapters/leases.js";
import { relocateGenerations } from "./adapters/relocate.js";
import { pruneHistory } from "./adapters/retention.js";
import type { StoreConfig } from "./config.js";
import { owns, type Shard, shardName, UNSHARDED } from "./domain/shard.js";
import { GenerationService } from "./generation-service.js";
import { StoreMetrics } from "./metrics.js";
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
> & { STORE_SHARD?: Shard };

export interface RunningStore {
  generations: GenerationService;
  /** When the newest generation of any workspace was committed (ISO), null before the first. */
  lastGenerationAt(): string | null;
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
  const newest = await warehouse.db
    .read()
    .all(`SELECT CAST(max(committed_at) AS VARCHAR) AS t FROM "_tl_generations"`)
    .catch(() => []);
  const metrics = new StoreMetrics(newest[0]?.t ? new Date(String(newest[0].t)) : null, {
    warehouse: warehouse.db.file,
    generations: path.join(config.TENANTLENS_DATA_DIR, "generations"),
  });
  const leases = kvLeaseReader(await bus.kv(LEASES_BUCKET, { ttlSeconds: LEASE_TTL_SECONDS }), bus.jsm);
  const generations = new GenerationService({
    warehouse,
    dataDir: config.TENANTLENS_DATA_DIR,
    publish: async (g) => {
      await bus.publish(GenerationCommitted, g);
      metrics.announced(g);
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
  const moved = await relocateGenerations(warehouse.db, config.TENANTLENS_DATA_DIR);
  if (moved > 0)
    logger.info(
      { generations: moved, dataDir: config.TENANTLENS_DATA_DIR },
      "generations found under a moved data directory",
    );
  await prune();
  await generations.recover();
  await announceFailures();

  const shard = config.STORE_SHARD ?? UNSHARDED;
  if (shard.count > 1) logger.info({ shard: `${shard.index}/${shard.count}` }, "store shard");
  serveRequests(bus, warehouse, shard);
  // Committed pages leave TL_COLLECT. Not when sharded: every shard reads the whole stream, and one
  // shard's commit says nothing of the others' (the stream's limits bound it instead).
  const purger =
    shard.count === 1
      ? collectPurger({ jsm: bus.jsm, log: logger, intervalMs: config.COLLECT_PURGE_INTERVAL_MS })
      : null;
  const consumerDeps = {
    shard,
    bus,
    warehouse,
    log: logger,
    ackWaitSeconds: config.ACK_WAIT_SECONDS,
    onGeneration: (ws: string, kind: "poll" | "system") => generations.requested(ws, kind),
    maxDeliveries: config.STORE_MAX_DELIVERIES,
    onDeadLetter: () => void announceFailures(),
    metrics,
    batchMessages: config.STORE_BATCH_MESSAGES,
    onCommitted: (seq: number) => purger?.committed(seq),
  };
  const consumers: Consumer[] = [
    await consumeCollection(consumerDeps),
    ...(await consumeSystemEvents(consumerDeps, warehouse.schema.system)),
    await consumeWorkspaceDeletions(bus, {
      service: "store",
      durable: shardName(shard, "store-workspaces"),
      owns: (workspaceId) => owns(shard, workspaceId),
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
    lastGenerationAt: () => metrics.lastGenerationAt(),
    async stop() {
      clearInterval(gc);
      clearInterval(daily);
      await Promise.all(consumers.map((c) => c.stop()));
      await purger?.stop();
      await generations.stop();
    },
  };
}
