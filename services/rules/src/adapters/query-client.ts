import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Bus } from "@tenantlens/bus";
import { AppError, QueryExecute } from "@tenantlens/contracts";
import type { QueryOutcome } from "../domain/judge.js";
import type { QueryExecutor } from "../evaluator.js";

/** Who the query service's logs name for the rules service's own queries. */
export const RULES_ACTOR = "rules";

/** Empties (creates) the directory rule results are written to: files left by a crash are garbage. */
export async function resetResultsDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * Rule queries through the query service (query.sql.execute): its sandbox over exactly the
 * generation being judged (pinned), kept out of query history. Rule results come back as Parquet
 * (through the object store) and are written under `resultsDir`; small system queries as JSON rows.
 * A refused or failing query is the rule's error; anything else is the run's.
 */
export function natsExecutor(bus: Bus, opts: { timeoutMs: number; resultsDir: string }): QueryExecutor {
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
            format: q.as === "file" ? "parquet" : "json",
            maxRows: q.maxRows,
            timeoutMs: opts.timeoutMs,
            history: false,
            ...(q.generationId > 0 ? { generationId: q.generationId } : {}),
          },
          { timeoutMs: opts.timeoutMs + 15_000 },
        );
        const base = {
          ok: true as const,
          columns: res.columns,
          rowCount: res.rowCount,
          truncated: res.truncated,
        };
        const blob = async () => {
          if (!res.resultRef) throw new AppError("internal", "the query service returned no result");
          const bytes = await bus.getBlob(res.resultRef.bucket, res.resultRef.key);
          if (!bytes) throw new AppError("unavailable", "the query result expired before it was read");
          return bytes;
        };
        if (q.as === "rows") {
          const rows =
            res.rows ?? (JSON.parse(Buffer.from(await blob()).toString("utf8")) as Record<string, unknown>[]);
          return { ...base, rows, durationMs: performance.now() - started } satisfies QueryOutcome;
        }
        let file: string | null = null;
        if (res.rowCount > 0) {
          file = path.join(opts.resultsDir, `${randomBytes(8).toString("hex")}.parquet`);
          await writeFile(file, await blob());
        }
        return { ...base, file, durationMs: performance.now() - started } satisfies QueryOutcome;
      } catch (err) {
        if (err instanceof AppError && (err.code === "query_error" || err.code === "query_timeout")) {
          return { ok: false, error: err.message, durationMs: performance.now() - started };
        }
        throw err;
      }
    },
  };
}
