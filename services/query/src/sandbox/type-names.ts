import { type DuckDBType, DuckDBTypeId } from "@duckdb/node-api";

/**
 * DuckDB's own name for a column type, keeping aliases (JSON) at every nesting level: the bindings'
 * toString() drops the JSON alias inside LIST/STRUCT/MAP, which would hide JSON columns from users.
 */
export function duckdbTypeName(type: DuckDBType): string {
  if (type.alias) return type.alias;
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
      return `${duckdbTypeName(type.valueType)}[]`;
    case DuckDBTypeId.ARRAY:
      return `${duckdbTypeName(type.valueType)}[${type.length}]`;
    case DuckDBTypeId.STRUCT:
      return `STRUCT(${type.entryNames
        .map((name, i) => `${quoteIdent(name)} ${duckdbTypeName(type.entryTypes[i] as DuckDBType)}`)
        .join(", ")})`;
    case DuckDBTypeId.MAP:
      return `MAP(${duckdbTypeName(type.keyType)}, ${duckdbTypeName(type.valueType)})`;
    default:
      return type.toString();
  }
}

/** Double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Single-quoted SQL string literal (only for trusted values such as our own file paths). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
