import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue, type Json } from "@duckdb/node-api";

export type SqlParams = Record<string, DuckDBValue>;
export type Row = Record<string, Json>;

export interface Sql {
  /** Runs one statement; returns the number of rows it changed. */
  run(sql: string, params?: SqlParams): Promise<number>;
  all(sql: string, params?: SqlParams): Promise<Row[]>;
}

/** Only the parameters a statement names, so callers can share one parameter object. */
function pick(sql: string, params: SqlParams | undefined): SqlParams | undefined {
  if (!params) return undefined;
  const used: SqlParams = {};
  for (const m of sql.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = m[1] as string;
    if (name in params) used[name] = params[name] as DuckDBValue;
  }
  return Object.keys(used).length > 0 ? used : undefined;
}

function sqlOn(conn: DuckDBConnection): Sql {
  return {
    async run(sql, params) {
      return (await conn.run(sql, pick(sql, params))).rowsChanged;
    },
    async all(sql, params) {
      return (await conn.runAndReadAll(sql, pick(sql, params))).getRowObjectsJson();
    },
  };
}

/**
 * The notifier's own DuckDB file (channels, alerts, delivery state). One process owns it; every
 * statement runs on one connection, one unit of work at a time, so transactions never interleave.
 */
export class Db {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly file: string,
  ) {}

  static async open(file: string, migrations: readonly (readonly string[])[]): Promise<Db> {
    await mkdir(path.dirname(file), { recursive: true });
    const instance = await DuckDBInstance.create(file, { threads: "1", memory_limit: "256MB" });
    const conn = await instance.connect();
    const db = new Db(instance, conn, file);
    await db.transaction(async (sql) => {
      await sql.run(
        "CREATE TABLE IF NOT EXISTS _migrations (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)",
      );
      const [row] = await sql.all("SELECT coalesce(max(version), 0) AS v FROM _migrations");
      const done = Number(row?.v ?? 0);
      for (let v = done; v < migrations.length; v++) {
        for (const statement of migrations[v] ?? []) await sql.run(statement);
        await sql.run("INSERT INTO _migrations VALUES ($v, $at)", { v: v + 1, at: Date.now() });
      }
    });
    return db;
  }

  /** `fn` alone on the connection, after everything queued before it. */
  exclusive<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.closed) throw new Error("notifier database is closed");
      return fn(sqlOn(this.conn));
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** `fn` in one transaction: all of its writes commit together or none do. */
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.exclusive(async (sql) => {
      await sql.run("BEGIN TRANSACTION");
      try {
        const result = await fn(sql);
        await sql.run("COMMIT");
        return result;
      } catch (err) {
        await sql.run("ROLLBACK").catch(() => undefined);
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(async (sql) => {
      await sql.run("CHECKPOINT").catch(() => undefined);
    }).catch(() => undefined);
    this.closed = true;
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
