import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult, DuckDBValue, Json } from "@duckdb/node-api";
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

/**
 * Runs one analyst statement on a sandboxed connection: parser check, prepare, then streams chunks
 * until the row or byte cap, encoding as it goes so a huge result never sits in memory twice.
 */
export async function runQuery(
  conn: DuckDBConnection,
  req: RunRequest,
  exporter: ParquetExporter,
): Promise<RunResult> {
  await checkReadOnly(conn, req.sql);
  const prepared = await prepareReadOnly(conn, req.sql, req.params);
  let result: DuckDBResult;
  try {
    result = await prepared.stream();
  } finally {
    prepared.destroySync();
  }
  const names = result.deduplicatedColumnNames();
  const types = result.columnTypes();
  const columns = names.map((name, i) => ({ name, type: duckdbTypeName(types[i]!) }));

  if (req.format === "parquet") {
    const out = await exporter.export(result, names, req.maxRows);
    return { columns, rowCount: out.rowCount, truncated: out.truncated, body: out.body };
  }

  const encoder = encoderFor(req.format, names);
  const parts: string[] = [encoder.start];
  let bytes = encoder.start.length;
  let rowCount = 0;
  let truncated = false;
  read: for (;;) {
    const chunk: DuckDBDataChunk | null = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    // Row by row, so the byte cap stops conversion before a wide chunk fills the heap; and with the
    // result's column types, because a chunk's vector types lose aliases such as JSON.
    for (let r = 0; r < chunk.rowCount; r++) {
      if (rowCount >= req.maxRows) {
        truncated = true;
        break read;
      }
      const values = chunk.getRowValues(r);
      const row: Record<string, Json> = {};
      for (let i = 0; i < names.length; i++)
        row[names[i]!] = toApiJson(values[i] ?? null, types[i]!, toApiJson);
      const text = encoder.row(row, rowCount === 0);
      if (bytes + text.length > req.maxResultBytes && rowCount > 0) {
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
