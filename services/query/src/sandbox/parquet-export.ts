import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { type DuckDBConnection, DuckDBInstance, type DuckDBResult } from "@duckdb/node-api";
import type { RunBody } from "./run-query.js";
import { duckdbTypeName, quoteIdent, quoteLiteral } from "./type-names.js";

export interface ExportResult {
  rowCount: number;
  truncated: boolean;
  body: RunBody;
}

/**
 * Writes query results to Parquet. The sandbox cannot write files (COPY is refused and external access
 * is off), so result chunks are appended into a separate DuckDB that runs only this module's SQL and may
 * write only into its own export directory.
 */
export class ParquetExporter {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly dir: string,
  ) {}

  static async open(dir: string): Promise<ParquetExporter> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const instance = await DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      threads: "1",
    });
    const conn = await instance.connect();
    try {
      await conn.run(`SET allowed_directories = [${quoteLiteral(dir)}]`);
      await conn.run("SET enable_external_access = false");
      await conn.run("SET lock_configuration = true");
    } finally {
      conn.closeSync();
    }
    return new ParquetExporter(instance, dir);
  }

  async export(result: DuckDBResult, caps: ExportCaps): Promise<ExportResult> {
    const id = Math.random().toString(36).slice(2, 12);
    const table = `r_${id}`;
    const file = path.join(this.dir, `${id}.parquet`);
    const types = result.columnTypes();
    const conn = await this.instance.connect();
    try {
      // The measuring column (if any) travels into the table and stays out of the file.
      const names = caps.sizeColumn === null ? caps.names : [...caps.names, SIZE_COLUMN];
      const cols = names.map((n, i) => `${quoteIdent(n)} ${duckdbTypeName(types[i]!)}`).join(", ");
      await conn.run(`CREATE TABLE ${table} (${cols})`);
      const { rowCount, truncated } = await appendCapped(conn, table, result, caps);
      const select = caps.sizeColumn === null ? table : `(SELECT * EXCLUDE (${SIZE_COLUMN}) FROM ${table})`;
      await conn.run(`COPY ${select} TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`);
      const bytes = await readFile(file);
      return {
        rowCount,
        truncated,
        body: { kind: "bytes", bytes, contentType: "application/vnd.apache.parquet" },
      };
    } finally {
      await conn.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      conn.closeSync();
      await rm(file, { force: true });
    }
  }

  close(): void {
    this.instance.closeSync();
  }
}

export interface ExportCaps {
  names: string[];
  maxRows: number;
  /** Stop before the measured rows pass this many bytes (the Parquet file is smaller still). */
  maxBytes: number;
  /** Index of the column holding each row's measured size, or null when the result is unmeasured. */
  sizeColumn: number | null;
}

const SIZE_COLUMN = "__tl_row_bytes";

async function appendCapped(
  conn: DuckDBConnection,
  table: string,
  result: DuckDBResult,
  caps: ExportCaps,
): Promise<{ rowCount: number; truncated: boolean }> {
  const appender = await conn.createAppender(table);
  let rowCount = 0;
  let bytes = 0;
  let truncated = false;
  try {
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      if (rowCount >= caps.maxRows) {
        truncated = true;
        break;
      }
      let fits = Math.min(chunk.rowCount, caps.maxRows - rowCount);
      if (caps.sizeColumn !== null) {
        const sizes = chunk.getColumnVector(caps.sizeColumn);
        for (let r = 0; r < fits; r++) {
          const size = Number(sizes.getItem(r));
          if (bytes + size > caps.maxBytes) {
            fits = r;
            break;
          }
          bytes += size;
        }
      }
      if (fits < chunk.rowCount) {
        chunk.rowCount = fits;
        truncated = true;
      }
      appender.appendDataChunk(chunk);
      rowCount += chunk.rowCount;
      if (truncated) break;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return { rowCount, truncated };
}
