import { propertyValues, transformExpr } from "./row-sql.js";
import { historyOf, type ResourceTables } from "./schema.js";
import { HASH_COLUMN, POLL_COLUMN, quoteIdent, quoteLiteral, WORKSPACE_COLUMN } from "./table-model.js";

/**
 * Set-based SQL that applies one staged page to a resource table and its history twin. The page
 * sits in the temp table STAGE_TABLE (one row per object, `op` from page-plan); every statement
 * works on the whole page at once. Named parameters: $integration, $tenant, $workspace, $poll,
 * $at (the page's collectedAt), $origin (the message).
 */
export const STAGE_TABLE = "_tl_stage";

/**
 * One row per object of the page. `before`, `prev_seen` and `prev_first_seen` carry the stored row
 * of a changed or removed object (read by id through the index), so no statement needs a join
 * that would read the stored `_raw` column.
 */
export function createStageSql(): string {
  return `CREATE TEMP TABLE IF NOT EXISTS ${STAGE_TABLE} (id VARCHAR, op VARCHAR, hash VARCHAR, raw JSON, fields VARCHAR, change_id VARCHAR, "before" JSON, prev_seen TIMESTAMPTZ, prev_first_seen TIMESTAMPTZ)`;
}

const AT = "CAST($at AS TIMESTAMPTZ)";
/**
 * A change is recorded strictly after the object's previous sighting, so per object the change
 * times are strictly increasing and point-in-time reads never face a tie.
 */
const after = (lastSeen: string) => `greatest(${AT}, ${lastSeen} + INTERVAL 1 MICROSECOND)`;

const CHANGE_COLUMNS = [
  "change_id",
  "integration_id",
  "tenant_id",
  "resource_id",
  "change_type",
  "fields",
  "before",
  "after",
  "recorded_at",
  "poll_id",
  WORKSPACE_COLUMN,
];

const q = quoteIdent;

function keyMatch(tableRef: string, idExpr: string): string {
  return `${tableRef}."integration_id" = $integration AND ${tableRef}."id" = ${idExpr}`;
}

export interface PageStatements {
  /** Change rows for added objects. */
  recordAdded: string;
  /** Change rows for modified and removed objects (before-images come staged). */
  recordChanges: string;
  /** Deletes the stored rows of removed objects and of objects about to be rewritten. */
  remove: string;
  /** Marks unchanged objects as seen by this poll. */
  touch: string;
  /** Inserts added objects and the new versions of modified (and refreshed) ones. */
  insert: string;
}

/**
 * Page SQL; run in this order, skipping statements whose ops the page does not have. A changed
 * object is rewritten as delete + insert rather than a wide UPDATE: DuckDB appends are cheap, and
 * updating ~30 columns (lists and JSON among them) row by row is not.
 */
export function pageSql(t: ResourceTables): PageStatements {
  const cur = q(t.current.name);
  const chg = q(historyOf(t).name);
  const props = propertyValues(t.current.columns, "s.j");

  const insertChanges = `INSERT INTO ${chg} (${CHANGE_COLUMNS.map(q).join(", ")})`;
  const recordAdded = `${insertChanges}
SELECT s.change_id, $integration, $tenant, s.id, 'added', NULL, NULL, s.raw, ${AT}, $poll, $workspace
FROM ${STAGE_TABLE} s WHERE s.op = 'added'`;
  const recordChanges = `${insertChanges}
SELECT s.change_id, $integration, $tenant, s.id, s.op, CAST(CAST(s.fields AS JSON) AS VARCHAR[]),
  s."before", s.raw, ${after("s.prev_seen")}, $poll, $workspace
FROM ${STAGE_TABLE} s WHERE s.op IN ('modified', 'removed')`;

  const remove = `DELETE FROM ${cur} USING ${STAGE_TABLE} s
WHERE s.op IN ('removed', 'modified', 'refresh') AND ${keyMatch(cur, "s.id")}`;

  const touch = `UPDATE ${cur} SET "_last_seen_at" = greatest(${AT}, ${cur}."_last_seen_at"), ${q(POLL_COLUMN)} = $poll
FROM ${STAGE_TABLE} s WHERE s.op = 'seen' AND ${keyMatch(cur, "s.id")}`;

  const insertCols = [
    "integration_id",
    "tenant_id",
    ...props.map((p) => p.column),
    "_raw",
    "_first_seen_at",
    "_last_seen_at",
    WORKSPACE_COLUMN,
    HASH_COLUMN,
    POLL_COLUMN,
  ];
  const insert = `INSERT INTO ${cur} (${insertCols.map(q).join(", ")})
SELECT $integration, $tenant, ${props.map((p) => p.expr).join(", ")},
  s.raw, coalesce(s.prev_first_seen, ${AT}),
  CASE WHEN s.prev_seen IS NULL THEN ${AT} ELSE ${after("s.prev_seen")} END,
  $workspace, s.hash, $poll
FROM (
  SELECT id, raw, hash, prev_seen, prev_first_seen, ${transformExpr(t.current.columns, "raw")} AS j
  FROM ${STAGE_TABLE} WHERE op IN ('added', 'modified', 'refresh')
) s`;

  return { recordAdded, recordChanges, remove, touch, insert };
}

/**
 * After a complete full read: every object of the integration this poll did not see is removed,
 * with a change row. Change ids use the same formula as hash.ts `changeId`.
 */
export function absenceRemovalSql(t: ResourceTables): string[] {
  const cur = q(t.current.name);
  const unseen = `c."integration_id" = $integration AND c.${q(POLL_COLUMN)} IS DISTINCT FROM $poll`;
  const record = `INSERT INTO ${q(historyOf(t).name)} (${CHANGE_COLUMNS.map(q).join(", ")})
SELECT md5(concat_ws('|', $integration, ${quoteLiteral(t.current.name)}, c."id", $poll, 'removed', $origin)),
  $integration, c."tenant_id", c."id", 'removed', NULL, c."_raw", NULL, ${after(`c."_last_seen_at"`)},
  $poll, c.${q(WORKSPACE_COLUMN)}
FROM ${cur} c WHERE ${unseen}`;
  const remove = `DELETE FROM ${cur} c WHERE ${unseen}`;
  return [record, remove];
}

/**
 * Stored rows of the given ids. The ids are inlined as literals on purpose: only a constant IN list
 * lets DuckDB use the `id` index, so the query reads these rows and not the whole table.
 */
export function existingSql(t: ResourceTables, ids: readonly string[], withRaw: boolean): string {
  const cols = withRaw
    ? `c."id" AS id, c.${q(HASH_COLUMN)} AS hash, CAST(c."_raw" AS VARCHAR) AS raw,
       epoch_us(c."_last_seen_at") AS seen, epoch_us(c."_first_seen_at") AS first_seen`
    : `c."id" AS id, c.${q(HASH_COLUMN)} AS hash`;
  return `SELECT ${cols} FROM ${q(t.current.name)} c
WHERE c."id" IN (${ids.map(quoteLiteral).join(", ")}) AND c."integration_id" = $integration`;
}
