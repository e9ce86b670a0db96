import { propertyValues, transformExpr } from "./row-sql.js";
import type { ResourceTables, WarehouseSchema } from "./schema.js";
import { quoteIdent } from "./table-model.js";

/**
 * Point-in-time reads, built only from what analysts can already query (a table and its
 * `_changes` twin), so they work in the query sandbox over a Parquet generation.
 *
 * The state at time T is read backwards from now: an object whose first change after T exists was,
 * at T, exactly that change's `before` (NULL `before` = it did not exist yet); an object with no
 * change after T is as it is now. Because it never needs history older than T, it stays right
 * after old change rows are pruned by retention (for any T inside the retention window).
 */
export function asOfMacroName(table: string): string {
  return `${table}_as_of`;
}

/** SELECT of the table's analyst columns as of `tsExpr` (an SQL expression of type TIMESTAMPTZ). */
export function asOfSelectSql(t: ResourceTables, tsExpr: string): string {
  const cur = quoteIdent(t.current.name);
  // An append-only log never changes a row: as of T it held the entries stored by then.
  if (!t.changes) return `SELECT * FROM ${cur} c WHERE c."_first_seen_at" <= ${tsExpr}`;
  const chg = quoteIdent(t.changes.name);
  const fromBefore = propertyValues(t.current.columns, "b.j").map(
    (p) => `${p.expr} AS ${quoteIdent(p.column)}`,
  );
  return `WITH next_change AS (
  SELECT integration_id, tenant_id, resource_id, "before"
  FROM ${chg}
  WHERE recorded_at > ${tsExpr}
  QUALIFY row_number() OVER (PARTITION BY integration_id, resource_id ORDER BY recorded_at, change_id) = 1
)
SELECT * FROM ${cur} c
WHERE NOT EXISTS (
  SELECT 1 FROM next_change n WHERE n.integration_id = c.integration_id AND n.resource_id = c.id
)
UNION ALL BY NAME
SELECT b.integration_id, b.tenant_id, ${fromBefore.join(", ")},
  b."before" AS "_raw", CAST(NULL AS TIMESTAMPTZ) AS "_first_seen_at", CAST(NULL AS TIMESTAMPTZ) AS "_last_seen_at"
FROM (
  SELECT n.*, ${transformExpr(t.current.columns, `n."before"`)} AS j FROM next_change n WHERE n."before" IS NOT NULL
) b`;
}

/** `CREATE OR REPLACE MACRO <table>_as_of(ts) AS TABLE …`: usage `FROM azuread_user_as_of('2025-01-07')`. */
export function asOfMacroSql(t: ResourceTables): string {
  return `CREATE OR REPLACE MACRO ${quoteIdent(asOfMacroName(t.current.name))}(ts) AS TABLE\n${asOfSelectSql(
    t,
    "CAST(ts AS TIMESTAMPTZ)",
  )};`;
}

/** Every resource table's macro, to install after the generation's views exist. */
export function asOfScript(schema: WarehouseSchema): string {
  return `${schema.resources.map(asOfMacroSql).join("\n\n")}\n`;
}
