import {
  type ColumnDef,
  changeColumns,
  leadingColumns,
  resourceByTable,
  trailingColumns,
} from "@tenantlens/graph";

export interface DocColumn {
  name: string;
  type: string;
  description: string;
}

export interface TableDoc {
  description: string;
  columns: DocColumn[];
}

type Col = [name: string, type: string, description: string];
const cols = (list: Col[]): DocColumn[] =>
  list.map(([name, type, description]) => ({ name, type, description }));

/** Columns of `query_history`, written by the store from this service's QueryExecuted events. */
export const QUERY_HISTORY_COLUMNS: DocColumn[] = cols([
  ["query_id", "VARCHAR", "Query id"],
  ["actor", "VARCHAR", "API key or user that ran it"],
  ["sql", "VARCHAR", "SQL text"],
  ["started_at", "TIMESTAMPTZ", "Start"],
  ["duration_ms", "DOUBLE", "Duration in milliseconds"],
  ["row_count", "BIGINT", "Rows returned"],
  ["outcome", "VARCHAR", "ok, error, timeout or rejected (refused by the sandbox)"],
  ["error", "VARCHAR", "Error message"],
  ["generation_id", "BIGINT", "Generation it read"],
]);

/**
 * System tables the store writes beside the resource tables (mirrors services/store's declarations,
 * which this service cannot import); tables declared later are described through COMMON_COLUMNS.
 */
const SYSTEM_TABLES: Record<string, TableDoc> = {
  integrations: {
    description: "Connected Entra tenants (one row per integration, deleted ones keep their row)",
    columns: cols([
      ["integration_id", "VARCHAR", "Integration id"],
      ["name", "VARCHAR", "Name given when it was connected"],
      ["tenant_id", "VARCHAR", "Entra tenant id"],
      ["auth_mode", "VARCHAR", "'app' (client credentials) or 'delegated'"],
      ["client_id", "VARCHAR", "Application (client) id used"],
      ["status", "VARCHAR", "pending_consent, active, broken or disabled"],
      ["status_reason", "VARCHAR", "Why it is broken or pending"],
      ["enabled", "BOOLEAN", "Whether polls run"],
      ["created_at", "TIMESTAMPTZ", "When it was created"],
      ["updated_at", "TIMESTAMPTZ", "Last change"],
      ["deleted_at", "TIMESTAMPTZ", "When it was deleted (null while it exists)"],
    ]),
  },
  polls: {
    description: "Every collection run: status, outcome, per-resource results and change counts",
    columns: cols([
      ["poll_id", "VARCHAR", "Poll id"],
      ["integration_id", "VARCHAR", "Integration polled"],
      ["tenant_id", "VARCHAR", "Entra tenant id"],
      ["status", "VARCHAR", "running, succeeded, partial or failed"],
      ["outcome", "VARCHAR", "succeeded, partial or failed (null while running)"],
      ["reason", "VARCHAR", "Why it ran: manual, schedule, integration_created, integration_changed"],
      ["error", "VARCHAR", "What went wrong, if anything"],
      ["started_at", "TIMESTAMPTZ", "Start"],
      ["completed_at", "TIMESTAMPTZ", "End of collection"],
      ["committed_at", "TIMESTAMPTZ", "When its data became queryable (generation committed)"],
      ["generation_id", "BIGINT", "Generation that first contained its data"],
      ["resources", "JSON", "Per resource: mode, outcome, reason, objectCount"],
      ["added", "BIGINT", "Objects added"],
      ["modified", "BIGINT", "Objects modified"],
      ["removed", "BIGINT", "Objects removed"],
    ]),
  },
  query_history: {
    description: "Every analyst query: who, what, when, how long, outcome",
    columns: QUERY_HISTORY_COLUMNS,
  },
  rules: { description: "Managed and custom rules", columns: [] },
  rule_violations: {
    description: "Rule violations with their lifecycle (opened, resolved, reopened, suppressed)",
    columns: [],
  },
  rule_evaluations: { description: "Each evaluation of a rule after a collection", columns: [] },
  notifications: { description: "Delivery log of emails and webhooks", columns: [] },
};

/** Descriptions for columns that mean the same in every system table. */
const COMMON_COLUMNS: Record<string, string> = {
  workspace_id: "Workspace",
  integration_id: "Tenantlens integration",
  tenant_id: "Entra tenant id",
  poll_id: "Poll (collection run)",
  rule_id: "Rule",
  status: "Current status",
  created_at: "When it was created",
  updated_at: "When it last changed",
};

function fromColumns(cols: readonly ColumnDef[]): DocColumn[] {
  return cols.map((c) => ({ name: c.name, type: c.type, description: c.description }));
}

/** What the catalog says about a table, or undefined for tables it does not know. */
export function tableDoc(table: string): TableDoc | undefined {
  const resource = resourceByTable(table);
  if (resource) {
    return {
      description: resource.description,
      columns: fromColumns([...leadingColumns, ...resource.columns, ...trailingColumns]),
    };
  }
  if (table.endsWith("_changes")) {
    const base = resourceByTable(table.slice(0, -"_changes".length));
    if (base) {
      return {
        description: `Change history of ${base.table}: one row per added, modified or removed object`,
        columns: fromColumns(changeColumns),
      };
    }
  }
  return SYSTEM_TABLES[table];
}

export interface ColumnInfo {
  name: string;
  type: string;
  description: string;
}

export interface TableInfo {
  name: string;
  description: string;
  columns: ColumnInfo[];
}

/** Merges the real columns and DuckDB types of a table with the catalog's descriptions. */
export function documentTable(
  name: string,
  columns: ReadonlyArray<{ name: string; type: string }>,
): TableInfo {
  const doc = tableDoc(name);
  const described = new Map(doc?.columns.map((c) => [c.name, c.description]));
  return {
    name,
    description: doc?.description ?? "",
    columns: columns.map((c) => ({
      name: c.name,
      type: c.type,
      description: described.get(c.name) ?? COMMON_COLUMNS[c.name] ?? "",
    })),
  };
}
