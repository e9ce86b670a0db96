import { readFile } from "node:fs/promises";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { Generation } from "@tenantlens/contracts";

/**
 * What a reader (the query service) does with a generation: read the manifest, create one view per
 * table over its Parquet file, install the as-of macros. Used by tests to read like a reader.
 */
export async function readManifest(manifestPath: string): Promise<Generation & { asOfSql?: string }> {
  const raw = JSON.parse(await readFile(manifestPath, "utf8")) as { asOfSql?: string };
  return { ...Generation.parse(raw), asOfSql: raw.asOfSql };
}

export async function openGeneration(
  manifestPath: string,
): Promise<{ conn: DuckDBConnection; generation: Generation; close(): void }> {
  const generation = await readManifest(manifestPath);
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  for (const t of generation.tables) {
    await conn.run(
      `CREATE VIEW "${t.name}" AS SELECT * FROM read_parquet('${t.file.replaceAll("'", "''")}')`,
    );
  }
  if (generation.asOfSql) await conn.run(await readFile(generation.asOfSql, "utf8"));
  return {
    conn,
    generation,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
