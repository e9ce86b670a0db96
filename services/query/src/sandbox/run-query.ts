import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBPreparedStatement,
  type DuckDBResult,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type Json,
  StatementType,
} from "@duckdb/node-api";
import type { ResultFormat } from "@tenantlens/contracts";
import { csvHeader, csvRow, ndjsonRow } from "../domain/csv.js";
import { toApiJson } from "./json-values.js";
import type { ParquetExporter } from "./parquet-export.js";
import { checkReadOnly, prepareReadOnly } from "./statement-guard.js";
import { duckdbTypeName } from "./type-names.js";

export interface RunRequest {
  sql: string;
  maxRows: number;
  format: ResultFormat;
  /** Stop reading (and set `truncated`) once the encoded result passes this many bytes. */
  maxResultBytes: number;
  /** Bound parameters: only for the service's own queries (history), never for analyst SQL. */
  params?: readonly DuckDBValue[];
}

export interface RunColumn {
  name: string;
  type: string;
}

export type RunBody =
  | { kind: "json"; text: string }
  | { kind: "bytes"; bytes: Uint8Array; contentType: string };

export interface RunResult {
  columns: RunColumn[];
  rowCount: number;
  truncated: boolean;
  body: RunBody;
}

export const CONTENT_TYPES: Record<ResultFormat, string> = {
  json: "application/json",
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson",
  parquet: "application/vnd.apache.parquet",
};

/** Name of the column the service adds to measure each row (never shown to users). */
const SIZE_COLUMN = "__tl_row_bytes";

/** Bytes a value of this type takes, as SQL over the positional column `#i` (null counts 4). */
function sizeExpression(type: DuckDBType, i: number): string {
  const ref = `#${i + 1}`;
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return `coalesce(strlen(${ref}), 4)`;
    case DuckDBTypeId.BLOB:
      return `coalesce(octet_length(${ref}), 4)`;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.UNION:
    case DuckDBTypeId.BIT:
    case DuckDBTypeId.BIGNUM:
      return `coalesce(strlen(CAST(${ref} AS VARCHAR)), 4)`;
    default:
      return "24";
  }
}

/**
 * The statement wrapped so DuckDB measures every row before it leaves DuckDB: the service then
 * stops at the byte cap without converting a value that would not fit, however large one value is.
 * The guard accepted exactly one statement, so its text goes in as it is (a trailing semicolon
 * dropped; the newlines keep a trailing line comment from swallowing the parenthesis). Only when
 * that does not prepare (a comment after the semicolon, say) is the statement first rewritten by
 * DuckDB's own parser: that rewrite is not always faithful (it turns `a CROSS JOIN b LEFT JOIN c`
 * into `a, b LEFT JOIN c`, which binds differently), so it is the fallback, never the first try.
 * EXPLAIN (plan text, never table data) runs as is.
 */
async function prepareMeasured(
  conn: DuckDBConnection,
  checked: DuckDBPreparedStatement,
  sql: string,
): Promise<DuckDBPreparedStatement | null> {
  if (checked.statementType === StatementType.EXPLAIN) return null;
  const types = Array.from({ length: checked.columnCount }, (_, i) => checked.columnType(i));
  const size = types.length > 0 ? types.map(sizeExpression).join(" + ") : "0";
  const wrap = (inner: string) =>
    conn.prepare(`SELECT *, CAST(${size} AS BIGINT) AS ${SIZE_COLUMN} FROM (\n${inner}\n) AS __tl_q`);
  try {
    return await wrap(sql.replace(/;\s*$/, ""));
  } catch (first) {
    const reader = await conn.runAndReadAll("SELECT json_deserialize_sql(json_serialize_sql($1::VARCHAR))", [
      sql,
    ]);
    const normalized = String(reader.getRows()[0]?.[0] ?? "");
    return wrap(normalized).catch(() => {
      throw first;
    });
  }
}

/**
 * Runs one analyst statement on a sandboxed connection: parser check, prepare, then streams chunks
 * until the row or byte cap, encoding as it goes so a huge result never sits in memory twice. The
 * byte cap holds for every row, the first included: a row that alone passes it is not converted,
 * and the answer is empty with `truncated: true`.
 */
export async function runQuery(
  conn: DuckDBConnection,
  req: RunRequest,
  exporter: ParquetExporter,
): Promise<RunResult> {
  await checkReadOnly(conn, req.sql);
  const checked = await prepareReadOnly(conn, req.sql, req.params);
  // The service's own parameterised queries (history) are small by construction and run as they are.
  const measured = req.params
    ? null
    : await prepareMeasured(conn, checked, req.sql).catch((err: unknown) => {
        checked.destroySync();
        throw err;
      });
  const prepared = measured ?? checked;
  let result: DuckDBResult;
  try {
    result = await prepared.stream();
  } finally {
    checked.destroySync();
    measured?.destroySync();
  }
  const width = result.columnCount - (measured ? 1 : 0);
  const names = result.deduplicatedColumnNames().slice(0, width);
  const types = result.columnTypes().slice(0, width);
  const columns = names.map((name, i) => ({ name, type: duckdbTypeName(types[i]!) }));
  const rowBytes = measured
    ? (chunk: DuckDBDataChunk, r: number) => Number(chunk.getColumnVector(width).getItem(r))
    : () => 0;

  if (req.format === "parquet") {
    const out = await exporter.export(result, {
      names,
      maxRows: req.maxRows,
      maxBytes: req.maxResultBytes,
      sizeColumn: measured ? width : null,
    });
    return { columns, rowCount: out.rowCount, truncated: out.truncated, body: out.body };
  }

  const encoder = encoderFor(req.format, names);
  const parts: string[] = [encoder.start];
  let bytes = encoder.start.length + encoder.end.length;
  let rowCount = 0;
  let truncated = false;
  read: for (;;) {
    const chunk: DuckDBDataChunk | null = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    // Row by row, so the byte cap stops conversion before a wide chunk fills the heap; and with the
    // result's column types, because a chunk's vector types lose aliases such as JSON.
    for (let r = 0; r < chunk.rowCount; r++) {
      if (rowCount >= req.maxRows || bytes + rowBytes(chunk, r) > req.maxResultBytes) {
        truncated = true;
        break read;
      }
      const row: Record<string, Json> = {};
      for (let i = 0; i < width; i++) {
        row[names[i]!] = toApiJson(chunk.getColumnVector(i).getItem(r), types[i]!, toApiJson);
      }
      const text = encoder.row(row, rowCount === 0);
      if (bytes + text.length > req.maxResultBytes) {
        truncated = true;
        break read;
      }
      parts.push(text);
      bytes += text.length;
      rowCount += 1;
    }
  }
  parts.push(encoder.end);
  const text = parts.join("");
  const body: RunBody =
    req.format === "json"
      ? { kind: "json", text }
      : { kind: "bytes", bytes: Buffer.from(text, "utf8"), contentType: CONTENT_TYPES[req.format] };
  return { columns, rowCount, truncated, body };
}

interface Encoder {
  start: string;
  row(row: Record<string, Json>, first: boolean): string;
  end: string;
}

function encoderFor(format: Exclude<ResultFormat, "parquet">, names: string[]): Encoder {
  switch (format) {
    case "json":
      return { start: "[", row: (r, first) => (first ? "" : ",") + JSON.stringify(r), end: "]" };
    case "ndjson":
      return { start: "", row: (r) => ndjsonRow(r), end: "" };
    case "csv":
      return { start: csvHeader(names), row: (r) => csvRow(names, r), end: "" };
  }
}
