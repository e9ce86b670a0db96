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
import { rowJsonExpression } from "./sql-json.js";
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
  /** Stream the text in parts of about this many characters (see TextSink). */
  partChars?: number;
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

/** Name of the column holding each row's API JSON text when DuckDB writes it (rowJsonExpression). */
const JSON_COLUMN = "__tl_row";
/**
 * DuckDB writes the JSON of rows measured up to this size; wider rows (rare: a large blob or
 * document) are converted in JavaScript after the byte cap check, so a chunk of huge rows never
 * has a JSON copy inside DuckDB as well.
 */
const ROW_JSON_MAX_BYTES = 16_384;

interface Wrapped {
  prepared: DuckDBPreparedStatement;
  /** Whether the result ends with the JSON_COLUMN (after the size column). */
  json: boolean;
  /** The wrapped statement's text (kept in StatementPlans). */
  text: string;
}

/** What a statement becomes once wrapped: the text to prepare next time, without the first bind. */
interface Plan {
  text: string;
  json: boolean;
}

/**
 * Wrapped statement texts of one sandboxed instance, by (SQL text, row cap, format family). The
 * wrapper is built from the statement's bound column names and types, which depend only on the SQL
 * and the instance's (immutable) generation, so a statement asked again is prepared once, already
 * wrapped, instead of twice. The parser check still runs first every time (its verdict is cached
 * by statement-guard.ts), and the wrapped statement's type is checked again. Bounded; least
 * recently used first out.
 */
export class StatementPlans {
  private readonly plans = new Map<string, Plan>();

  constructor(
    private readonly maxEntries = 128,
    private readonly maxSqlChars = 32_768,
  ) {}

  get(key: string): Plan | undefined {
    const plan = this.plans.get(key);
    if (plan) {
      this.plans.delete(key);
      this.plans.set(key, plan);
    }
    return plan;
  }

  set(key: string, plan: Plan): void {
    if (key.length > this.maxSqlChars) return;
    this.plans.set(key, plan);
    if (this.plans.size > this.maxEntries) {
      const oldest = this.plans.keys().next().value;
      if (oldest !== undefined) this.plans.delete(oldest);
    }
  }

  delete(key: string): void {
    this.plans.delete(key);
  }

  get size(): number {
    return this.plans.size;
  }
}

/** Prepares a remembered wrapped statement; null (and forgotten) if it is not a plain SELECT any more. */
async function preparePlanned(conn: DuckDBConnection, plan: Plan): Promise<Wrapped | null> {
  const prepared = await conn.prepare(plan.text);
  if (prepared.statementType !== StatementType.SELECT || prepared.parameterCount > 0) {
    prepared.destroySync();
    return null;
  }
  return { prepared, json: plan.json, text: plan.text };
}

/**
 * How a statement runs: wrapped so DuckDB measures every row before it leaves DuckDB (the service
 * then stops at the byte cap without converting a value that would not fit, however large one
 * value is); for JSON and NDJSON, DuckDB also writes each row's API JSON text (JSON_COLUMN), so
 * rows are not converted value by value in JavaScript. The wrapper ends in `LIMIT maxRows + 1`:
 * DuckDB stops producing rows past the cap (one more tells that the answer is truncated), which
 * turns an ORDER BY into a top-N instead of a full sort of everything that matched.
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
  opts: { maxRows: number; sqlJson: boolean },
): Promise<Wrapped | null> {
  if (checked.statementType === StatementType.EXPLAIN) return null;
  const count = checked.columnCount;
  const types = Array.from({ length: count }, (_, i) => checked.columnType(i));
  const names = opts.sqlJson ? uniqueNames(checked, count) : null;
  const rowJson = names ? rowJsonExpression(names, types) : null;
  const size = types.length > 0 ? types.map(sizeExpression).join(" + ") : "0";
  const limit = `LIMIT ${Math.min(opts.maxRows, Number.MAX_SAFE_INTEGER - 1) + 1}`;
  const wrapText = (inner: string) => {
    const measured = `SELECT *, CAST(${size} AS BIGINT) AS ${SIZE_COLUMN} FROM (\n${inner}\n) AS __tl_q ${limit}`;
    if (!rowJson) return measured;
    return `SELECT *, CASE WHEN ${SIZE_COLUMN} <= ${ROW_JSON_MAX_BYTES} THEN ${rowJson} END AS ${JSON_COLUMN} FROM (${measured}) AS __tl_m`;
  };
  const json = rowJson !== null;
  const wrap = async (inner: string): Promise<Wrapped> => {
    const text = wrapText(inner);
    return { prepared: await conn.prepare(text), json, text };
  };
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
 * The statement's column names when they are unique (case-insensitively, as DuckDB compares
 * them), else null: a subquery renames duplicates, and the JavaScript path shows DuckDB's renaming.
 */
function uniqueNames(checked: DuckDBPreparedStatement, count: number): string[] | null {
  const names = Array.from({ length: count }, (_, i) => checked.columnName(i));
  return new Set(names.map((n) => n.toLowerCase())).size === names.length ? names : null;
}

/**
 * Runs one analyst statement on a sandboxed connection: parser check, prepare, then streams chunks
 * until the row or byte cap, encoding as it goes so a huge result never sits in memory twice. The
 * byte cap holds for every row, the first included: a row that alone passes it is not converted,
 * and the answer is empty with `truncated: true`. With `onPart` (and `partChars`) the text leaves
 * in parts as it is produced.
 */
