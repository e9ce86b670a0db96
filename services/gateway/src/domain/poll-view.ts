import type { PollRecord } from "@tenantlens/contracts";
import type { PollView } from "../schemas.js";

/**
 * What a user is told about a poll. The poller's verdict (succeeded / partial) is only shown once
 * the store has committed the data, because before that a query would not see it.
 */
export function pollView(p: PollRecord): PollView {
  const finished = p.status === "succeeded" || p.status === "partial";
  return {
    pollId: p.pollId,
    status: finished && p.committedAt === null ? "committing" : p.status,
    outcome: p.outcome,
    reason: p.reason,
    error: p.error,
    startedAt: p.startedAt,
    completedAt: p.completedAt,
    committedAt: p.committedAt,
    generationId: p.generationId,
    resources: p.resources,
    changes: p.changes,
  };
}

/** Table counts as a map, e.g. {"azuread_user": 1500}. */
export function countsByTable(tables: readonly { table: string; rows: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tables) out[t.table] = t.rows;
  return out;
}
