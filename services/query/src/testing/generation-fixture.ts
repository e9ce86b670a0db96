import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Generation } from "@tenantlens/contracts";
import {
  type ColumnDef,
  catalog,
  changeColumns,
  leadingColumns,
  systemTableSchema,
  trailingColumns,
} from "@tenantlens/graph";
import { quoteIdent, quoteLiteral } from "../sandbox/type-names.js";

export type FixtureRow = Record<string, unknown>;
/** Rows as objects (missing columns are NULL) or a SELECT whose columns are matched by name. */
export type FixtureTable = FixtureRow[] | { sql: string };

export interface WriteGenerationOptions {
  /** Root like the store's `<data>/generations`; files go to `<root>/<workspace>/<generation>/`. */
  root: string;
  workspaceId: string;
  generationId: number;
  /** Table name → rows. Catalog tables and their `_changes` twins get the catalog's schema. */
  tables: Record<string, FixtureTable>;
  /** Schemas for tables the catalog does not know: name → [column, DuckDB type][]. */
  schemas?: Record<string, Array<[string, string]>>;
  /** Also create every catalog table (empty) that `tables` does not mention. */
  allCatalogTables?: boolean;
}

/** The columns a table has in the warehouse, as the store lays it out (docs/warehouse.md, libs/graph). */
export function warehouseSchema(table: string): Array<[string, string]> | undefined {
  const pick = (cols: readonly ColumnDef[]) => cols.map((c): [string, string] => [c.name, c.type]);
  for (const r of catalog) {
    if (r.table === table) return pick([...leadingColumns, ...r.columns, ...trailingColumns]);
    if (`${r.table}_changes` === table) return pick(changeColumns);
  }
  const system = systemTableSchema(table);
  if (system) return system.columns.map((c) => [c.name, c.type]);
  return undefined;
}

/**
 * Writes a Parquet generation and its manifest the way the store does, so query tests and the
 * benchmark do not depend on the store service.
 */
export async function writeGeneration(opts: WriteGenerationOptions): Promise<Generation> {
  const dir = path.join(opts.root, opts.workspaceId, String(opts.generationId));
  await mkdir(dir, { recursive: true });
  const names = new Set(Object.keys(opts.tables));
  if (opts.allCatalogTables) for (const r of catalog) names.add(r.table);
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  const tables: Generation["tables"] = [];
  try {
    for (const name of [...names].sort()) {
      const schema = opts.schemas?.[name] ?? warehouseSchema(name);
      if (!schema) throw new Error(`fixture: no schema for table ${name}`);
      const t = quoteIdent(name);
      await conn.run(`CREATE TABLE ${t} (${schema.map(([c, ty]) => `${quoteIdent(c)} ${ty}`).join(", ")})`);
      const data = opts.tables[name] ?? [];
      if (Array.isArray(data)) {
        if (data.length > 0) {
          const ndjson = path.join(dir, `${name}.fixture.ndjson`);
          await writeFile(ndjson, data.map((r) => JSON.stringify(r)).join("\n"));
          const columns = schema.map(([c, ty]) => `${quoteLiteral(c)}: ${quoteLiteral(ty)}`).join(", ");
          await conn.run(
            `INSERT INTO ${t} SELECT * FROM read_json(${quoteLiteral(ndjson)}, format = 'newline_delimited', columns = {${columns}})`,
          );
          await rm(ndjson);
        }
      } else {
        await conn.run(`INSERT INTO ${t} BY NAME ${data.sql}`);
      }
      const file = path.join(dir, `${name}.parquet`);
      await conn.run(`COPY ${t} TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`);
      const count = await conn.runAndReadAll(`SELECT count(*) FROM ${t}`);
      tables.push({ name, file, rows: Number(count.getRowsJson()[0]?.[0] ?? 0), changed: true });
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const generation: Generation = {
    workspaceId: opts.workspaceId,
    generationId: opts.generationId,
    manifestPath: path.join(dir, "manifest.json"),
    committedAt: new Date().toISOString(),
    pollIds: [],
    tables,
  };
  await writeFile(generation.manifestPath, `${JSON.stringify(generation, null, 2)}\n`);
  return generation;
}