export async function runQuery(
  conn: DuckDBConnection,
  req: RunRequest,
  exporter: ParquetExporter,
  onPart?: (text: string, columns: RunColumn[]) => void,
  plans?: StatementPlans,
): Promise<RunResult> {
  await checkReadOnly(conn, req.sql);
  const sqlJson = req.format === "json" || req.format === "ndjson";
  // The service's own parameterised queries (history) are small by construction and run as they are.
  const planKey = req.params || !plans ? null : `${sqlJson ? "j" : "v"}${req.maxRows}\n${req.sql}`;
  const plan = planKey === null ? undefined : plans?.get(planKey);
  let wrapped = plan ? await preparePlanned(conn, plan) : null;
  let checked: DuckDBPreparedStatement | null = null;
  if (!wrapped) {
    if (plan && planKey !== null) plans?.delete(planKey);
    const bound = await prepareReadOnly(conn, req.sql, req.params);
    checked = bound;
    wrapped = req.params
      ? null
      : await prepareMeasured(conn, bound, req.sql, { maxRows: req.maxRows, sqlJson }).catch(
          (err: unknown) => {
            bound.destroySync();
            throw err;
          },
        );
    if (wrapped && planKey !== null) plans?.set(planKey, { text: wrapped.text, json: wrapped.json });
  }
  const measured = wrapped?.prepared ?? null;
  const prepared = measured ?? checked;
  if (!prepared) throw new Error("no statement to run");
  let result: DuckDBResult;
  try {
    result = await prepared.stream();
  } finally {
    checked?.destroySync();
    measured?.destroySync();
  }
  const width = result.columnCount - (measured ? 1 : 0) - (wrapped?.json ? 1 : 0);
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
  const sink = new TextSink(req.partChars, onPart && ((t) => onPart(t, columns)));
  sink.push(encoder.start);
  let bytes = encoder.start.length + encoder.end.length;
  let rowCount = 0;
  let truncated = false;
  read: for (;;) {
    const chunk: DuckDBDataChunk | null = await result.fetchChunk();
    // rowCount asks DuckDB each time it is read: once per chunk, not once per row.
    const chunkRows = chunk?.rowCount ?? 0;
    if (!chunk || chunkRows === 0) break;
    const jsonTexts = wrapped?.json ? chunk.getColumnVector(width + 1) : null;
    // Row by row, so the byte cap stops conversion before a wide chunk fills the heap; and with the
    // result's column types, because a chunk's vector types lose aliases such as JSON.
    for (let r = 0; r < chunkRows; r++) {
      if (rowCount >= req.maxRows || bytes + rowBytes(chunk, r) > req.maxResultBytes) {
        truncated = true;
        break read;
      }
      const written = jsonTexts?.getItem(r);
      let text: string;
      if (typeof written === "string") {
        text = encoder.rowText(written, rowCount === 0);
      } else {
        const row: Record<string, Json> = {};
        for (let i = 0; i < width; i++) {
          row[names[i]!] = toApiJson(chunk.getColumnVector(i).getItem(r), types[i]!, toApiJson);
        }
        text = encoder.row(row, rowCount === 0);
      }
      if (bytes + text.length > req.maxResultBytes) {
        truncated = true;
        break read;
      }
      sink.push(text);
      bytes += text.length;
      rowCount += 1;
    }
  }
  sink.push(encoder.end);
  const text = sink.rest();
  const body: RunBody =
    req.format === "json"
      ? { kind: "json", text }
      : { kind: "bytes", bytes: Buffer.from(text, "utf8"), contentType: CONTENT_TYPES[req.format] };
  return { columns, rowCount, truncated, body };
}

/**
 * Collects an answer's text; with a part size and a receiver (a streamed answer) it hands over a
 * part each time about that many characters have gathered, so the first rows leave before the last
 * are read. `rest()` is what was not handed over (all of it when not streaming).
 */
class TextSink {
  private parts: string[] = [];
  private chars = 0;

  constructor(
    private readonly partChars: number | undefined,
    private readonly onPart: ((text: string) => void) | undefined,
  ) {}

  push(text: string): void {
    if (text === "") return;
    this.parts.push(text);
    this.chars += text.length;
    if (this.onPart && this.partChars && this.chars >= this.partChars) this.onPart(this.rest());
  }

  rest(): string {
    const text = this.parts.join("");
    this.parts = [];
    this.chars = 0;
    return text;
  }
}

interface Encoder {
  start: string;
  row(row: Record<string, Json>, first: boolean): string;
  /** A row DuckDB already wrote as JSON (JSON and NDJSON only). */
  rowText(json: string, first: boolean): string;
  end: string;
}

function encoderFor(format: Exclude<ResultFormat, "parquet">, names: string[]): Encoder {
  switch (format) {
    case "json":
      return {
        start: "[",
        row: (r, first) => (first ? "" : ",") + JSON.stringify(r),
        rowText: (j, first) => (first ? j : `,${j}`),
        end: "]",
      };
    case "ndjson":
      return { start: "", row: (r) => ndjsonRow(r), rowText: (j) => `${j}\n`, end: "" };
    case "csv":
      return {
        start: csvHeader(names),
        row: (r) => csvRow(names, r),
        rowText: () => {
          throw new Error("CSV rows are never written by DuckDB");
        },
        end: "",
      };
  }
}
