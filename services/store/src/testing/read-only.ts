import { DuckDBInstance } from "@duckdb/node-api";

/** Runs `use` with a read-only query function over a stopped store's warehouse file (tests). */
export async function withWarehouse<T>(
  file: string,
  use: (rows: (sql: string) => Promise<Array<Record<string, unknown>>>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const conn = await instance.connect();
  try {
    return await use(
      async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
