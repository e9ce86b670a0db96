import type { ColumnDef, ResourceDef } from "@tenantlens/graph";
import { changeColumns, leadingColumns, trailingColumns } from "@tenantlens/graph";

/**
 * What a warehouse table is made of. `columns` are what analysts see (and what generations export);
 * `internal` columns are the store's own bookkeeping, never exported.
 */
export type TableKind = "resource" | "changes" | "system" | "internal";

export interface WarehouseTable {
  name: string;
  kind: TableKind;
  description: string;
  columns: ColumnDef[];
  internal: ColumnDef[];
  /** Only for kind "internal": columns forming a primary key (kept small; PKs slow bulk writes). */
  primaryKey?: string[];
  /**
   * Secondary (ART) indexes. Resource tables index `id` so a page's lookups read only its own rows
   * instead of scanning the whole `_raw` column.
   */
  indexes?: { name: string; columns: string[] }[];
  /** The catalog resource behind a resource or changes table. */
  resource?: ResourceDef;
}

const col = (name: string, type: ColumnDef["type"], description: string): ColumnDef => ({
  name,
  property: null,
  type,
  description,
});

/** Every exported table carries its workspace so one warehouse can hold many workspaces. */
export const WORKSPACE_COLUMN = "_tl_workspace_id";
export const HASH_COLUMN = "_tl_hash";
export const POLL_COLUMN = "_tl_poll_id";

const workspaceColumn = col(WORKSPACE_COLUMN, "VARCHAR", "Workspace that owns the row");

export function resourceTable(resource: ResourceDef): WarehouseTable {
  return {
    name: resource.table,
    kind: "resource",
    description: resource.description,
    columns: [...leadingColumns, ...resource.columns, ...trailingColumns],
    internal: [
      workspaceColumn,
      col(HASH_COLUMN, "VARCHAR", "Content hash of _raw without annotations"),
      col(POLL_COLUMN, "VARCHAR", "Last poll that saw the object"),
    ],
    indexes: [{ name: `${resource.table}_id_idx`, columns: ["id"] }],
    resource,
  };
}

export function changesTableName(table: string): string {
  return `${table}_changes`;
}

export function changesTable(resource: ResourceDef): WarehouseTable {
  return {
    name: changesTableName(resource.table),
    kind: "changes",
    description: `History of ${resource.table}: one row per added, modified or removed object`,
    columns: changeColumns,
    internal: [workspaceColumn],
    resource,
  };
}

export function systemTable(name: string, description: string, columns: ColumnDef[]): WarehouseTable {
  return { name, kind: "system", description, columns, internal: [workspaceColumn] };
}

/** Names of all columns physically present in the table, analyst columns first. */
export function physicalColumns(table: WarehouseTable): ColumnDef[] {
  return [...table.columns, ...table.internal];
}

/** Stable text describing the exported shape; a generation re-exports a table when it changes. */
export function exportSignature(table: WarehouseTable): string {
  return table.columns.map((c) => `${c.name}:${c.type}`).join(",");
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
