import { catalog, resourceByName } from "@tenantlens/graph";

/**
 * Which integrations a run judges, and which of their tables hold a complete read: a rule is only
 * evaluated for an integration whose latest committed poll of every table the rule reads was
 * complete. A table that was not collected (no licence, no consent) or only partly read would make
 * a rule see too little: "no Conditional Access policy blocks legacy authentication" is not true
 * of a tenant whose policies Tenantlens cannot read.
 */

/**
 * Per live integration with committed data, the outcome of each resource in its latest committed
 * poll that read it. Runs against the workspace's generation like any rule query.
 */
export const COVERAGE_SQL = `WITH live AS (
  SELECT integration_id FROM integrations WHERE deleted_at IS NULL
), done AS (
  SELECT p.integration_id, p.started_at,
    unnest(from_json(CAST(p.resources AS JSON), '[{"resource":"VARCHAR","outcome":"VARCHAR","reason":"VARCHAR"}]')) AS r
  FROM polls p
  WHERE p.committed_at IS NOT NULL AND p.integration_id IN (SELECT integration_id FROM live)
)
SELECT integration_id, r.resource AS resource, r.outcome AS outcome, r.reason AS reason
FROM done
QUALIFY row_number() OVER (PARTITION BY integration_id, r.resource ORDER BY started_at DESC) = 1`;

export interface TableRead {
  outcome: string;
  reason: string | null;
}

export interface Coverage {
  /** Integrations with committed data, sorted. */
  integrations: string[];
  /** integration → table → how its latest read went. */
  tables: Map<string, Map<string, TableRead>>;
}

export const EMPTY_COVERAGE: Coverage = { integrations: [], tables: new Map() };

export function coverageFrom(rows: readonly Record<string, unknown>[]): Coverage {
  const tables = new Map<string, Map<string, TableRead>>();
  for (const r of rows) {
    const integration = typeof r.integration_id === "string" ? r.integration_id : null;
    if (!integration) continue;
    const byTable = tables.get(integration) ?? new Map<string, TableRead>();
    tables.set(integration, byTable);
    const resource = resourceByName(String(r.resource ?? ""));
    if (!resource) continue;
    byTable.set(resource.table, {
      outcome: String(r.outcome ?? ""),
      reason: typeof r.reason === "string" ? r.reason : null,
    });
  }
  return { integrations: [...tables.keys()].sort(), tables };
}

const tablePatterns = [...catalog]
  .map((r) => r.table)
  .sort((a, b) => b.length - a.length)
  .map((table) => ({ table, re: new RegExp(`\\b${table}(?:_changes|_as_of)?\\b`, "i") }));

/** The catalog tables a rule's SQL reads (its history twin and as-of macro count as the table). */
export function tablesReadBy(sqls: readonly string[]): string[] {
  const text = sqls.join("\n");
  return tablePatterns.filter((p) => p.re.test(text)).map((p) => p.table);
}

/**
 * Null when every table is completely read for the integration, else why the rule cannot be judged.
 * Tables in `emptyWhenNotCollected` may also be "not collected" (unlicensed: read as empty).
 */
export function notEvaluable(
  coverage: Coverage,
  integrationId: string,
  tables: readonly string[],
  emptyWhenNotCollected: readonly string[] = [],
): string | null {
  const reads = coverage.tables.get(integrationId);
  for (const t of tables) {
    const read = reads?.get(t);
    if (!read) return `${t} has not been collected yet`;
    if (read.outcome === "not_collected" && emptyWhenNotCollected.includes(t)) continue;
    if (read.outcome !== "complete") {
      return `${t} was ${read.outcome.replace("_", " ")} in the last poll${read.reason ? `: ${read.reason}` : ""}`;
    }
  }
  return null;
}
