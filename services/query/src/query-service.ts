import { randomBytes } from "node:crypto";
import { access } from "node:fs/promises";
import path from "node:path";
import {
  AppError,
  type EventPayload,
  type ExampleQuery,
  type Generation,
  type QueryExecute,
  type QueryExecuted,
  type QueryHistoryEntry,
  type RequestOf,
  type ResponseOf,
  type SavedQuery,
} from "@tenantlens/contracts";
import {
  type Counter,
  type Histogram,
  LATENCY_BUCKETS_SECONDS,
  type Logger,
  meter,
} from "@tenantlens/telemetry";
import type { GenerationTracker } from "./adapters/generations.js";
import type { LeaseKeeper } from "./adapters/leases.js";
import type { SavedQueryStore } from "./adapters/saved-queries-kv.js";
import { exampleQueries } from "./domain/examples.js";
import { type HistoryFilter, historyEntries, historyQuery } from "./domain/history.js";
import type { SavedQueryPatch } from "./domain/saved-queries.js";
import { documentTable, type TableInfo } from "./domain/table-docs.js";
import type { ResultStream, ResultStreams } from "./result-streams.js";
import type { GenerationSpec } from "./sandbox/hardened-instance.js";
import type { RunResult } from "./sandbox/run-query.js";
import { JobFailed, type PartReceiver, type WorkerPool } from "./worker/pool.js";
import type { JobOutput } from "./worker/protocol.js";

export interface QueryLimits {
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  defaultMaxRows: number;
  exportMaxRows: number;
  maxResultBytes: number;
  inlineMaxBytes: number;
}

export interface QueryServiceDeps {
  pool: WorkerPool;
  generations: GenerationTracker;
  leases: LeaseKeeper;
  saved: SavedQueryStore;
  /** Stores a result in the object store (bucket tl_results, with TTL) under `key`. */
  putResult(key: string, bytes: Uint8Array): Promise<{ bucket: string; key: string }>;
  /** Publishes QueryExecuted (query history). */
  recordExecuted(event: EventPayload<typeof QueryExecuted>): Promise<void>;
  limits: QueryLimits;
  logger: Logger;
  /** Answers being streamed by this replica (`stream` requests). */
  streams: ResultStreams;
}

export type ExecuteRequest = RequestOf<typeof QueryExecute>;
export type ExecuteResponse = ResponseOf<typeof QueryExecute>;

/** Time the service's own SQL (describe, history, checks) may take. */
const INTERNAL_TIMEOUT_MS = 30_000;
/**
 * The service's own short SQL has a line of its own in the fair queue, so a workspace's long
 * analyst queries never hold up its table list or history.
 */
const SERVICE = { workspaceId: "_service", actor: "_service" } as const;
const MAX_HISTORY_ERROR = 4_000;
/** Characters per part of a streamed answer (a part travels in one NATS message, as UTF-8 bytes). */
export const PART_CHARS = 256 * 1024;

/**
 * Everything the query service does, independent of the transport: run analyst SQL on the
 * workspace's current generation through the worker pool, describe tables, answer history and
 * manage saved queries.
 */
export class QueryService {
  private readonly tableCache = new Map<string, Promise<TableInfo[]>>();

  constructor(private readonly deps: QueryServiceDeps) {}

  /**
   * Runs a query. With `stream` (JSON, CSV, NDJSON), the answer is text: whole when it ends within
   * its first part, otherwise the reply leaves with the first part and a `streamId` while the worker
   * goes on producing the rest (read with `readPart`).
   */
  async execute(req: ExecuteRequest): Promise<ExecuteResponse> {
    if (!req.stream || req.format === "parquet") return this.run(req, null);
    const stream = this.deps.streams.open(req.workspaceId);
    let columns: ExecuteResponse["columns"] = [];
    let started!: () => void;
    const firstPart = new Promise<true>((resolve) => {
      started = () => resolve(true);
    });
    const onPart: PartReceiver = (bytes, cols) => {
      columns = cols;
      stream.push(bytes);
      started();
    };
    const startedAt = Date.now();
    const whole = this.run(req, { stream, onPart });
    whole.catch((err: unknown) => stream.fail(err instanceof Error ? err : new Error(String(err))));
    const streaming = await Promise.race([
      firstPart,
      whole.then(
        () => false,
        () => false,
      ),
    ]);
    if (!streaming) {
      this.deps.streams.release(stream.id);
      return whole;
    }
    const first = await this.deps.streams.read(req.workspaceId, stream.id, 0);
    return {
      queryId: stream.queryId,
      columns,
      rowCount: first.rowCount,
      truncated: first.truncated,
      durationMs: Date.now() - startedAt,
      generationId: stream.generationId,
      body: first.body,
      ...(first.done ? {} : { streamId: stream.id }),
    };
  }

