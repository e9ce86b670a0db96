import type { ColumnDef, ColumnType } from "@tenantlens/graph";
import { quoteIdent, quoteLiteral } from "./table-model.js";

/**
 * Graph object → typed row, done by DuckDB: `json_transform` parses the object once and casts each
 * property to its catalog type (ISO text → TIMESTAMPTZ, arrays → VARCHAR[], objects stay JSON).
 * Values of the wrong type become NULL instead of failing the page; `_raw` keeps the original.
 */
function specOf(type: ColumnType): unknown {
  return type === "VARCHAR[]" ? ["VARCHAR"] : type;
}

/** The `json_transform` structure for the columns that come from Graph properties. */
export function transformSpec(columns: readonly ColumnDef[]): string {
  const spec: Record<string, unknown> = {};
  for (const c of columns) if (c.property) spec[c.property] = specOf(c.type);
  return JSON.stringify(spec);
}

/** `json_transform(<rawExpr>, '<spec>')`: a STRUCT with one typed field per Graph property. */
export function transformExpr(columns: readonly ColumnDef[], rawExpr: string): string {
  return `json_transform(${rawExpr}, ${quoteLiteral(transformSpec(columns))})`;
}

/** For each property column: `<structExpr>."<property>"`, in column order. */
export function propertyValues(
  columns: readonly ColumnDef[],
  structExpr: string,
): { column: string; expr: string }[] {
  return columns
    .filter((c): c is ColumnDef & { property: string } => c.property !== null)
    .map((c) => ({ column: c.name, expr: `${structExpr}.${quoteIdent(c.property)}` }));
}

/** One property extracted from a JSON object and typed, e.g. to backfill a newly added column. */
export function singlePropertyExpr(column: ColumnDef & { property: string }, rawExpr: string): string {
  return `${transformExpr([column], rawExpr)}.${quoteIdent(column.property)}`;
}
