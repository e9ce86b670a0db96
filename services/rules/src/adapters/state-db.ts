import { mkdir } from "node:fs/promises";
import path from "node:path";
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBValue,
  type Json,
} from "@duckdb/node-api";
import { migrateState } from "./schema.js";

export type SqlParams = Record<string, DuckDBValue>;
export type Row = Record<string, Json>;

/** The statements a unit of work may run on one connection. */
export interface Sql {
  /** Runs one statement; returns the number of rows it changed. */
  run(sql: string, params?: SqlParams): Promise<number>;
  all(sql: string, params?: SqlParams): Promise<Row[]>;
  appender(table: string, schema?: string, catalog?: string): Promise<DuckDBAppender>;
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
    appender: (table, schema, catalog) => conn.createAppender(table, schema, catalog),
  };
}

/** TIMESTAMPTZ column → ISO 8601 text in UTC (both connections run in UTC). */
export function iso(column: string): string {
  return `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
}

/**
 * The rules service's own DuckDB file (`<data dir>/rules/rules.duckdb`), opened by this process only.
 * One writer connection runs every write, one unit of work at a time, each in a transaction; a second
 * connection answers reads from committed data without waiting for writes.
 */
export class StateDb {
  private queue: Promise<unknown> = Promise.resolve();
  private readQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    readonly file: string,
  ) {}

  static async open(file: string, opts: { memoryLimit?: string; threads?: number } = {}): Promise<StateDb> {
    await mkdir(path.dirname(file), { recursive: true });
    const config: Record<string, string> = {};
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    if (opts.threads) config.threads = String(opts.threads);
    const instance = await DuckDBInstance.create(file, config);
    const writer = await instance.connect();
    const reader = await instance.connect();
    for (const c of [writer, reader]) await c.run("SET TimeZone = 'UTC'");
    const db = new StateDb(instance, writer, reader, file);
    try {
      await db.transaction((sql) => migrateState(sql));
      await db.exclusive((sql) => createScratch(sql));
    } catch (err) {
      await db.close();
      throw err;
    }
    return db;
  }

  /** Runs `fn` alone on the writer connection, after every write queued before it. */
  exclusive<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.closed) throw new Error("rules state is closed");
      return fn(sqlOn(this.writer));
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** `fn` in one transaction: all of its effects commit together or none do. */
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

  /** Reads of committed data on the second connection (one statement at a time). */
  read(): Pick<Sql, "all"> {
    return {
      all: (sql, params) => {
        const next = this.readQueue.then(() => {
          if (this.closed) throw new Error("rules state is closed");
          return sqlOn(this.reader).all(sql, params);
        });
        this.readQueue = next.catch(() => undefined);
        return next;
      },
    };
  }

  /** Waits for queued work, checkpoints the WAL into the file and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(async (sql) => {
      await sql.run("CHECKPOINT").catch(() => undefined);
    }).catch(() => undefined);
    this.closed = true;
    await this.readQueue;
    this.writer.closeSync();
    this.reader.closeSync();
    this.instance.closeSync();
  }
}

/** Per-connection scratch tables a run stages its results in (temporary: never in the file). */
async function createScratch(sql: Sql): Promise<void> {
  await sql.run(`CREATE TEMP TABLE IF NOT EXISTS stage (
    rule_id VARCHAR, integration_id VARCHAR, resource_id VARCHAR, resource_table VARCHAR,
    display_name VARCHAR, details JSON, covered_by VARCHAR)`);
  await sql.run(`CREATE TEMP TABLE IF NOT EXISTS verdicts (
    rule_id VARCHAR, integration_id VARCHAR, complete BOOLEAN)`);
}
