import { propertyValues, transformExpr } from "./row-sql.js";
import { historyOf, type ResourceTables } from "./schema.js";
import { HASH_COLUMN, POLL_COLUMN, quoteIdent, quoteLiteral, WORKSPACE_COLUMN } from "./table-model.js";

/**
 * Set-based SQL that applies a group of pages (consecutive pages of one poll, resource and mode,
 * no id in two of them) to a resource table and its history twin. The pages' objects are loaded
 * into INPUT_TABLE as received (JSON text); `classifySql` decides in one statement what is added
 * and what is unchanged, and stages those rows in STAGE_TABLE with the rest marked `plan`: the few
 * objects that need the stored `_raw` (hash differs, delta merge, removal), which are planned in
 * JavaScript (page-plan) and staged there too. Every statement then works on the whole group at once. Named parameters:
 * $integration, $tenant, $workspace, $poll, $at (the message's collectedAt, for removals by
 * absence), $origin (the message). A staged row carries its own page's time (`at`, ISO text cast as `$at` is).
 */
export const STAGE_TABLE = "_tl_stage";
/** The group's objects as received: one row per object (or removed id) and its page. */
export const INPUT_TABLE = "_tl_in";
/** The group's pages: the message each came in (change ids name it) and its collectedAt. */
export const INPUT_PAGES_TABLE = "_tl_in_pages";

/**
 * One row per object of the group. `before`, `prev_seen` and `prev_first_seen` carry the stored row
 * of a changed or removed object (read by id through the index), so no statement needs a join
 * that would read the stored `_raw` column.
 */
export function createStageSql(): string[] {
  return [
    `CREATE TEMP TABLE IF NOT EXISTS ${STAGE_TABLE} (id VARCHAR, op VARCHAR, hash VARCHAR, raw JSON, fields VARCHAR, change_id VARCHAR, "before" JSON, prev_seen TIMESTAMPTZ, prev_first_seen TIMESTAMPTZ, "at" VARCHAR, page INTEGER)`,
    // `hash` is set only where the content hash is not md5(raw) (objects carrying annotations).
    `CREATE TEMP TABLE IF NOT EXISTS ${INPUT_TABLE} (id VARCHAR, page INTEGER, raw JSON, hash VARCHAR, removed BOOLEAN)`,
    `CREATE TEMP TABLE IF NOT EXISTS ${INPUT_PAGES_TABLE} (page INTEGER, origin VARCHAR, "at" VARCHAR)`,
  ];
}

/** Empties the staging tables before a group (one round trip for the three). */
export const clearStageSql = [STAGE_TABLE, INPUT_TABLE, INPUT_PAGES_TABLE]
  .map((t) => `DELETE FROM ${t};`)
  .join(" ");

const AT = "CAST($at AS TIMESTAMPTZ)";
/**
 * A change is recorded strictly after the object's previous sighting, so per object the change
 * times are strictly increasing and point-in-time reads never face a tie.
 */
/** A staged row's page time. */
const ROW_AT = `CAST(s."at" AS TIMESTAMPTZ)`;
const after = (lastSeen: string, at = AT) => `greatest(${at}, ${lastSeen} + INTERVAL 1 MICROSECOND)`;

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
SELECT s.change_id, $integration, $tenant, s.id, 'added', NULL, NULL, s.raw, ${ROW_AT}, $poll, $workspace
FROM ${STAGE_TABLE} s WHERE s.op = 'added'`;
  const recordChanges = `${insertChanges}
SELECT s.change_id, $integration, $tenant, s.id, s.op, CAST(CAST(s.fields AS JSON) AS VARCHAR[]),
  s."before", s.raw, ${after("s.prev_seen", ROW_AT)}, $poll, $workspace
FROM ${STAGE_TABLE} s WHERE s.op IN ('modified', 'removed')`;

  const remove = `DELETE FROM ${cur} USING ${STAGE_TABLE} s
WHERE s.op IN ('removed', 'modified', 'refresh') AND ${keyMatch(cur, "s.id")}`;

  const touch = `UPDATE ${cur} SET "_last_seen_at" = greatest(${ROW_AT}, ${cur}."_last_seen_at"), ${q(POLL_COLUMN)} = $poll
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
  s.raw, coalesce(s.prev_first_seen, ${ROW_AT}),
  CASE WHEN s.prev_seen IS NULL THEN ${ROW_AT} ELSE ${after("s.prev_seen", ROW_AT)} END,
  $workspace, s.hash, $poll
FROM (
  SELECT id, raw, hash, prev_seen, prev_first_seen, "at", ${transformExpr(t.current.columns, "raw")} AS j
  FROM ${STAGE_TABLE} WHERE op IN ('added', 'modified', 'refresh')
) s`;

  return { recordAdded, recordChanges, remove, touch, insert };
}

/**
 * Classifies the group in INPUT_TABLE against the stored rows in one join on id, hashing each
 * object once: objects the integration does not hold are staged as `added` (change id by the
 * formula of hash.ts `changeId`, computed here), objects whose content hash equals the stored one
 * as `seen` (full reads only: a delta object is merged over the stored one, so it always needs the
 * planner), and what is left as `plan` with its page: stored objects that differ (or any stored
 * one in delta mode) and stored removed ids. Removed ids the integration does not hold are
 * dropped. `classifiedSql` reads the outcome; the caller then deletes the `plan` rows (`dropPlanSql`).
 */
export function classifySql(t: ResourceTables, mode: "full" | "delta"): string {
  const cur = q(t.current.name);
  const changeIdExpr = `md5(concat_ws('|', $integration, ${quoteLiteral(t.current.name)}, i.id, $poll, 'added', p.origin))`;
  const seen = mode === "full" ? `WHEN NOT i.removed AND c.${q(HASH_COLUMN)} = i.h THEN 'seen' ` : "";
  return `INSERT INTO ${STAGE_TABLE} (id, op, hash, raw, change_id, "at", page)
SELECT i.id, CASE WHEN c."id" IS NULL THEN 'added' ${seen}ELSE 'plan' END AS op, i.h,
  CASE WHEN c."id" IS NULL THEN i.raw END, CASE WHEN c."id" IS NULL THEN ${changeIdExpr} END, p."at", i.page
FROM (SELECT id, page, raw, removed, CASE WHEN NOT removed THEN coalesce(hash, md5(raw)) END AS h FROM ${INPUT_TABLE}) i
JOIN ${INPUT_PAGES_TABLE} p ON p.page = i.page
LEFT JOIN ${cur} c ON c."integration_id" = $integration AND c."id" = i.id
WHERE NOT (i.removed AND c."id" IS NULL)`;
}

/**
 * The classification's outcome: rows per op, and for `plan` the ids the planner must see (see
 * `classifySql`) with their page.
 */
export const classifiedSql = `SELECT op, count(*) AS n, CASE WHEN op = 'plan' THEN list({'id': id, 'page': page}) END AS plan
FROM ${STAGE_TABLE} GROUP BY op`;
/** Drops the `plan` rows once read: the planner stages its own outcome for each. */
export const dropPlanSql = `DELETE FROM ${STAGE_TABLE} WHERE op = 'plan'`;

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
