import type { ColumnDef, ColumnType } from "@tenantlens/graph";
import { singlePropertyExpr } from "./row-sql.js";
import { physicalColumns, quoteIdent, type WarehouseTable } from "./table-model.js";

export interface MigrationStep {
  kind: "create_table" | "add_column" | "backfill" | "create_index";
  table: string;
  column?: string;
  sql: string;
}

export interface MigrationPlan {
  steps: MigrationStep[];
  /** Columns whose stored type differs from the declared one: reported, never rewritten. */
  conflicts: string[];
}

/** DuckDB reports some types under other names (`duckdb_columns().data_type`). */
export function normaliseType(duckType: string): string {
  const t = duckType.trim().toUpperCase();
  if (t === "TIMESTAMP WITH TIME ZONE") return "TIMESTAMPTZ";
  return t;
}

export function columnDdl(c: ColumnDef): string {
  return `${quoteIdent(c.name)} ${c.type satisfies ColumnType}`;
}

export function createTableSql(table: WarehouseTable): string {
  const cols = physicalColumns(table).map(columnDdl);
  if (table.primaryKey?.length) cols.push(`PRIMARY KEY (${table.primaryKey.map(quoteIdent).join(", ")})`);
  return `CREATE TABLE ${quoteIdent(table.name)} (${cols.join(", ")})`;
}

/**
 * Brings the database to the declared tables without ever dropping anything: missing tables are
 * created, missing columns added (old rows get NULL, or the value found in `_raw` for a new Graph
 * property), columns no longer declared stay so old queries keep working.
 */
export function planMigration(
  tables: readonly WarehouseTable[],
  existing: ReadonlyMap<string, ReadonlyMap<string, string>>,
  existingIndexes: ReadonlySet<string> = new Set(),
): MigrationPlan {
  const creates: MigrationStep[] = [];
  const steps: MigrationStep[] = [];
  const indexes: MigrationStep[] = [];
  const conflicts: string[] = [];
  for (const table of tables) {
    const have = existing.get(table.name);
    for (const idx of table.indexes ?? []) {
      if (existingIndexes.has(idx.name)) continue;
      indexes.push({
        kind: "create_index",
        table: table.name,
        sql: `CREATE INDEX ${quoteIdent(idx.name)} ON ${quoteIdent(table.name)} (${idx.columns.map(quoteIdent).join(", ")})`,
      });
    }
    if (!have) {
      creates.push({ kind: "create_table", table: table.name, sql: createTableSql(table) });
      continue;
    }
    for (const c of physicalColumns(table)) {
      const type = have.get(c.name);
      if (type === undefined) {
        steps.push({
          kind: "add_column",
          table: table.name,
          column: c.name,
          sql: `ALTER TABLE ${quoteIdent(table.name)} ADD COLUMN ${columnDdl(c)}`,
        });
        if (table.kind === "resource" && c.property) {
          const expr = singlePropertyExpr({ ...c, property: c.property }, `"_raw"`);
          steps.push({
            kind: "backfill",
            table: table.name,
            column: c.name,
            sql: `UPDATE ${quoteIdent(table.name)} SET ${quoteIdent(c.name)} = ${expr} WHERE "_raw" IS NOT NULL`,
          });
        }
      } else if (normaliseType(type) !== c.type) {
        conflicts.push(`${table.name}.${c.name} is ${normaliseType(type)}, declared ${c.type}`);
      }
    }
  }
  return { steps: [...creates, ...steps, ...indexes], conflicts };
}
