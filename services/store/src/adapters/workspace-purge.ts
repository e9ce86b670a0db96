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

/**
 * Removes every row of one integration (deleted with `purgeData`) from every table that carries
 * `integration_id`: collected tables, their change history, polls, rule results and the messages
 * set aside for it. Its own `integrations` row stays (with `deleted_at`), as the record that it
 * existed. Returns the exported tables that lost rows (they must be re-exported) and the count.
 */
export async function purgeIntegrationRows(
  sql: Sql,
  schema: WarehouseSchema,
  workspaceId: string,
  integrationId: string,
): Promise<{ tables: string[]; rows: number }> {
  const tables: string[] = [];
  let rows = 0;
  for (const table of schema.all) {
    if (table.name === "integrations") continue;
    const names = physicalColumns(table).map((c) => c.name);
    if (!names.includes("integration_id")) continue;
    const wsColumn = names.includes(WORKSPACE_COLUMN)
      ? WORKSPACE_COLUMN
      : names.includes("workspace_id")
        ? "workspace_id"
        : null;
    if (!wsColumn) continue;
    const n = await sql.run(
      `DELETE FROM ${quoteIdent(table.name)} WHERE ${quoteIdent(wsColumn)} = $ws AND integration_id = $integration`,
      { ws: workspaceId, integration: integrationId },
    );
    if (n > 0 && table.kind !== "internal") {
      tables.push(table.name);
      rows += n;
    }
  }
  return { tables, rows };
}
