/**
 * What analysts may run: exactly one read-only statement. The SQL text is classified by DuckDB's parser
 * (sandbox/statement-guard.ts); this module holds the pure parts: EXPLAIN unwrapping and the messages.
 */

export const READ_ONLY_KINDS = "SELECT, WITH, VALUES, FROM, DESCRIBE, SHOW, SUMMARIZE, PIVOT or EXPLAIN";

export function notReadOnlyMessage(sql: string): string {
  const keyword = firstKeyword(sql);
  const what = keyword ? `${keyword} statements are not allowed` : "this statement is not allowed";
  return `Only a single read-only statement is allowed (${READ_ONLY_KINDS}); ${what}.`;
}

export function multipleStatementsMessage(count: number): string {
  return `Only a single read-only statement is allowed; the query holds ${count} statements.`;
}

export const EMPTY_QUERY_MESSAGE = "The query is empty.";

export const PARAMETERS_MESSAGE =
  "Query parameters ($1, ?) are not supported; write the values into the query.";

/** The SQL without leading whitespace and comments (`-- …` lines and `/* … *\/` blocks). */
export function stripLeadingComments(sql: string): string {
  let s = sql;
  for (;;) {
    const trimmed = s.replace(/^\s+/, "");
    if (trimmed.startsWith("--")) {
      const nl = trimmed.indexOf("\n");
      s = nl === -1 ? "" : trimmed.slice(nl + 1);
    } else if (trimmed.startsWith("/*")) {
      const end = trimmed.indexOf("*/", 2);
      s = end === -1 ? "" : trimmed.slice(end + 2);
    } else {
      return trimmed;
    }
  }
}

export function firstKeyword(sql: string): string | null {
  const m = /^[A-Za-z_]+/.exec(stripLeadingComments(sql));
  return m ? m[0].toUpperCase() : null;
}

/**
 * For `EXPLAIN [ANALYZE] [(options)] <statement>` returns `<statement>`, which must itself be read-only
 * (EXPLAIN ANALYZE executes it). Returns null for anything else.
 */
export function explainTarget(sql: string): string | null {
  const s = stripLeadingComments(sql);
  const m = /^explain\b/i.exec(s);
  if (!m) return null;
  let rest = stripLeadingComments(s.slice(m[0].length));
  const analyze = /^analyze\b/i.exec(rest);
  if (analyze) rest = stripLeadingComments(rest.slice(analyze[0].length));
  if (rest.startsWith("(")) {
    const close = rest.indexOf(")");
    rest = close === -1 ? "" : stripLeadingComments(rest.slice(close + 1));
  }
  return rest;
}
