import type { DuckDBValue } from "@duckdb/node-api";
import type { SystemRow, SystemTableDecl } from "../domain/system-tables.js";
import { quoteIdent, WORKSPACE_COLUMN } from "../domain/table-model.js";
import type { Sql, SqlParams } from "./db.js";

const q = quoteIdent;

function toParam(v: unknown): DuckDBValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "number" || typeof v === "bigint")
    return v;
  return JSON.stringify(v);
}

/**
 * Writes one event's row into a declared system table. Upserts keep the newer row (by `newerBy`,
 * so an old event replayed late cannot overwrite a newer one); appends ignore a repeated key.
 * Returns whether the table changed.
 */
export async function writeSystemRow(sql: Sql, decl: SystemTableDecl, row: SystemRow): Promise<boolean> {
  const { table, key } = decl;
  const params: SqlParams = { ws: row.workspaceId };
  const cols = table.columns;
  const values = cols.map((c, i) => {
    params[`v${i}`] = toParam(row.values[c.name]);
    return `CAST($v${i} AS ${c.type})`;
  });
  const valueExpr = (name: string) => values[cols.findIndex((c) => c.name === name)] as string;
  const sameKey = [`${q(WORKSPACE_COLUMN)} = $ws`, ...key.map((k) => `${q(k)} = ${valueExpr(k)}`)].join(
    " AND ",
  );

  const newerBy = decl.source?.newerBy;
  if (decl.source?.mode === "upsert") {
    const stale = newerBy ? ` AND (${q(newerBy)} IS NULL OR ${q(newerBy)} <= ${valueExpr(newerBy)})` : "";
    await sql.run(`DELETE FROM ${q(table.name)} WHERE ${sameKey}${stale}`, params);
  }
  const inserted = await sql.run(
    `INSERT INTO ${q(table.name)} (${[...cols.map((c) => q(c.name)), q(WORKSPACE_COLUMN)].join(", ")})
     SELECT ${values.join(", ")}, $ws WHERE NOT EXISTS (SELECT 1 FROM ${q(table.name)} WHERE ${sameKey})`,
    params,
  );
  return inserted > 0;
}
