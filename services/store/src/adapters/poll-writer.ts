import { listValue } from "@duckdb/node-api";
import type { Sql } from "./db.js";
import type { ChangeCounts } from "./page-writer.js";

export interface PollRef {
  pollId: string;
  workspaceId: string;
  integrationId: string;
  tenantId: string;
}

/** Creates the poll's row if it is missing (its PollStarted may have aged out of the stream). */
async function ensurePoll(sql: Sql, p: PollRef, startedAt: string, reason: string | null): Promise<void> {
  await sql.run(
    `INSERT INTO polls (poll_id, integration_id, tenant_id, status, reason, started_at, resources, added, modified, removed, _tl_workspace_id)
     SELECT $poll, $integration, $tenant, 'running', $reason, CAST($started AS TIMESTAMPTZ), '[]', 0, 0, 0, $ws
     WHERE NOT EXISTS (SELECT 1 FROM polls WHERE poll_id = $poll)`,
    {
      poll: p.pollId,
      integration: p.integrationId,
      tenant: p.tenantId,
      reason,
      started: startedAt,
      ws: p.workspaceId,
    },
  );
}

export async function pollStarted(
  sql: Sql,
  p: PollRef & { reason: string; startedAt: string },
): Promise<void> {
  await ensurePoll(sql, p, p.startedAt, p.reason);
  await sql.run(
    `UPDATE polls SET reason = $reason, started_at = CAST($started AS TIMESTAMPTZ) WHERE poll_id = $poll`,
    {
      poll: p.pollId,
      reason: p.reason,
      started: p.startedAt,
    },
  );
}

export async function addPollCounts(sql: Sql, p: PollRef, at: string, c: ChangeCounts): Promise<void> {
  await ensurePoll(sql, p, at, null);
  if (c.added + c.modified + c.removed === 0) return;
  await sql.run(
    `UPDATE polls SET added = added + $a, modified = modified + $m, removed = removed + $r WHERE poll_id = $poll`,
    { poll: p.pollId, a: c.added, m: c.modified, r: c.removed },
  );
}

export async function pollCompleted(
  sql: Sql,
  p: PollRef & {
    outcome: string;
    error: string | null;
    startedAt: string;
    completedAt: string;
    resources: unknown[];
  },
): Promise<void> {
  await ensurePoll(sql, p, p.startedAt, null);
  await sql.run(
    `UPDATE polls SET status = $outcome, outcome = $outcome, error = $error,
       completed_at = CAST($completed AS TIMESTAMPTZ), resources = CAST($resources AS JSON)
     WHERE poll_id = $poll`,
    {
      poll: p.pollId,
      outcome: p.outcome,
      error: p.error,
      completed: p.completedAt,
      resources: JSON.stringify(p.resources),
    },
  );
}

/** The polls whose data a committed generation made queryable. */
export async function pollsCommitted(
  sql: Sql,
  pollIds: readonly string[],
  generationId: number,
): Promise<void> {
  if (pollIds.length === 0) return;
  await sql.run(
    `UPDATE polls SET committed_at = now(), generation_id = $gen
     WHERE list_contains($ids::VARCHAR[], poll_id) AND committed_at IS NULL`,
    { ids: listValue([...pollIds]), gen: generationId },
  );
}

/**
 * The store set a message of the poll aside: the poll is failed whatever its own messages say
 * (a PollCompleted that follows is skipped). Creates the row when the message names its whole poll.
 * Returns the poll's workspace and integration, or null when the poll is unknown.
 */
export async function pollFailedAtIngest(
  sql: Sql,
  p: { pollId: string } & Partial<PollRef>,
  error: string,
  at: string,
): Promise<{ workspaceId: string; integrationId: string } | null> {
  if (p.workspaceId && p.integrationId && p.tenantId) {
    await ensurePoll(
      sql,
      { pollId: p.pollId, workspaceId: p.workspaceId, integrationId: p.integrationId, tenantId: p.tenantId },
      at,
      null,
    );
  }
  await sql.run(
    `UPDATE polls SET status = 'failed', outcome = 'failed', error = $error,
       completed_at = coalesce(completed_at, CAST($at AS TIMESTAMPTZ))
     WHERE poll_id = $poll`,
    { poll: p.pollId, error, at },
  );
  const rows = await sql.all(
    `SELECT _tl_workspace_id AS ws, integration_id FROM polls WHERE poll_id = $poll`,
    { poll: p.pollId },
  );
  const r = rows[0];
  return r ? { workspaceId: String(r.ws), integrationId: String(r.integration_id) } : null;
}
