import type { WarehouseSchema } from "../domain/schema.js";
import { physicalColumns, quoteIdent, WORKSPACE_COLUMN } from "../domain/table-model.js";
import type { Sql } from "./db.js";

/** Whether a workspace was deleted (nothing of it is written or exported any more). */
export async function workspaceDeleted(sql: Pick<Sql, "all">, workspaceId: string): Promise<boolean> {
  const rows = await sql.all(`SELECT 1 FROM "_tl_deleted_workspaces" WHERE workspace_id = $ws`, {
    ws: workspaceId,
  });
  return rows.length > 0;
}

/** The deleted workspaces among `ids` (a message touches one workspace, rarely a few). */
export async function deletedAmong(sql: Pick<Sql, "all">, ids: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const id of new Set(ids)) if (await workspaceDeleted(sql, id)) out.add(id);
  return out;
}

/**
 * Removes every row of a deleted workspace from every table that has one (collected tables, their
 * change history, system tables such as polls, query history and rule results, and the
 * bookkeeping of its generations), and records the deletion, in the caller's transaction. Returns
 * `rows` (exported tables) and `bookkeeping` (internal ones) removed; 0 and 0 on a repeat.
 */
export async function purgeWorkspaceRows(
  sql: Sql,
  schema: WarehouseSchema,
  workspaceId: string,
  deletedAt: string,
): Promise<{ rows: number; bookkeeping: number; generations: number }> {
  const generations = Number(
    (
      await sql.all(`SELECT count(*) AS n FROM "_tl_generations" WHERE workspace_id = $ws`, {
        ws: workspaceId,
      })
    )[0]?.n ?? 0,
  );
  let rows = 0;
  let bookkeeping = 0;
  for (const table of schema.all) {
    if (table.name === "_tl_deleted_workspaces") continue;
    const names = physicalColumns(table).map((c) => c.name);
    const column = names.includes(WORKSPACE_COLUMN)
      ? WORKSPACE_COLUMN
      : names.includes("workspace_id")
        ? "workspace_id"
        : null;
    if (!column) continue;
    const n = await sql.run(`DELETE FROM ${quoteIdent(table.name)} WHERE ${quoteIdent(column)} = $ws`, {
      ws: workspaceId,
    });
    if (table.kind === "internal") bookkeeping += n;
    else rows += n;
  }
  if (!(await workspaceDeleted(sql, workspaceId))) {
    await sql.run(`INSERT INTO "_tl_deleted_workspaces" VALUES ($ws, $at::TIMESTAMPTZ, now())`, {
      ws: workspaceId,
      at: deletedAt,
    });
  }
  return { rows, bookkeeping, generations };
}
