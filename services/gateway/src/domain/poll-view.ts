import type { PollRecord, ResourceCost } from "@tenantlens/contracts";
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
    cost: totalCost(p.resources),
  };
}

/** The poll's Graph cost: its resources' summed (null when none recorded one, e.g. older polls). */
export function totalCost(resources: PollRecord["resources"]): ResourceCost | null {
  const costs = resources.flatMap((r) => (r.cost ? [r.cost] : []));
  if (costs.length === 0) return null;
  const sum: ResourceCost = { requests: 0, throttled: 0, retries: 0, bytes: 0, units: 0, durationMs: 0 };
  for (const c of costs) {
    sum.requests += c.requests;
    sum.throttled += c.throttled;
    sum.retries += c.retries;
    sum.bytes += c.bytes;
    sum.units += c.units;
    // Resources are read in parallel: the poll's own duration is its wall time, not this sum.
    sum.durationMs += c.durationMs;
  }
  return sum;
}

/** Table counts as a map, e.g. {"azuread_user": 1500}. */
export function countsByTable(tables: readonly { table: string; rows: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tables) out[t.table] = t.rows;
  return out;
}
