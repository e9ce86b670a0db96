import {
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBValueConverter,
  type Json,
  JsonDuckDBValueConverter,
} from "@duckdb/node-api";

/**
 * How result values become JSON for API users: integers as numbers while they are exact (else strings),
 * timestamps as ISO 8601, LIST → array, STRUCT → object, JSON columns → the parsed value.
 * Everything else follows the bindings' JSON converter (which recurses back through this one).
 */
export const toApiJson: DuckDBValueConverter<Json> = (value, type, self) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return typeof value === "bigint" ? safeNumber(value) : String(value);
    case DuckDBTypeId.DECIMAL: {
      // Up to 15 digits a double holds the decimal exactly; wider decimals stay strings.
      const text = String(value);
      return type.width <= 15 ? Number(text) : text;
    }
    case DuckDBTypeId.TIMESTAMP_TZ:
      return value instanceof DuckDBTimestampTZValue ? isoFromMicros(value.micros, "Z") : String(value);
    case DuckDBTypeId.TIMESTAMP:
      return value instanceof DuckDBTimestampValue ? isoFromMicros(value.micros, "") : String(value);
    case DuckDBTypeId.VARCHAR:
      if (type.alias === "JSON" && typeof value === "string") return parseJsonOrText(value);
      return JsonDuckDBValueConverter(value, type, self);
    default:
      return JsonDuckDBValueConverter(value, type, self);
  }
};

function safeNumber(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

function parseJsonOrText(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

const MICROS_PER_SECOND = 1_000_000n;
// JavaScript dates cover ±8.64e15 ms; DuckDB timestamps reach further (and ±infinity).
const MAX_DATE_MICROS = 8_640_000_000_000_000_000n;

/** `2026-01-02T03:04:05.123456Z` (micro digits only when present). */
export function isoFromMicros(micros: bigint, zone: "Z" | ""): string {
  if (micros >= MAX_DATE_MICROS) return "infinity";
  if (micros <= -MAX_DATE_MICROS) return "-infinity";
  const seconds = floorDiv(micros, MICROS_PER_SECOND);
  const fraction = micros - seconds * MICROS_PER_SECOND;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  let frac = "";
  if (fraction !== 0n) {
    const digits = fraction.toString().padStart(6, "0");
    frac = `.${fraction % 1000n === 0n ? digits.slice(0, 3) : digits}`;
  }
  return `${base}${frac}${zone}`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
