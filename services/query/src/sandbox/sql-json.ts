import { type DuckDBType, DuckDBTypeId } from "@duckdb/node-api";
import { quoteLiteral } from "./type-names.js";

/**
 * The API's JSON text of one result row, written by DuckDB itself: one SQL expression over the
 * positional columns `#1…#n` of the analyst's statement, so each value is converted exactly once, in
 * DuckDB, and JavaScript only joins finished row texts. It yields the same JSON values as
 * `toApiJson` (json-values.ts): integers as numbers while exact, else strings; timestamps ISO 8601
 * with milli or micro digits only when present; LIST → array; STRUCT → object; JSON columns
 * embedded. Types it cannot render exactly like `toApiJson` make it answer null, and the caller
 * converts those results in JavaScript instead (same values, slower).
 */
export function rowJsonExpression(names: readonly string[], types: readonly DuckDBType[]): string | null {
  if (names.length === 0) return null;
  const pairs: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const value = valueJson(types[i]!, `#${i + 1}`);
    if (value === null) return null;
    pairs.push(`${quoteLiteral(names[i]!)}, ${value}`);
  }
  return `json_object(${pairs.join(", ")})::VARCHAR`;
}

/** Largest integer a double holds exactly (Number.MAX_SAFE_INTEGER). */
const SAFE = "9007199254740991";

/**
 * A JSON-typed expression, or one whose value json_object writes as toApiJson would (scalars, text,
 * plain lists and structs), or null. JSON-typed arguments cost json_object a parse each, so only
 * the values that must switch between a number and a string go through to_json.
 */
function valueJson(type: DuckDBType, ref: string): string | null {
  switch (type.typeId) {
    case DuckDBTypeId.SQLNULL:
      return "NULL";
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return ref;
    case DuckDBTypeId.VARCHAR:
      // A JSON column is embedded as its value; text that is not valid JSON stays a string.
      if (type.alias === "JSON")
        return `CASE WHEN json_valid(${ref}) THEN ${ref}::JSON ELSE to_json(${ref}::VARCHAR) END`;
      return type.alias ? null : ref;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return `CASE WHEN ${ref} BETWEEN -${SAFE} AND ${SAFE} THEN to_json(${ref}) ELSE to_json(${ref}::VARCHAR) END`;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      // A FLOAT widens to the double JavaScript would see; NaN and ±Infinity are strings.
      return `CASE WHEN isnan(${ref}) THEN to_json('NaN') WHEN isinf(${ref}) THEN to_json(CASE WHEN ${ref} > 0 THEN 'Infinity' ELSE '-Infinity' END) ELSE to_json(${ref}::DOUBLE) END`;
    case DuckDBTypeId.DECIMAL:
      // Up to 15 digits a double holds the decimal exactly (as toApiJson's Number(text)).
      return type.width <= 15 ? `to_json(${ref}::DOUBLE)` : null;
    case DuckDBTypeId.TIMESTAMP_TZ:
      return isoTimestamp(ref, "Z");
    case DuckDBTypeId.TIMESTAMP:
      return isoTimestamp(ref, "");
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
      // json_object writes a list or struct itself; wrapping it in to_json would make json_object
      // parse the text back before writing it again.
      return plainNested(type) ? ref : null;
    default:
      return null;
  }
}

/** Containers whose leaves DuckDB's to_json writes exactly as toApiJson does. */
function plainNested(type: DuckDBType): boolean {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.SQLNULL:
      return true;
    case DuckDBTypeId.VARCHAR:
      return !type.alias;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return plainNested(type.valueType);
    case DuckDBTypeId.STRUCT:
      return type.entryTypes.length > 0 && type.entryTypes.every(plainNested);
    default:
      return false;
  }
}

/**
 * `2026-01-02T03:04:05.123456Z` from the epoch microseconds, as isoFromMicros: no time zone setting
 * involved, fraction digits only when present (3 when whole milliseconds), ±infinity as strings.
 */
function isoTimestamp(ref: string, zone: "Z" | ""): string {
  const us = `epoch_us(${ref})`;
  const frac = `((${us} % 1000000) + 1000000) % 1000000`;
  const fraction = `CASE WHEN ${frac} = 0 THEN '' WHEN ${frac} % 1000 = 0 THEN '.' || lpad((${frac} // 1000)::VARCHAR, 3, '0') ELSE '.' || lpad((${frac})::VARCHAR, 6, '0') END`;
  const text = `strftime(make_timestamp(${us}), '%Y-%m-%dT%H:%M:%S') || ${fraction} || '${zone}'`;
  return `CASE WHEN ${ref} = 'infinity' THEN 'infinity' WHEN ${ref} = '-infinity' THEN '-infinity' ELSE ${text} END`;
}
