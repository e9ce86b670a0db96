import type { DuckDBValue } from "@duckdb/node-api";
import type { ColumnType } from "@tenantlens/graph";
import type { SystemEffect, SystemRow, SystemTableDecl } from "../domain/system-tables.js";
import { quoteIdent, quoteLiteral, type WarehouseTable, WORKSPACE_COLUMN } from "../domain/table-model.js";
import type { Sql, SqlParams } from "./db.js";

const q = quoteIdent;
const STAGE = "_tl_system_stage";
const ORDINAL = "_tl_ord";

/** The json_transform structure of one column type (lists are written as a one-element array). */
function jsonShape(type: ColumnType): string {
  return type === "VARCHAR[]" ? `["VARCHAR"]` : `"${type}"`;
}

function toParam(v: unknown): DuckDBValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "number" || typeof v === "bigint")
    return v;
  return JSON.stringify(v);
}

/**
 * Writes the rows one event produced for a declared system table, set-based: all rows travel as one
 * JSON parameter, typed by `from_json` into a temporary stage, then one DELETE and one INSERT. Upserts
 * keep the newer row (by `newerBy`, so an old event replayed late cannot overwrite a newer one);
 * appends ignore a key that is already there. Returns whether the table changed.
 */
export async function writeSystemRows(
  sql: Sql,
  decl: SystemTableDecl,
  rows: readonly SystemRow[],
): Promise<boolean> {
  let changed = false;
  const byWorkspace = new Map<string, SystemRow[]>();
  for (const r of rows) byWorkspace.set(r.workspaceId, [...(byWorkspace.get(r.workspaceId) ?? []), r]);
  for (const [ws, list] of byWorkspace) {
    if (await writeWorkspaceRows(sql, decl, ws, list)) changed = true;
  }
  return changed;
}

async function writeWorkspaceRows(
  sql: Sql,
  decl: SystemTableDecl,
  ws: string,
  rows: readonly SystemRow[],
): Promise<boolean> {
  const { table, key } = decl;
  const cols = table.columns;
  const newerBy = decl.source?.newerBy;
  const upsert = decl.source?.mode === "upsert";
  const shape = `[{${[...cols.map((c) => `"${c.name}": ${jsonShape(c.type)}`), `"${ORDINAL}": "BIGINT"`].join(", ")}}]`;
  const data = rows.map((r, i) => {
    const o: Record<string, unknown> = { [ORDINAL]: i };
    for (const c of cols) {
      // JSON values travel as themselves: from_json keeps them as JSON documents.
      o[c.name] = r.values[c.name] ?? null;
    }
    return o;
  });
  // One row per key: the newest (upsert) or the first (append) of the batch.
  const order = upsert
    ? `${newerBy ? `s.${q(newerBy)} DESC NULLS LAST, ` : ""}s.${q(ORDINAL)} DESC`
    : `s.${q(ORDINAL)} ASC`;
  await sql.run(
    `CREATE OR REPLACE TEMP TABLE ${q(STAGE)} AS
     SELECT ${cols.map((c) => `CAST(s.${q(c.name)} AS ${c.type}) AS ${q(c.name)}`).join(", ")}
     FROM (SELECT unnest(from_json(CAST($rows AS JSON), $shape)) AS s)
     QUALIFY row_number() OVER (PARTITION BY ${key.map((k) => `s.${q(k)}`).join(", ")} ORDER BY ${order}) = 1`,
    { rows: JSON.stringify(data), shape },
  );
  try {
    const sameKey = key.map((k) => `t.${q(k)} IS NOT DISTINCT FROM s.${q(k)}`).join(" AND ");
    const params: SqlParams = { ws };
    if (upsert) {
      const stale = newerBy ? ` AND (t.${q(newerBy)} IS NULL OR t.${q(newerBy)} <= s.${q(newerBy)})` : "";
      await sql.run(
        `DELETE FROM ${q(table.name)} t USING ${q(STAGE)} s
         WHERE t.${q(WORKSPACE_COLUMN)} = $ws AND ${sameKey}${stale}`,
        params,
      );
    }
    const inserted = await sql.run(
      `INSERT INTO ${q(table.name)} (${[...cols.map((c) => q(c.name)), q(WORKSPACE_COLUMN)].join(", ")})
       SELECT ${cols.map((c) => `s.${q(c.name)}`).join(", ")}, $ws FROM ${q(STAGE)} s
       WHERE NOT EXISTS (SELECT 1 FROM ${q(table.name)} t WHERE t.${q(WORKSPACE_COLUMN)} = $ws AND ${sameKey})`,
      params,
    );
    return inserted > 0;
  } finally {
    await sql.run(`DROP TABLE IF EXISTS ${q(STAGE)}`);
  }
}

/**
 * Applies an `update` effect to a system table; returns the number of rows changed. Values are cast
 * to the column types, so timestamps may be ISO text.
 */
export async function applyUpdateEffect(
  sql: Sql,
  table: WarehouseTable,
  effect: Extract<SystemEffect, { kind: "update" }>,
): Promise<number> {
  const typeOf = (name: string) => {
    const c = table.columns.find((x) => x.name === name);
    if (!c) throw new Error(`system table ${table.name}: unknown column ${name}`);
    return c.type;
  };
  const params: SqlParams = { ws: effect.workspaceId };
  let n = 0;
  const param = (v: unknown) => {
    const name = `p${n++}`;
    params[name] = toParam(v);
    return `$${name}`;
  };
  const sets = Object.entries(effect.set).map(
    ([col, v]) => `${q(col)} = CAST(${param(v)} AS ${typeOf(col)})`,
  );
  const where = [`${q(WORKSPACE_COLUMN)} = $ws`];
  for (const [col, v] of Object.entries(effect.where)) {
    if (Array.isArray(v)) {
      where.push(`${q(col)} IN (${v.map((x) => quoteLiteral(String(x))).join(", ")})`);
    } else {
      where.push(`${q(col)} IS NOT DISTINCT FROM CAST(${param(v)} AS ${typeOf(col)})`);
    }
  }
  if (effect.onlyIfOlder) {
    const col = effect.onlyIfOlder;
    const v = effect.set[col];
    where.push(`(${q(col)} IS NULL OR ${q(col)} < CAST(${param(v)} AS ${typeOf(col)}))`);
  }
  if (sets.length === 0) return 0;
  return sql.run(`UPDATE ${q(table.name)} SET ${sets.join(", ")} WHERE ${where.join(" AND ")}`, params);
}
