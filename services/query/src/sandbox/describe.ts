import type { DuckDBConnection } from "@duckdb/node-api";

export interface DescribedTable {
  name: string;
  columns: Array<{ name: string; type: string }>;
}

/** Every table (view) of the sandbox with its columns and DuckDB type names, in column order. */
export async function describeTables(conn: DuckDBConnection): Promise<DescribedTable[]> {
  const reader = await conn.runAndReadAll(
    `SELECT table_name, column_name, data_type
       FROM duckdb_columns()
      WHERE database_name = current_database() AND schema_name = 'main'
      ORDER BY table_name, column_index`,
  );
  const tables = new Map<string, DescribedTable>();
  for (const [table, column, type] of reader.getRowsJson()) {
    const name = String(table);
    let t = tables.get(name);
    if (!t) {
      t = { name, columns: [] };
      tables.set(name, t);
    }
    t.columns.push({ name: String(column), type: String(type) });
  }
  return [...tables.values()];
}
