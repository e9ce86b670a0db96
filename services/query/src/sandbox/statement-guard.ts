import {
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBValue,
  StatementType,
} from "@duckdb/node-api";
import { AppError } from "@tenantlens/contracts";
import { isInterruptError } from "../domain/error-messages.js";
import { buildCatalog, type FunctionCatalog, refusedReference } from "../domain/function-policy.js";
import {
  EMPTY_QUERY_MESSAGE,
  explainTarget,
  multipleStatementsMessage,
  notReadOnlyMessage,
  PARAMETERS_MESSAGE,
  stripLeadingComments,
} from "../domain/statement-policy.js";

const READ_ONLY_TYPES = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * Parser-level check, without binding: exactly one statement and that statement is a SELECT in
 * DuckDB's own parser (json_serialize_sql accepts only SELECT nodes, which covers WITH, VALUES, FROM,
 * DESCRIBE, SHOW, SUMMARIZE and PIVOT) or EXPLAIN of one, and every function, table function and
 * catalog relation it names is allowed by the function policy. Binding comes later, inside the
 * sandbox, so a forbidden statement is refused before it can touch anything, with a message naming
 * the rule.
 */
export async function checkReadOnly(conn: DuckDBConnection, sql: string): Promise<void> {
  const known = checked.get(sql);
  if (known !== undefined) {
    // Most recently used last, so the oldest verdict is the one evicted.
    checked.delete(sql);
    checked.set(sql, known);
    if (known) throw new AppError("query_error", known);
    return;
  }
  try {
    await parseCheck(conn, sql);
    remember(sql, null);
  } catch (err) {
    // Only the verdict is kept (a refusal's message), never a failure to decide (an interrupt, say).
    if (err instanceof AppError && err.code === "query_error" && !isInterruptError(err.message))
      remember(sql, err.message);
    throw err;
  }
}

/**
 * Verdicts of the parser check by SQL text: the check depends on nothing but the text, DuckDB's
 * parser and the built-in function catalog, all fixed for the life of the process, so a statement
 * asked again (a dashboard, an example, a rule) skips the parser round trips. Bounded in entries and
 * in text size; null = allowed, else the refusal's message.
 */
const checked = new Map<string, string | null>();
const CHECKED_MAX_ENTRIES = 256;
const CHECKED_MAX_SQL_CHARS = 32_768;

function remember(sql: string, verdict: string | null): void {
  if (sql.length > CHECKED_MAX_SQL_CHARS) return;
  checked.set(sql, verdict);
  if (checked.size > CHECKED_MAX_ENTRIES) {
    const oldest = checked.keys().next().value;
    if (oldest !== undefined) checked.delete(oldest);
  }
}

async function parseCheck(conn: DuckDBConnection, sql: string): Promise<void> {
  // The parser reports "Error in native callback" for blank text, so blank is caught first.
  if (stripLeadingComments(sql).replace(/;/g, "").trim() === "")
    throw new AppError("query_error", EMPTY_QUERY_MESSAGE);
  let count: number;
  try {
    count = (await conn.extractStatements(sql)).count;
  } catch (err) {
    throw new AppError("query_error", messageOf(err));
  }
  if (count === 0) throw new AppError("query_error", EMPTY_QUERY_MESSAGE);
  if (count > 1) throw new AppError("query_error", multipleStatementsMessage(count));
  const target = explainTarget(sql) ?? sql;
  const reader = await conn.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)::VARCHAR", [target]);
  const tree = JSON.parse(String(reader.getRows()[0]?.[0] ?? "{}")) as {
    error?: boolean;
    statements?: unknown[];
  };
  if (tree.error !== false || tree.statements?.length !== 1) {
    throw new AppError("query_error", notReadOnlyMessage(target));
  }
  const refused = refusedReference(tree.statements[0], await functionCatalog(conn));
  if (refused) throw new AppError("query_error", refused);
}

let catalog: Promise<FunctionCatalog> | undefined;

/**
 * DuckDB's built-in functions and internal views, read once per process (they never change). A failed
 * read (the query that triggered it was interrupted at its deadline, say) is not kept: the next
 * query reads again, or every later query of the process would fail with the first one's error.
 */
function functionCatalog(conn: DuckDBConnection): Promise<FunctionCatalog> {
  catalog ??= (async () => {
    const functions = await conn.runAndReadAll(
      "SELECT function_name, function_type, has_side_effects, macro_definition FROM duckdb_functions() WHERE internal",
    );
    const views = await conn.runAndReadAll("SELECT view_name FROM duckdb_views() WHERE internal");
    return buildCatalog(
      functions.getRows().map(([name, type, sideEffects, macro]) => ({
        name: String(name),
        type: String(type),
        hasSideEffects: sideEffects === true,
        macroDefinition: macro === null ? null : String(macro),
      })),
      views.getRows().map(([name]) => String(name)),
    );
  })();
  const reading = catalog;
  reading.catch(() => {
    if (catalog === reading) catalog = undefined;
  });
  return reading;
}

/**
 * Prepares the (already checked) statement inside the sandbox and checks its type a second time, from
 * the bound plan, in case parser and binder ever disagree.
 */
export async function prepareReadOnly(
  conn: DuckDBConnection,
  sql: string,
  params?: readonly DuckDBValue[],
): Promise<DuckDBPreparedStatement> {
  const prepared = await conn.prepare(sql);
  if (!READ_ONLY_TYPES.has(prepared.statementType)) {
    prepared.destroySync();
    throw new AppError("query_error", notReadOnlyMessage(sql));
  }
  // Only the service's own queries bind parameters; analysts write values into the SQL.
  if (params) {
    prepared.bind([...params]);
  } else if (prepared.parameterCount > 0) {
    prepared.destroySync();
    throw new AppError("query_error", PARAMETERS_MESSAGE);
  }
  return prepared;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
