import { DuckDBInstance } from "@duckdb/node-api";

/**
 * Rows per table of a DuckDB file whose workspace column (any of `columns`) equals `value`, read
 * with the file opened read-only: the service that owns it must be stopped. Tables without such a
 * column are not listed.
 */
export async function rowsByWorkspace(
  file: string,
  value: string,
  columns: readonly string[] = ["workspace_id", "_tl_workspace_id"],
): Promise<Record<string, number>> {
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const conn = await instance.connect();
  try {
    const found = (
      await conn.runAndReadAll(
        `SELECT table_name, column_name FROM duckdb_columns()
         WHERE database_name = current_database() AND schema_name = 'main'
           AND list_contains($cols::VARCHAR[], column_name) ORDER BY table_name`,
        { cols: `[${columns.join(",")}]` },
      )
    ).getRowObjectsJson();
    const out: Record<string, number> = {};
    for (const r of found) {
      const table = String(r.table_name);
      const column = String(r.column_name);
      const [row] = (
        await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM "${table}" WHERE "${column}" = $v`, {
          v: value,
        })
      ).getRowObjectsJson();
      out[table] = Number(row?.n ?? 0);
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
