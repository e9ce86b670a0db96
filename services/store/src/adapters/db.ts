import { mkdir } from "node:fs/promises";
import path from "node:path";
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBResultReader,
  type DuckDBValue,
  type Json,
} from "@duckdb/node-api";
import { quoteLiteral } from "../domain/table-model.js";

export type SqlParams = Record<string, DuckDBValue>;
export type Row = Record<string, Json>;

/** The statements a unit of work may run (all on the writer connection, inside its transaction). */
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

/**
 * One statement with parameters, prepared directly: `DuckDBConnection.run` with values first splits
 * the text into statements, a round trip to DuckDB's thread more for every statement the store runs.
 */
async function runPrepared(conn: DuckDBConnection, sql: string, values: SqlParams) {
  const prepared = await conn.prepare(sql);
  try {
    prepared.bind(values);
    return await prepared.run();
  } finally {
    prepared.destroySync();
  }
}

function sqlOn(conn: DuckDBConnection): Sql {
  return {
    async run(sql, params) {
      const values = pick(sql, params);
      const r = values ? await runPrepared(conn, sql, values) : await conn.run(sql);
      return r.rowsChanged;
    },
    async all(sql, params) {
      const values = pick(sql, params);
      const r = new DuckDBResultReader(values ? await runPrepared(conn, sql, values) : await conn.run(sql));
      await r.readAll();
      return r.getRowObjectsJson();
    },
    appender: (table, schema, catalog) => conn.createAppender(table, schema, catalog),
  };
}

/** The warehouse file's name inside the DuckDB instance (every connection's default catalog). */
const WAREHOUSE_CATALOG = "warehouse";

/**
 * Rows per row group in the warehouse file (DuckDB's default is 122,880). A transaction that
 * appends at least a row group's rows to a table writes them compressed straight into the file
 * instead of into the WAL, which a checkpoint then rewrites. A batch of pages appends about
 * 16,000 rows per table, so at the default nearly every row went through the WAL; at 8,192 the
 * store's first read of 200,000 users took 19 % less time, and the file came out smaller (see
 * docs/benchmarks.md). Smaller groups (2,048, 4,096) were slower again.
 */
const ROW_GROUP_SIZE = 8192;

export interface DbOptions {
  /** DuckDB memory_limit, e.g. "1GB". */
  memoryLimit?: string;
  threads?: number;
  /**
   * WAL size that triggers an automatic checkpoint (DuckDB's default is 16MB). Larger means fewer
   * checkpoints while ingesting (measured ~1.5x faster at 128MB) and a longer WAL replay after a crash
   * (about 1.5 s per 100MB here).
   */
  checkpointThreshold?: string;
  /**
   * Peak allocation after which DuckDB hands freed memory back to the operating system when a task
   * completes (`allocator_flush_threshold`, DuckDB's default 128MB). Lower keeps the RSS closer to
   * what DuckDB is actually using after a large export or diff.
   */
  allocatorFlushThreshold?: string;
}

/**
 * The warehouse file, opened once per process. One writer connection does every write, one at a
 * time (DuckDB runs one transaction per connection, so interleaved async work would mix them);
 * a second connection serves reads from committed snapshots without waiting for writes.
 */
export class Db {
  private queue: Promise<unknown> = Promise.resolve();
  private readQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    readonly file: string,
  ) {}

  static async open(file: string, opts: DbOptions = {}): Promise<Db> {
    await mkdir(path.dirname(file), { recursive: true });
    const config: Record<string, string> = {};
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    if (opts.threads) config.threads = String(opts.threads);
    if (opts.checkpointThreshold) config.checkpoint_threshold = opts.checkpointThreshold;
    if (opts.allocatorFlushThreshold) config.allocator_flush_threshold = opts.allocatorFlushThreshold;
    // The file is attached to an in-memory instance rather than opened directly, because only
    // ATTACH takes a row group size; temporary files go where opening the file would put them.
    const instance = await DuckDBInstance.create(":memory:", { ...config, temp_directory: `${file}.tmp` });
    const writer = await instance.connect();
    await writer.run(
      `ATTACH ${quoteLiteral(file)} AS ${WAREHOUSE_CATALOG} (ROW_GROUP_SIZE ${ROW_GROUP_SIZE})`,
    );
    const reader = await instance.connect();
    for (const c of [writer, reader]) {
      await c.run(`USE ${WAREHOUSE_CATALOG}`);
      await c.run("SET TimeZone = 'UTC'");
    }
    return new Db(instance, writer, reader, file);
  }

  /** Runs `fn` alone on the writer connection, after every write queued before it. */
  exclusive<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.closed) throw new Error("warehouse is closed");
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

  /**
   * Reads on the second connection: committed data, never waiting for writes. Statements are
   * queued because one DuckDB connection runs one statement at a time.
   */
  read(): Sql {
    const inner = sqlOn(this.reader);
    const queued =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> => {
        const next = this.readQueue.then(() => {
          if (this.closed) throw new Error("warehouse is closed");
          return fn(...args);
        });
        this.readQueue = next.catch(() => undefined);
        return next;
      };
    return { run: queued(inner.run), all: queued(inner.all), appender: inner.appender };
  }

  /** Waits for queued writes, checkpoints the WAL into the file and closes. */
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
