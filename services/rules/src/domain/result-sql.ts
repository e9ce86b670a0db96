/**
 * What a rule query returns, as SQL over its result files (Parquet written by the query service):
 * one row per violating resource with `resource_id` (required), `integration_id`, `table` (or
 * `resource_table`), `display_name` and `details`; without a `details` column the row's other
 * columns become the details. Large results never become JavaScript objects: they are checked,
 * counted and staged by DuckDB.
 */

export interface ResultColumn {
  name: string;
  type: string;
}

/** One query's result: a file (null when it returned no row) and its columns. */
export interface ResultSource {
  file: string | null;
  columns: readonly ResultColumn[];
}

export const MAX_RESOURCE_ID = 400;
const MAX_DISPLAY_NAME = 1_000;
const MAX_TABLE = 200;
/** Details longer than this (as JSON text) are cut to a preview. */
export const MAX_DETAILS_CHARS = 4_000;

const KNOWN = new Set([
  "integration_id",
  "resource_id",
  "table",
  "resource_table",
  "display_name",
  "details",
]);

export const COLUMNS_HINT =
  "A rule query returns one row per violating resource with the columns resource_id (required), " +
  "integration_id, table, display_name and details.";

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const TEXT = /^(VARCHAR|JSON)$/i;

/** Why the columns cannot be a rule result (null: they can). */
export function columnsProblem(columns: readonly ResultColumn[], query: string): string | null {
  const has = (n: string) => columns.find((c) => c.name === n);
  if (!has("resource_id")) return `${query}The query returns no resource_id column. ${COLUMNS_HINT}`;
  const integration = has("integration_id");
  if (integration && !TEXT.test(integration.type))
    return `${query}integration_id must be text (it is ${integration.type}).`;
  return null;
}

/**
 * The normalised rows of a rule's results (union of its queries), before de-duplication: columns
 * integration_id, resource_id, resource_table, display_name, details (JSON), src, n (for "first wins").
 * `only`: the integration rows without integration_id belong to (null: there must be none).
 */
export function normalizedSql(sources: readonly ResultSource[], only: string | null): string | null {
  const parts = sources.flatMap((s, i) => {
    if (!s.file) return [];
    const has = (n: string) => s.columns.some((c) => c.name === n);
    const own = `CAST(${q("integration_id")} AS VARCHAR)`;
    const integration = has("integration_id")
      ? only === null
        ? own
        : `coalesce(${own}, ${lit(only)})`
      : only === null
        ? "NULL"
        : lit(only);
    const table = has("table")
      ? `CAST(${q("table")} AS VARCHAR)`
      : has("resource_table")
        ? `CAST(${q("resource_table")} AS VARCHAR)`
        : "NULL";
    const extra = s.columns.filter((c) => !KNOWN.has(c.name));
    const rawDetails = has("details")
      ? `to_json(${q("details")})`
      : extra.length > 0
        ? `to_json(struct_pack(${extra.map((c) => `${q(c.name)} := ${q(c.name)}`).join(", ")}))`
        : "NULL";
    return [
      `SELECT ${integration} AS integration_id,
        CAST(${q("resource_id")} AS VARCHAR) AS resource_id,
        left(coalesce(${table}, ''), ${MAX_TABLE}) AS resource_table,
        ${has("display_name") ? `left(CAST(${q("display_name")} AS VARCHAR), ${MAX_DISPLAY_NAME})` : "NULL"} AS display_name,
        ${rawDetails} AS raw_details, ${i} AS src, file_row_number AS n
      FROM read_parquet(${lit(s.file)}, file_row_number = true)`,
    ];
  });
  if (parts.length === 0) return null;
  return `SELECT integration_id, resource_id, resource_table, display_name,
    CASE WHEN raw_details IS NULL OR CAST(raw_details AS VARCHAR) = 'null' THEN NULL
      WHEN length(CAST(raw_details AS VARCHAR)) > ${MAX_DETAILS_CHARS}
        THEN json_object('truncated', true, 'preview', left(CAST(raw_details AS VARCHAR), 1000))
      ELSE CAST(raw_details AS JSON) END AS details,
    src, n
  FROM (${parts.join("\nUNION ALL\n")})`;
}

/** One row per (integration, resource): the first a query returned. */
export function candidatesSql(normalized: string): string {
  return `SELECT integration_id, resource_id, resource_table, display_name, details
  FROM (${normalized})
  QUALIFY row_number() OVER (PARTITION BY integration_id, resource_id ORDER BY src, n) = 1`;
}

/** Checks every row and counts distinct resources per integration. */
export function inspectSql(normalized: string): string {
  return `SELECT integration_id,
    count(DISTINCT resource_id) AS resources,
    count(*) FILTER (WHERE resource_id IS NULL OR resource_id = '') AS missing_id,
    count(*) FILTER (WHERE length(resource_id) > ${MAX_RESOURCE_ID}) AS long_id
  FROM (${normalized})
  GROUP BY ALL`;
}
