import type { Sql } from "./state-db.js";

/** Every table of the rules state that holds rows of a workspace. */
const WORKSPACE_TABLES = [
  "rules",
  "violations",
  "rule_status",
  "pack_scores",
  "suppressions",
  "runs",
  "pending_runs",
  "workspaces",
] as const;

/**
 * Removes everything of a deleted workspace, in the caller's transaction: its rules, violations,
 * statuses, scores, suppressions, runs, and the events of it still waiting in the outbox; and
 * remembers it, so a late trigger for it (a generation event redelivered after the purge) does not
 * bring it back. Returns rows removed per table (all 0 on a repeat).
 */
export async function purgeWorkspaceState(
  sql: Sql,
  workspaceId: string,
  at: string,
): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const table of WORKSPACE_TABLES) {
    removed[table] = await sql.run(`DELETE FROM ${table} WHERE workspace_id = $ws`, { ws: workspaceId });
  }
  removed.outbox = await sql.run(
    `DELETE FROM outbox WHERE $ws IN (json_extract_string(payload, '$.workspaceId'),
       json_extract_string(payload, '$.rule.workspaceId'), json_extract_string(payload, '$.suppression.workspaceId'))`,
    { ws: workspaceId },
  );
  await sql.run("DELETE FROM purged_workspaces WHERE workspace_id = $ws", { ws: workspaceId });
  await sql.run("INSERT INTO purged_workspaces VALUES ($ws, $at::TIMESTAMPTZ)", { ws: workspaceId, at });
  return removed;
}

export async function isPurged(sql: Pick<Sql, "all">, workspaceId: string): Promise<boolean> {
  const rows = await sql.all("SELECT 1 FROM purged_workspaces WHERE workspace_id = $ws", { ws: workspaceId });
  return rows.length > 0;
}
