import { propertyValues, transformExpr } from "./row-sql.js";
import type { ResourceTables } from "./schema.js";
import { HASH_COLUMN, POLL_COLUMN, quoteIdent, WORKSPACE_COLUMN } from "./table-model.js";

/**
 * SQL of the append-only log tables (directory audits, sign-ins: catalog `log`). Their entries
 * never change, so a page only adds the ids not stored yet (entries read again because log
 * windows overlap are the same entries) and nothing is diffed, removed or recorded as a change.
 * Named parameters: $integration, $tenant, $workspace, $poll. Consecutive pages of a batch are
 * staged together (no id in two of them), each entry with its page's collectedAt (`at`, ISO text).
 */
export const LOG_STAGE_TABLE = "_tl_log_stage";

/** `hash` is set only where the content hash is not md5(raw) (entries carrying annotations). */
export function createLogStageSql(): string {
  return `CREATE TEMP TABLE IF NOT EXISTS ${LOG_STAGE_TABLE} (id VARCHAR, hash VARCHAR, raw JSON, "at" VARCHAR)`;
}

const q = quoteIdent;

/** Inserts the staged entries whose id the integration does not hold yet. */
export function logInsertSql(t: ResourceTables): string {
  const cur = q(t.current.name);
  const props = propertyValues(t.current.columns, "s.j");
  const cols = [
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
  return `INSERT INTO ${cur} (${cols.map(q).join(", ")})
SELECT $integration, $tenant, ${props.map((p) => p.expr).join(", ")},
  s.raw, CAST(s."at" AS TIMESTAMPTZ), CAST(s."at" AS TIMESTAMPTZ), $workspace, coalesce(s.hash, md5(s.raw)), $poll
FROM (
  SELECT id, raw, hash, "at", ${transformExpr(t.current.columns, "raw")} AS j FROM ${LOG_STAGE_TABLE}
) s
WHERE NOT EXISTS (SELECT 1 FROM ${cur} c WHERE c."integration_id" = $integration AND c."id" = s.id)`;
}

/** The column holding the entry's time (the catalog's `log.timeField`). */
export function logTimeColumn(t: ResourceTables): string {
  const field = t.resource.log?.timeField;
  const col = t.current.columns.find((c) => c.property === field);
  if (!col) throw new Error(`${t.current.name}: no column for the log time ${field}`);
  return col.name;
}

/** Entries of one integration older than $cutoff (retention). */
export function logRetentionSql(t: ResourceTables): string {
  return `DELETE FROM ${q(t.current.name)} WHERE "integration_id" = $integration AND ${q(logTimeColumn(t))} < CAST($cutoff AS TIMESTAMPTZ)`;
}