  /** The next part of a streamed answer (`query.result.read`). */
  readPart(workspaceId: string, streamId: string, seq: number) {
    return this.deps.streams.read(workspaceId, streamId, seq);
  }

  private async run(
    req: ExecuteRequest,
    streaming: { stream: ResultStream; onPart: PartReceiver } | null,
  ): Promise<ExecuteResponse> {
    const { limits, logger } = this.deps;
    const queryId = streaming?.stream.queryId ?? `q_${randomBytes(10).toString("hex")}`;
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    const timeoutMs = Math.min(req.timeoutMs ?? limits.defaultTimeoutMs, limits.maxTimeoutMs);
    const maxRows = req.maxRows ?? (req.format === "json" ? limits.defaultMaxRows : limits.exportMaxRows);
    let generation: Generation | null = null;
    let rowCount = 0;
    let outcome: "ok" | "error" | "timeout" | "rejected" = "ok";
    let error: string | null = null;
    let release = () => {};
    try {
      generation =
        req.generationId === undefined
          ? await this.generationOf(req.workspaceId)
          : await this.pinnedGeneration(req.workspaceId, req.generationId);
      release = this.deps.leases.use(req.workspaceId, generation?.generationId ?? 0);
      if (streaming) streaming.stream.generationId = generation?.generationId ?? 0;
      const job = {
        type: "execute" as const,
        generation: specOf(req.workspaceId, generation),
        sql: req.sql,
        maxRows,
        format: req.format,
        maxResultBytes: limits.maxResultBytes,
        ...(streaming ? { partChars: PART_CHARS } : {}),
      };
      const out = await this.deps.pool
        .run(job, timeoutMs, { workspaceId: req.workspaceId, actor: req.actor }, streaming?.onPart)
        .catch(async (err: unknown) => {
          // A pinned generation collected between lookup and open fails with a missing file.
          if (req.generationId !== undefined && generation && !(await filesExist(generation))) {
            throw gone(req.workspaceId, req.generationId);
          }
          throw err;
        });
      const result = expect(out, "execute").result;
      rowCount = result.rowCount;
      const durationMs = Date.now() - started;
      return {
        queryId,
        durationMs,
        generationId: generation?.generationId ?? 0,
        ...(await this.deliver(req, queryId, result, streaming?.stream ?? null)),
      };
    } catch (err) {
      outcome = err instanceof JobFailed ? err.failure.kind : "error";
      error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_HISTORY_ERROR);
      throw err;
    } finally {
      release();
      const durationMs = Date.now() - started;
      queryMetrics().duration.record(durationMs / 1000, {
        outcome,
        format: req.format,
        own: req.history === false ? "true" : "false",
      });
      queryMetrics().rows.add(rowCount, { format: req.format });
      // The system's own queries (rules, alerts) stay out of query history (and info logs) when they ask.
      const own = req.history === false;
      logger[own ? "debug" : "info"](
        { queryId, workspaceId: req.workspaceId, actor: req.actor, outcome, durationMs, rowCount },
        "query executed",
      );
      if (!own)
        this.deps
          .recordExecuted({
            queryId,
            workspaceId: req.workspaceId,
            actor: req.actor,
            sql: req.sql,
            startedAt,
            durationMs,
            rowCount,
            outcome,
            error,
            generationId: generation?.generationId ?? null,
          })
          .catch((e: unknown) => logger.warn({ err: e, queryId }, "could not record query history"));
    }
  }

  async tables(workspaceId: string): Promise<TableInfo[]> {
    const generation = await this.generationOf(workspaceId);
    const key = `${workspaceId}#${generation?.generationId ?? 0}`;
    let cached = this.tableCache.get(key);
    if (!cached) {
      cached = this.describe(workspaceId, generation);
      this.tableCache.set(key, cached);
      cached.catch(() => this.tableCache.delete(key));
      // Older generations of the workspace will not be asked for again.
      for (const k of this.tableCache.keys()) {
        if (k !== key && k.startsWith(`${workspaceId}#`)) this.tableCache.delete(k);
      }
    }
    return cached;
  }

  async history(
    workspaceId: string,
    filter: HistoryFilter,
  ): Promise<{ entries: QueryHistoryEntry[]; generationId: number | null }> {
    const generation = await this.generationOf(workspaceId);
    if (!generation?.tables.some((t) => t.name === "query_history")) {
      return { entries: [], generationId: generation?.generationId ?? null };
    }
    const { sql, params } = historyQuery(filter);
    const release = this.deps.leases.use(workspaceId, generation.generationId);
    try {
      const out = await this.deps.pool.run(
        {
          type: "execute",
          generation: specOf(workspaceId, generation),
          sql,
          params,
          maxRows: filter.limit,
          format: "json",
          maxResultBytes: this.deps.limits.maxResultBytes,
        },
        INTERNAL_TIMEOUT_MS,
        SERVICE,
      );
      const body = expect(out, "execute").result.body;
      const rows = body.kind === "json" ? (JSON.parse(body.text) as Record<string, unknown>[]) : [];
      return { entries: historyEntries(rows), generationId: generation.generationId };
    } finally {
      release();
    }
  }

  examples(): readonly ExampleQuery[] {
    return exampleQueries;
  }

  async createSaved(input: {
    workspaceId: string;
    actor: string;
    name: string;
    description: string;
    sql: string;
  }): Promise<SavedQuery> {
    await this.checkSql(input.sql);
    return this.deps.saved.create(input);
  }

  listSaved(workspaceId: string): Promise<SavedQuery[]> {
    return this.deps.saved.list(workspaceId);
  }

  getSaved(workspaceId: string, id: string): Promise<SavedQuery> {
    return this.deps.saved.get(workspaceId, id);
  }

  async updateSaved(workspaceId: string, id: string, patch: SavedQueryPatch): Promise<SavedQuery> {
    if (patch.sql !== undefined) await this.checkSql(patch.sql);
    return this.deps.saved.update(workspaceId, id, patch);
  }

  deleteSaved(workspaceId: string, id: string): Promise<void> {
    return this.deps.saved.delete(workspaceId, id);
  }

  /** A workspace moved to a newer generation: workers may close older instances once idle. */
  onSwap(workspaceId: string, generation: Generation): void {
    this.deps.leases.setCurrent(workspaceId, generation.generationId);
    this.deps.pool.retire(workspaceId, generation.generationId);
  }

  /** Exactly the generation asked for; not_found once the store has collected it. */
  private async pinnedGeneration(workspaceId: string, generationId: number): Promise<Generation> {
    let g: Generation | null;
    try {
      g = await this.deps.generations.byId(workspaceId, generationId);
    } catch (err) {
      if (err instanceof AppError && err.code !== "internal") {
        throw new AppError(
          "unavailable",
          `The store did not say where generation ${generationId} is (${err.message}); try again shortly.`,
        );
      }
      throw err;
    }
    if (!g || !(await filesExist(g))) throw gone(workspaceId, generationId);
    return g;
  }

  private async generationOf(workspaceId: string): Promise<Generation | null> {
    let g: Generation | null;
    try {
      g = await this.deps.generations.current(workspaceId);
    } catch (err) {
      if (err instanceof AppError && err.code !== "internal") {
        throw new AppError(
          "unavailable",
          `The store did not say which data is current (${err.message}); try again shortly.`,
        );
      }
      throw err;
    }
    this.deps.leases.setCurrent(workspaceId, g?.generationId ?? 0);
    return g;
  }

  private async describe(workspaceId: string, generation: Generation | null): Promise<TableInfo[]> {
    const release = this.deps.leases.use(workspaceId, generation?.generationId ?? 0);
    try {
      const out = await this.deps.pool.run(
        { type: "describe", generation: specOf(workspaceId, generation) },
        INTERNAL_TIMEOUT_MS,
        SERVICE,
      );
      return expect(out, "describe").tables.map((t) => documentTable(t.name, t.columns));
    } finally {
      release();
    }
  }

  private async checkSql(sql: string): Promise<void> {
    expect(await this.deps.pool.run({ type: "check", sql }, INTERNAL_TIMEOUT_MS, SERVICE), "check");
  }

  /** Small JSON answers travel in the reply; large ones and downloads through the object store. */
  private async deliver(
    req: ExecuteRequest,
    queryId: string,
    result: RunResult,
    stream: ResultStream | null,
  ): Promise<Omit<ExecuteResponse, "queryId" | "durationMs" | "generationId">> {
    const base = { columns: result.columns, rowCount: result.rowCount, truncated: result.truncated };
    const body = result.body;
    if (stream) {
      // The text never parsed: whole in the reply, or the last part of a stream already answered.
      const bytes = body.kind === "json" ? Buffer.from(body.text, "utf8") : body.bytes;
      if (stream.started) {
        stream.finish(bytes, result.rowCount, result.truncated);
        return base;
      }
      return { ...base, body: bytes };
    }
    if (body.kind === "json" && body.text.length <= this.deps.limits.inlineMaxBytes) {
      return { ...base, rows: JSON.parse(body.text) as Record<string, unknown>[] };
    }
    const bytes = body.kind === "json" ? Buffer.from(body.text, "utf8") : body.bytes;
    const contentType = body.kind === "json" ? "application/json" : body.contentType;
    const ref = await this.deps.putResult(`${req.workspaceId}.${queryId}.${req.format}`, bytes);
    return { ...base, resultRef: { ...ref, contentType } };
  }
}

