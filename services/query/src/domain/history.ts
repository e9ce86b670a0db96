import type { QueryHistoryEntry } from "@tenantlens/contracts";
import type { ParamValue } from "../worker/protocol.js";

export interface HistoryFilter {
  limit: number;
  actor?: string | undefined;
  outcome?: string | undefined;
}

/** The service's own query over `query_history` (bound parameters, never string building). */
export function historyQuery(f: HistoryFilter): { sql: string; params: ParamValue[] } {
  return {
    sql: `SELECT query_id, actor, sql, started_at, duration_ms, row_count, outcome, error, generation_id
            FROM query_history
           WHERE ($1::VARCHAR IS NULL OR actor = $1::VARCHAR)
             AND ($2::VARCHAR IS NULL OR outcome = $2::VARCHAR)
           ORDER BY started_at DESC, query_id
           LIMIT $3::BIGINT`,
    params: [f.actor ?? null, f.outcome ?? null, f.limit],
  };
}

/** Maps rows of historyQuery (API JSON values) to entries; rows that do not fit are skipped. */
export function historyEntries(rows: ReadonlyArray<Record<string, unknown>>): QueryHistoryEntry[] {
  const out: QueryHistoryEntry[] = [];
  for (const r of rows) {
    const outcome = String(r.outcome);
    if (outcome !== "ok" && outcome !== "error" && outcome !== "timeout" && outcome !== "rejected") continue;
    out.push({
      queryId: String(r.query_id),
      actor: String(r.actor ?? ""),
      sql: String(r.sql ?? ""),
      startedAt: String(r.started_at),
      durationMs: Number(r.duration_ms ?? 0),
      rowCount: Number(r.row_count ?? 0),
      outcome,
      error: r.error === null || r.error === undefined ? null : String(r.error),
      generationId:
        r.generation_id === null || r.generation_id === undefined ? null : Number(r.generation_id),
    });
  }
  return out;
}
