/**
 * Which functions and catalog relations analyst SQL may name. DuckDB's parser gives the statement
 * as a tree (json_serialize_sql); every function call, table function and relation in it is checked
 * here before anything is bound or run, so state-changing calls (logging, profiling, checkpoints,
 * settings, secrets, sleeping) and path-revealing catalogs are refused as a class.
 *
 * - Table functions: only those on TABLE_FUNCTIONS, and the store's `<table>_as_of` macros.
 * - Scalar, aggregate and window functions: DuckDB's built-ins that DuckDB marks free of side
 *   effects, and macros that are plain expressions (no subquery, so no hidden catalog read),
 *   except those on DENIED (they reveal server state or stall a worker).
 * - Catalog relations: only the few that describe tables and columns (CATALOG_RELATIONS); view
 *   definitions, settings, databases and logs would show server paths.
 */

export const TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  "range",
  "generate_series",
  "unnest",
  "json_each",
  "json_tree",
]);

/** The store's point-in-time table macros: `azuread_user_as_of(ts)` and siblings. */
const AS_OF_MACRO = /^[a-z][a-z0-9_]*_as_of$/;

/** Built-ins refused although side-effect free by DuckDB's own marking. */
export const DENIED: ReadonlySet<string> = new Set([
  "current_setting",
  "getvariable",
  "in_search_path",
  "txid_current",
  "current_query",
  "current_query_id",
  "current_connection_id",
  "current_transaction_id",
  "sleep_ms",
  "write_log",
  "setseed",
  "nextval",
  "currval",
  "stats",
]);

/**
 * Functions DuckDB marks as having side effects only so it never folds them into a constant: they
 * are not deterministic, or (`error`) they fail the query with the caller's own message. None
 * changes any state.
 */
const NONDETERMINISTIC_OK: ReadonlySet<string> = new Set([
  "error",
  "random",
  "uuid",
  "gen_random_uuid",
  "uuidv4",
  "uuidv7",
]);

/** Catalog relations analysts may read (they show names and types, never view text or paths). */
export const CATALOG_RELATIONS: ReadonlySet<string> = new Set([
  "information_schema.tables",
  "information_schema.columns",
  "information_schema.schemata",
  "duckdb_tables",
  "duckdb_columns",
  "duckdb_schemas",
  "duckdb_types",
]);

const CATALOG_SCHEMAS = new Set(["information_schema", "pg_catalog"]);

/** One row of duckdb_functions(), as far as the policy needs it. */
export interface CatalogFunction {
  name: string;
  type: string;
  hasSideEffects: boolean;
  macroDefinition: string | null;
}

export interface FunctionCatalog {
  /** Scalar, aggregate and macro names that may be called. */
  callable: ReadonlySet<string>;
  /** Names DuckDB knows (anything else is left for DuckDB to report as unknown). */
  known: ReadonlySet<string>;
  /** Internal catalog views (`duckdb_views`, `sqlite_master`, …), refused unless in CATALOG_RELATIONS. */
  internalViews: ReadonlySet<string>;
}

/** Builds the callable set from duckdb_functions() rows and the internal views' names. */
export function buildCatalog(
  functions: readonly CatalogFunction[],
  internalViews: readonly string[],
): FunctionCatalog {
  const known = new Set<string>();
  const refused = new Set<string>();
  // Table functions and pragmas are judged where they are used (TABLE_FUNCTIONS); a name such as
  // `repeat` or `range` is both, and only its scalar overloads matter in an expression.
  for (const f of functions.filter((fn) => ["scalar", "aggregate", "macro"].includes(fn.type))) {
    const name = f.name.toLowerCase();
    known.add(name);
    const sideEffects = f.hasSideEffects && !NONDETERMINISTIC_OK.has(name);
    const hiddenRead = f.type === "macro" && /\bselect\b/i.test(f.macroDefinition ?? "");
    if (sideEffects || hiddenRead || DENIED.has(name)) refused.add(name);
  }
  const callable = new Set([...known].filter((n) => !refused.has(n)));
  return { callable, known, internalViews: new Set(internalViews.map((v) => v.toLowerCase())) };
}

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

function refusedFunction(name: string): string {
  return `The function ${name} is not available in Tenantlens queries: they may call side-effect-free functions and the table functions ${[...TABLE_FUNCTIONS].join(", ")} and <table>_as_of; anything that reads settings, files or logs, or changes DuckDB's state, is refused.`;
}

function refusedRelation(name: string): string {
  return `${name} is not available in Tenantlens queries; to list tables and columns use information_schema.tables, information_schema.columns or GET /api/tables.`;
}

/**
 * The first reference in a parsed statement (json_serialize_sql's `statements[0].node`) that the
 * policy refuses, as a message for the analyst; null when everything in it may run.
 */
export function refusedReference(tree: unknown, catalog: FunctionCatalog): string | null {
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    if (!isNode(v)) continue;
    if (v.type === "TABLE_FUNCTION" && isNode(v.function)) {
      const name = String(v.function.function_name ?? "").toLowerCase();
      if (!TABLE_FUNCTIONS.has(name) && !AS_OF_MACRO.test(name)) return refusedFunction(name);
      stack.push(v.function.children);
      continue;
    }
    if (v.class === "FUNCTION" || (v.class === "WINDOW" && v.type === "WINDOW_AGGREGATE")) {
      const name = String(v.function_name ?? "").toLowerCase();
      if (catalog.known.has(name) && !catalog.callable.has(name)) return refusedFunction(name);
    }
    if (v.type === "BASE_TABLE") {
      const schema = String(v.schema_name ?? "").toLowerCase();
      const table = String(v.table_name ?? "").toLowerCase();
      const qualified = schema ? `${schema}.${table}` : table;
      const catalogRef = CATALOG_SCHEMAS.has(schema) || (!schema && catalog.internalViews.has(table));
      if (catalogRef && !CATALOG_RELATIONS.has(qualified)) return refusedRelation(qualified);
    }
    for (const child of Object.values(v)) if (typeof child === "object" && child !== null) stack.push(child);
  }
  return null;
}
