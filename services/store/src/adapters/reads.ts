import type { Generation, PollRecord } from "@tenantlens/contracts";
import type { WarehouseSchema } from "../domain/schema.js";
import { quoteIdent, quoteLiteral, WORKSPACE_COLUMN } from "../domain/table-model.js";
import type { Sql } from "./db.js";

/** TIMESTAMPTZ → ISO 8601 text in UTC (the session time zone is UTC). */
function iso(column: string): string {
  return `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
}

const num = (v: unknown) => Number(v ?? 0);
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

export async function listPolls(
  sql: Sql,
  req: { workspaceId: string; integrationId?: string; pollId?: string; limit: number },
): Promise<PollRecord[]> {
  const rows = await sql.all(
    `SELECT poll_id, integration_id, ${quoteIdent(WORKSPACE_COLUMN)} AS workspace_id, status, outcome, reason, error,
       ${iso("started_at")} AS started_at, ${iso("completed_at")} AS completed_at, ${iso("committed_at")} AS committed_at,
       generation_id, CAST(resources AS VARCHAR) AS resources, added, modified, removed
     FROM polls
     WHERE ${quoteIdent(WORKSPACE_COLUMN)} = $ws
       AND ($integration IS NULL OR integration_id = $integration)
       AND ($poll IS NULL OR poll_id = $poll)
     ORDER BY started_at DESC, poll_id DESC
     LIMIT $limit`,
    {
      ws: req.workspaceId,
      integration: req.integrationId ?? null,
      poll: req.pollId ?? null,
      limit: req.limit,
    },
  );
  return rows.map((r) => ({
    pollId: String(r.poll_id),
    integrationId: String(r.integration_id),
    workspaceId: String(r.workspace_id),
    status: String(r.status) as PollRecord["status"],
    outcome: text(r.outcome) as PollRecord["outcome"],
    reason: text(r.reason),
    error: text(r.error),
    startedAt: String(r.started_at),
    completedAt: text(r.completed_at),
    committedAt: text(r.committed_at),
    generationId: r.generation_id === null ? null : num(r.generation_id),
    resources: JSON.parse(String(r.resources ?? "[]")) as PollRecord["resources"],
    changes: { added: num(r.added), modified: num(r.modified), removed: num(r.removed) },
  }));
}

/** Current object count of every resource table for one integration. */
export async function countTables(
  sql: Sql,
  schema: WarehouseSchema,
  req: { workspaceId: string; integrationId: string },
): Promise<{ resource: string; table: string; rows: number }[]> {
  if (schema.resources.length === 0) return [];
  const parts = schema.resources.map(
    (r) =>
      `SELECT ${quoteLiteral(r.resource.name)} AS resource, ${quoteLiteral(r.current.name)} AS tbl, count(*) AS n
       FROM ${quoteIdent(r.current.name)} WHERE integration_id = $integration AND ${quoteIdent(WORKSPACE_COLUMN)} = $ws`,
  );
  const rows = await sql.all(parts.join("\nUNION ALL\n"), {
    integration: req.integrationId,
    ws: req.workspaceId,
  });
  const byTable = new Map(rows.map((r) => [String(r.tbl), num(r.n)]));
  return schema.resources.map((r) => ({
    resource: r.resource.name,
    table: r.current.name,
    rows: byTable.get(r.current.name) ?? 0,
  }));
}

/** The latest generation of a workspace, or the one numbered `generationId` (null when there is none). */
export async function getGeneration(
  sql: Sql,
  workspaceId: string,
  generationId?: number,
): Promise<Generation | null> {
  const rows = await sql.all(
    `SELECT CAST(manifest AS VARCHAR) AS manifest FROM "_tl_generations"
     WHERE workspace_id = $ws AND ($id IS NULL OR generation_id = $id) ORDER BY generation_id DESC LIMIT 1`,
    { ws: workspaceId, id: generationId ?? null },
  );
  const r = rows[0];
  return r ? (JSON.parse(String(r.manifest)) as Generation) : null;
}

/** Ledger size and reach for the collection stream, and how many messages were set aside. */
export async function ingestStatus(
  sql: Sql,
): Promise<{ committed: number; lastSeq: number | null; deadLetters: number }> {
  const rows = await sql.all(
    `SELECT (SELECT count(*) FROM "_tl_ledger" WHERE stream = 'TL_COLLECT') AS committed,
       (SELECT max(seq) FROM "_tl_ledger" WHERE stream = 'TL_COLLECT') AS last_seq,
       (SELECT count(*) FROM "_tl_dead_letters") AS dead`,
  );
  const r = rows[0];
  return {
    committed: num(r?.committed),
    lastSeq: r?.last_seq === null || r?.last_seq === undefined ? null : num(r.last_seq),
    deadLetters: num(r?.dead),
  };
}
