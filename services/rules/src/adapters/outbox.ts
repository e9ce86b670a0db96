import { AppError, RunCompleted, SuppressionChanged } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { type OutboxEvent, payloadJson } from "../domain/events.js";
import type { Sql, StateDb } from "./state-db.js";

/**
 * Events are written to the outbox in the same transaction as the state they describe, then
 * published with their deterministic Nats-Msg-Id: a crash between commit and publish republishes
 * them (JetStream drops duplicates within the stream's window; the store's ledger and keys beyond
 * it), and nothing is ever announced that was not committed.
 */
export async function enqueue(sql: Sql, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = await sql.all(`SELECT value FROM counters WHERE name = 'outbox'`);
  const base = Number(rows[0]?.value ?? 0);
  // Batches of JSON text (payloads may already be JSON), flushed every few megabytes.
  let batch: string[] = [];
  let size = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await sql.run(
      `INSERT INTO outbox SELECT e.seq, e.subject, e.payload, now()
       FROM (SELECT unnest(from_json(CAST($batch AS JSON), '[{"seq":"BIGINT","subject":"VARCHAR","payload":"JSON"}]')) AS e)`,
      { batch: `[${batch.join(",")}]` },
    );
    batch = [];
    size = 0;
  };
  for (const [i, e] of events.entries()) {
    const item = `{"seq":${base + i + 1},"subject":${JSON.stringify(e.subject)},"payload":${payloadJson(e)}}`;
    batch.push(item);
    size += item.length;
    if (size > 8_000_000 || batch.length >= 500) await flush();
  }
  await flush();
  await sql.run(`UPDATE counters SET value = $v WHERE name = 'outbox'`, { v: base + events.length });
}

/**
 * Events of one subject produced by a query (columns `payload`, JSON text, and whatever `orderBy`
 * names), appended to the outbox in that order: large batches never pass through JavaScript.
 */
export async function enqueueSelect(
  sql: Sql,
  subject: string,
  select: string,
  orderBy: string,
): Promise<number> {
  const rows = await sql.all(`SELECT value FROM counters WHERE name = 'outbox'`);
  const base = Number(rows[0]?.value ?? 0);
  const n = await sql.run(
    `INSERT INTO outbox SELECT $base + row_number() OVER (ORDER BY ${orderBy}), $subject, CAST(payload AS JSON), now()
     FROM (${select})`,
    { base, subject },
  );
  if (n > 0) await sql.run(`UPDATE counters SET value = $v WHERE name = 'outbox'`, { v: base + n });
  return n;
}

/** Subjects that wait for everything before them (a run's RunCompleted comes after all its events). */
const BARRIERS = new Set([RunCompleted.subject, SuppressionChanged.subject]);
const BATCH = 256;
const BATCH_BYTES = 16_000_000;

/** Drains the outbox in order, a batch at a time; a failed publish is retried later. */
export class OutboxPublisher {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: StateDb,
    private readonly publish: (subject: string, payload: unknown) => Promise<void>,
    private readonly log: Logger,
    private readonly retryMs = 2_000,
  ) {}

  /** Something was committed: publish it soon. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves once everything committed so far has been published (or a publish failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.idle();
  }

  /** Events not yet published (tests, metrics). */
  async pending(): Promise<number> {
    const rows = await this.db.read().all("SELECT count(*) AS n FROM outbox");
    return Number(rows[0]?.n ?? 0);
  }

  private async loop(): Promise<void> {
    for (;;) {
      const rows = await this.db.read().all(
        // Up to BATCH events and about BATCH_BYTES (a run's violation changes can be hundreds of MB).
        `SELECT seq, subject, payload FROM (
             SELECT seq, subject, CAST(payload AS VARCHAR) AS payload,
               sum(strlen(CAST(payload AS VARCHAR))) OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING) AS upto,
               row_number() OVER (ORDER BY seq) AS k
             FROM (SELECT * FROM outbox ORDER BY seq LIMIT ${BATCH}))
           WHERE k = 1 OR upto <= ${BATCH_BYTES} ORDER BY seq`,
      );
      if (rows.length === 0) return;
      let done = 0;
      try {
        let inflight: Promise<void>[] = [];
        for (const r of rows) {
          const subject = String(r.subject);
          if (BARRIERS.has(subject) && inflight.length > 0) {
            await Promise.all(inflight);
            inflight = [];
          }
          const p = this.publishOne(subject, JSON.parse(String(r.payload)));
          if (BARRIERS.has(subject)) await p;
          else inflight.push(p);
          done = Number(r.seq);
        }
        await Promise.all(inflight);
      } catch (err) {
        this.log.warn({ err }, "could not publish rule events; retrying");
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.kick(), this.retryMs);
        this.timer.unref();
        return;
      }
      await this.db.exclusive((sql) => sql.run("DELETE FROM outbox WHERE seq <= $done", { done }));
    }
  }

  private async publishOne(subject: string, payload: unknown): Promise<void> {
    try {
      await this.publish(subject, payload);
    } catch (err) {
      // An event the contract refuses is a bug that no retry fixes: record it and move on.
      if (err instanceof AppError && (err.code === "bad_request" || err.code === "payload_too_large")) {
        this.log.error({ err, subject }, "rule event dropped: it does not fit its contract");
        return;
      }
      throw err;
    }
  }
}