function gone(workspaceId: string, generationId: number): AppError {
  return new AppError(
    "not_found",
    `Generation ${generationId} of workspace ${workspaceId} does not exist (any more): newer data has replaced it.`,
  );
}

/** Whether every file of the generation is still on disk (the store removes collected ones). */
async function filesExist(g: Generation): Promise<boolean> {
  try {
    await Promise.all([g.manifestPath, ...g.tables.map((t) => t.file)].map((f) => access(f)));
    return true;
  } catch {
    return false;
  }
}

function specOf(workspaceId: string, g: Generation | null): GenerationSpec {
  if (!g) return { workspaceId, generationId: 0, tables: [] };
  return {
    workspaceId,
    generationId: g.generationId,
    tables: g.tables.map((t) => ({ name: t.name, file: t.file })),
    macrosFile: path.join(path.dirname(g.manifestPath), "as_of.sql"),
  };
}

function expect<T extends JobOutput["type"]>(out: JobOutput, type: T): Extract<JobOutput, { type: T }> {
  if (out.type !== type) throw new Error(`worker answered ${out.type} to a ${type} job`);
  return out as Extract<JobOutput, { type: T }>;
}

let instruments: { duration: Histogram; rows: Counter } | undefined;
/**
 * `tenantlens_query_duration_seconds{outcome,format,own}` (own: the system's own queries, rules and
 * alerts) and `tenantlens_query_rows_total{format}`: exported on the query service's metrics port.
 */
function queryMetrics(): { duration: Histogram; rows: Counter } {
  if (!instruments) {
    const m = meter("query");
    instruments = {
      duration: m.createHistogram("tenantlens_query_duration_seconds", {
        description: "Time to answer a query, from request to result (the service's own SQL excluded)",
        unit: "s",
        advice: { explicitBucketBoundaries: LATENCY_BUCKETS_SECONDS },
      }),
      rows: m.createCounter("tenantlens_query_rows", { description: "Rows returned by queries" }),
    };
  }
  return instruments;
}
