import { AppError, QueryExecute } from "@tenantlens/contracts";
import type { Principal } from "../env.js";
import type { RouteDeps } from "../http/route.js";

export type Row = Record<string, unknown>;

/**
 * A read the console itself composes (dashboard figures, inventory browsing, resource pages) through
 * the query service, as the signed-in key but kept out of the user's query history. Identifiers
 * come only from the table list (`ident`) and values only through `literal`, never pasted raw.
 */
export async function consoleQuery(
  deps: RouteDeps,
  principal: Principal,
  sql: string,
  maxRows = 1000,
): Promise<{ columns: { name: string; type: string }[]; rows: Row[]; truncated: boolean }> {
  const res = await deps.bus.request(
    QueryExecute,
    {
      workspaceId: principal.workspaceId,
      actor: principal.keyId,
      sql,
      maxRows,
      format: "json",
      history: false,
      timeoutMs: 20_000,
    },
    { timeoutMs: 35_000 },
  );
  let rows = res.rows;
  if (!rows && res.resultRef) {
    const bytes = await deps.bus.getBlob(res.resultRef.bucket, res.resultRef.key);
    if (!bytes) throw new AppError("unavailable", "the result expired before it could be read; reload");
    rows = JSON.parse(Buffer.from(bytes).toString("utf8")) as Row[];
  }
  return { columns: res.columns, rows: rows ?? [], truncated: res.truncated };
}

/** A DuckDB identifier: only names known from the table list reach this, quoted all the same. */
export function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new AppError("bad_request", `not a column name: ${name}`);
  return `"${name}"`;
}

/** A DuckDB string literal: quotes doubled, control characters refused. */
export function literal(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f]/.test(value))
    throw new AppError("bad_request", "values may not contain control characters");
  return `'${value.replaceAll("'", "''")}'`;
}

/** A LIKE pattern matching `value` literally anywhere (its % and _ escaped). */
export function containsPattern(value: string): string {
  return literal(`%${value.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
}
