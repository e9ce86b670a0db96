import type { ResourceDef } from "@tenantlens/graph";
import { internalTables } from "./internal-tables.js";
import { type SystemTableDecl, systemTables } from "./system-tables.js";
import { changesTable, resourceTable, type WarehouseTable } from "./table-model.js";

export interface ResourceTables {
  resource: ResourceDef;
  current: WarehouseTable;
  /** History twin; null for append-only logs (audits, sign-ins), whose rows never change. */
  changes: WarehouseTable | null;
}

/** The whole warehouse as declared: built from the Graph catalog and the system-table registry. */
export interface WarehouseSchema {
  resources: ResourceTables[];
  system: readonly SystemTableDecl[];
  internal: readonly WarehouseTable[];
  /** Every table, exported ones first. */
  all: WarehouseTable[];
  /** Tables a generation exports: current, changes and system tables. */
  exported: WarehouseTable[];
}

export function warehouseSchema(
  catalog: readonly ResourceDef[],
  system: readonly SystemTableDecl[] = systemTables,
): WarehouseSchema {
  const resources = catalog.map((resource) => ({
    resource,
    current: resourceTable(resource),
    changes: resource.log ? null : changesTable(resource),
  }));
  const exported = [
    ...resources.flatMap((r) => (r.changes ? [r.current, r.changes] : [r.current])),
    ...system.map((s) => s.table),
  ];
  const names = exported.map((t) => t.name);
  const dupe = names.find((n, i) => names.indexOf(n) !== i);
  if (dupe) throw new Error(`table ${dupe} is declared twice`);
  return { resources, system, internal: internalTables, all: [...exported, ...internalTables], exported };
}

/** The history twin of a table that keeps one (every resource but the append-only logs). */
export function historyOf(t: ResourceTables): WarehouseTable {
  if (!t.changes) throw new Error(`${t.current.name} is an append-only log: it keeps no history table`);
  return t.changes;
}

export function resourceTablesFor(schema: WarehouseSchema, resourceName: string): ResourceTables | undefined {
  return schema.resources.find((r) => r.resource.name === resourceName);
}
