import { performance } from "node:perf_hooks";
import type { Bus } from "@tenantlens/bus";
import { AppError, QueryExecute } from "@tenantlens/contracts";
import type { QueryOutcome } from "../domain/judge.js";
import type { QueryExecutor } from "../evaluator.js";

/** Who the query service's logs name for the rules service's own queries. */
export const RULES_ACTOR = "rules";

/**
 * Rule queries through the query service (query.sql.execute): its sandbox over exactly the
 * generation being judged (pinned), kept out of query history. Large results come back through the
 * object store. A refused or failing query is the rule's error; anything else is the run's.
 */
export function natsExecutor(bus: Bus, opts: { timeoutMs: number }): QueryExecutor {
  return {
    async run(q) {
      const started = performance.now();
      try {
        const res = await bus.request(
          QueryExecute,
          {
            workspaceId: q.workspaceId,
            sql: q.sql,
            actor: RULES_ACTOR,
            format: "json",
            maxRows: q.maxRows,
            timeoutMs: opts.timeoutMs,
            history: false,
            ...(q.generationId > 0 ? { generationId: q.generationId } : {}),
          },
          { timeoutMs: opts.timeoutMs + 15_000 },
        );
        let rows = res.rows;
        if (!rows && res.resultRef) {
          const bytes = await bus.getBlob(res.resultRef.bucket, res.resultRef.key);
          if (!bytes) throw new AppError("unavailable", "the query result expired before it was read");
          rows = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>[];
        }
        return {
          ok: true,
          rows: rows ?? [],
          columns: res.columns.map((c) => c.name),
          truncated: res.truncated,
          durationMs: performance.now() - started,
        } satisfies QueryOutcome;
      } catch (err) {
        if (err instanceof AppError && (err.code === "query_error" || err.code === "query_timeout")) {
          return { ok: false, error: err.message, durationMs: performance.now() - started };
        }
        throw err;
      }
    },
  };
}
