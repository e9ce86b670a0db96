import { type Bus, consumeWorkspaceDeletions } from "@tenantlens/bus";
import { GenerationGet, QueryExecuted, QueryResultsBucket } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { GenerationTracker } from "./adapters/generations.js";
import { LEASE_TTL_SECONDS, LEASES_BUCKET, LeaseKeeper, readerIdFrom } from "./adapters/leases.js";
import { SAVED_QUERIES_BUCKET, SavedQueryStore } from "./adapters/saved-queries-kv.js";
import { type QueryConfig, readerIdDefault, tempDirOf, workspaceConcurrency } from "./config.js";
import { QueryService } from "./query-service.js";
import { PART_OVERHEAD_BYTES, ResultStreams } from "./result-streams.js";
import { followGenerations } from "./transport/consumers.js";
import { serveQuery } from "./transport/requests.js";
import { WorkerPool } from "./worker/pool.js";

export const RESULTS_BUCKET = QueryResultsBucket.name;
/** Lease entries expire this long after their last refresh (the store reads the same bucket). */

export interface RunningQueryService {
  service: QueryService;
  pool: WorkerPool;
  readerId: string;
  /**
   * Releases the leases (the store keeps the newest generations anyway), drains the bus so in-flight
   * queries finish and nothing new arrives, then stops the workers.
   */
  stop(drainBus: () => Promise<void>): Promise<void>;
}

/**
 * Wires the query service onto a connected bus: worker pool, generation tracking (store request +
 * broadcast events), leases, saved queries, and the NATS transport. index.ts and tests call this.
 */
export async function startQueryService(
  bus: Bus,
  config: QueryConfig,
  logger: Logger,
): Promise<RunningQueryService> {
  const readerId = readerIdFrom(config.QUERY_READER_ID ?? readerIdDefault());
  const pool = await WorkerPool.start({
    size: config.QUERY_WORKERS,
    worker: {
      threads: config.QUERY_THREADS,
      memoryLimit: config.QUERY_MEMORY_LIMIT,
      maxTempDirectorySize: config.QUERY_MAX_TEMP_DIRECTORY_SIZE,
      maxInstances: config.QUERY_INSTANCES_PER_WORKER,
    },
    tempRoot: tempDirOf(config, readerId),
    killGraceMs: config.QUERY_KILL_GRACE_MS,
    heapMb: config.QUERY_WORKER_HEAP_MB,
    fairness: { perWorkspace: workspaceConcurrency(config), perActor: config.QUERY_KEY_CONCURRENCY },
    quarantine: {
      crashes: config.QUERY_QUARANTINE_CRASHES,
      windowMs: config.QUERY_QUARANTINE_MS,
      cooldownMs: config.QUERY_QUARANTINE_MS,
    },
    logger: logger.child({ component: "workers" }),
  });
  const leases = new LeaseKeeper(
    await bus.kv(LEASES_BUCKET, { ttlSeconds: LEASE_TTL_SECONDS }),
    readerId,
    logger.child({ component: "leases" }),
  );
  leases.start((LEASE_TTL_SECONDS * 1000) / 4);
  let service: QueryService | undefined;
  const generations = new GenerationTracker({
    fetch: async (workspaceId) =>
      (await bus.request(GenerationGet, { workspaceId }, { timeoutMs: 5_000 })).generation,
    fetchById: async (workspaceId, generationId) =>
      (await bus.request(GenerationGet, { workspaceId, generationId }, { timeoutMs: 5_000 })).generation,
    recheckMs: config.QUERY_GENERATION_RECHECK_MS,
    onSwap: (workspaceId, generation) => {
      logger.info({ workspaceId, generationId: generation.generationId }, "generation swapped");
      service?.onSwap(workspaceId, generation);
    },
  });
  const saved = new SavedQueryStore(await bus.kv(SAVED_QUERIES_BUCKET));
  // A part's reply must fit in a message of this server (1 MB by default; a smaller max_payload means smaller parts).
  const streams = new ResultStreams(60_000, bus.maxPayload() - PART_OVERHEAD_BYTES);
  service = new QueryService({
    streams,
    pool,
    generations,
    leases,
    saved,
    putResult: async (key, bytes) => {
      await bus.putBlob(RESULTS_BUCKET, key, bytes, { ttlSeconds: config.QUERY_RESULT_TTL });
      return { bucket: RESULTS_BUCKET, key };
    },
    recordExecuted: async (event) => {
      await bus.publish(QueryExecuted, event);
    },
    limits: {
      defaultTimeoutMs: config.QUERY_TIMEOUT_MS,
      maxTimeoutMs: config.QUERY_MAX_TIMEOUT_MS,
      defaultMaxRows: config.QUERY_MAX_ROWS,
      exportMaxRows: config.QUERY_EXPORT_MAX_ROWS,
      maxResultBytes: config.QUERY_MAX_RESULT_BYTES,
      inlineMaxBytes: config.QUERY_INLINE_MAX_BYTES,
    },
    logger,
  });
  const sub = followGenerations(bus, generations);
  serveQuery(bus, service, { readerId, owns: (id) => streams.owns(id) });
  // A deleted workspace: its saved queries go, its generation, lease and open instances are forgotten (its query
  // history is a warehouse table: the store purges it).
  const deletions = await consumeWorkspaceDeletions(bus, {
    service: "query",
    purge: async (workspaceId) => {
      generations.forget(workspaceId);
      // Every worker closes the workspace's DuckDB instances (running queries finish first).
      pool.retire(workspaceId, Number.MAX_SAFE_INTEGER);
      await leases.forget(workspaceId);
      return { savedQueries: await saved.purgeWorkspace(workspaceId) };
    },
  });
  return {
    service,
    pool,
    readerId,
    async stop(drainBus) {
      await sub.unsubscribe().catch(() => undefined);
      await deletions.stop();
      await leases.stop();
      await drainBus();
      streams.closeAll();
      await pool.close();
    },
  };
}
