/**
 * What a rule query returns, turned into candidate violations. Each row is one violating resource:
 * `resource_id` (required), `integration_id`, `table` (or `resource_table`), `display_name` and
 * `details` (any value). Without a `details` column, the row's other columns become the details.
 */

export interface Candidate {
  /** Null when the query does not return integration_id (allowed while the workspace has one integration). */
  integrationId: string | null;
  resourceId: string;
  table: string;
  displayName: string | null;
  /** JSON value shown with the violation (undefined: none). */
  details: unknown;
}

export type Parsed = { ok: true; candidates: Candidate[] } | { ok: false; error: string };

export const MAX_RESOURCE_ID = 400;
const MAX_DISPLAY_NAME = 1_000;
const MAX_TABLE = 200;
/** Details larger than this (as JSON text) are cut to a preview. */
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

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}

function cappedDetails(v: unknown): unknown {
  if (v === undefined || v === null) return v ?? undefined;
  const json = JSON.stringify(v);
  if (json === undefined) return undefined;
  if (json.length <= MAX_DETAILS_CHARS) return v;
  return { truncated: true, preview: json.slice(0, 1_000) };
}

/** Parses and checks the rows of one rule query; the first broken row makes the rule an error. */
export function parseRows(rows: readonly Record<string, unknown>[], columns: readonly string[]): Parsed {
  if (!columns.includes("resource_id")) {
    return { ok: false, error: `The query returns no resource_id column. ${COLUMNS_HINT}` };
  }
  const out: Candidate[] = [];
  const seen = new Set<string>();
  for (const [i, row] of rows.entries()) {
    const raw = row.resource_id;
    if (raw === null || raw === undefined || raw === "") {
      return { ok: false, error: `Row ${i + 1} of the result has no resource_id.` };
    }
    const resourceId = typeof raw === "string" ? raw : JSON.stringify(raw);
    if (resourceId.length > MAX_RESOURCE_ID) {
      return {
        ok: false,
        error: `Row ${i + 1}: resource_id is longer than ${MAX_RESOURCE_ID} characters.`,
      };
    }
    const integration = row.integration_id;
    if (integration !== null && integration !== undefined && typeof integration !== "string") {
      return { ok: false, error: `Row ${i + 1}: integration_id must be text.` };
    }
    const integrationId = typeof integration === "string" ? integration : null;
    const key = `${integrationId ?? ""}\u0000${resourceId}`;
    if (seen.has(key)) continue; // the same resource twice (several queries, or joins): first wins
    seen.add(key);
    let details: unknown;
    if ("details" in row) details = row.details;
    else {
      const extra = Object.entries(row).filter(([k]) => !KNOWN.has(k));
      if (extra.length > 0) details = Object.fromEntries(extra);
    }
    out.push({
      integrationId,
      resourceId,
      table: (text(row.table ?? row.resource_table) ?? "").slice(0, MAX_TABLE),
      displayName: text(row.display_name)?.slice(0, MAX_DISPLAY_NAME) ?? null,
      details: cappedDetails(details),
    });
  }
  return { ok: true, candidates: out };
}
