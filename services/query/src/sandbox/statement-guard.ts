import {
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBValue,
  StatementType,
} from "@duckdb/node-api";
import { AppError } from "@tenantlens/contracts";
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
 * DESCRIBE, SHOW, SUMMARIZE and PIVOT) or EXPLAIN of one. Binding comes later, inside the sandbox, so a
 * forbidden statement is refused before it can touch anything, with a message naming the rule.
 */
export async function checkReadOnly(conn: DuckDBConnection, sql: string): Promise<void> {
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
  const reader = await conn.runAndReadAll(
    "SELECT json_serialize_sql($1::VARCHAR) ->> '$.error' AS error, json_array_length(json_serialize_sql($1::VARCHAR) -> '$.statements') AS n",
    [target],
  );
  const [error, n] = reader.getRowsJson()[0] ?? [];
  if (error !== "false" || String(n) !== "1") throw new AppError("query_error", notReadOnlyMessage(target));
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
