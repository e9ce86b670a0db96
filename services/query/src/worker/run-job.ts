import type { DuckDBConnection } from "@duckdb/node-api";
import { AppError } from "@tenantlens/contracts";
import { explainDuckDbError, isInterruptError } from "../domain/error-messages.js";
import { describeTables } from "../sandbox/describe.js";
import { type GenerationSpec, mayUseMacros } from "../sandbox/hardened-instance.js";
import type { InstanceCache } from "../sandbox/instance-cache.js";
import type { ParquetExporter } from "../sandbox/parquet-export.js";
import { type RunColumn, runQuery, StatementPlans } from "../sandbox/run-query.js";
import { checkReadOnly, messageOf } from "../sandbox/statement-guard.js";
import type { Job, JobFailure, JobOutput } from "./protocol.js";

export interface JobContext {
  cache: InstanceCache;
  exporter: ParquetExporter;
  memoryLimit: string;
  /** Registers the connection so an interrupt message can reach it; returns the unregister function. */
  track(conn: DuckDBConnection): () => void;
  /** Sends a part of a streamed answer (jobs with `partChars`). */
  onPart?: (text: string, columns: RunColumn[]) => void;
}

/** Wrapped statements per open instance (they go with it when it closes). */
const plansByInstance = new WeakMap<object, StatementPlans>();

function plansOf(instance: object): StatementPlans {
  let plans = plansByInstance.get(instance);
  if (!plans) {
    plans = new StatementPlans();
    plansByInstance.set(instance, plans);
  }
  return plans;
}

const EMPTY: GenerationSpec = { workspaceId: "_check", generationId: 0, tables: [] };

/** Runs one job inside a worker; every failure comes back as a JobFailure, never a throw. */
export async function runJob(
  job: Job,
  ctx: JobContext,
): Promise<{ ok: true; output: JobOutput } | { ok: false; failure: JobFailure }> {
  const generation = job.type === "check" ? EMPTY : job.generation;
  let lease: Awaited<ReturnType<InstanceCache["acquire"]>> | undefined;
  try {
    lease = await ctx.cache.acquire(generation);
    if (job.type === "execute" && mayUseMacros(job.sql)) await lease.instance.macros();
    const conn = await lease.instance.instance.connect();
    const untrack = ctx.track(conn);
    try {
      return { ok: true, output: await dispatch(job, conn, ctx, plansOf(lease.instance)) };
    } finally {
      untrack();
      conn.closeSync();
    }
  } catch (err) {
    return { ok: false, failure: toFailure(err, generation, ctx.memoryLimit) };
  } finally {
    lease?.release();
  }
}

async function dispatch(
  job: Job,
  conn: DuckDBConnection,
  ctx: JobContext,
  plans: StatementPlans,
): Promise<JobOutput> {
  switch (job.type) {
    case "execute":
      return {
        type: "execute",
        result: await runQuery(conn, job, ctx.exporter, job.partChars ? ctx.onPart : undefined, plans),
      };
    case "describe":
      return { type: "describe", tables: await describeTables(conn) };
    case "check":
      await checkReadOnly(conn, job.sql);
      return { type: "check" };
  }
}

function toFailure(err: unknown, generation: GenerationSpec, memoryLimit: string): JobFailure {
  if (err instanceof AppError) return { code: err.code, message: err.message, kind: "rejected" };
  const message = messageOf(err);
  if (isInterruptError(message)) return { code: "query_timeout", message, kind: "timeout" };
  const explained = explainDuckDbError(message, { noGeneration: generation.generationId === 0, memoryLimit });
  const kind = /^Permission Error/i.test(message) ? "rejected" : "error";
  return { code: "query_error", message: explained, kind };
}
