import {
  type ColumnDef,
  changeColumns,
  leadingColumns,
  resourceByTable,
  systemTableSchema,
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

/** Tables the store will add with the notifications issue, described ahead of them. */
const PLANNED_SYSTEM_TABLES: Record<string, TableDoc> = {
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
  const system = systemTableSchema(table);
  if (system) return { description: system.description, columns: fromColumns(system.columns) };
  return PLANNED_SYSTEM_TABLES[table];
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
