import { AppError, RunCompleted, SuppressionChanged } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { OutboxEvent } from "../domain/events.js";
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
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500).map((e, j) => ({
      seq: base + i + j + 1,
      subject: e.subject,
      payload: e.payload,
    }));
    await sql.run(
      `INSERT INTO outbox SELECT e.seq, e.subject, e.payload, now()
       FROM (SELECT unnest(from_json(CAST($batch AS JSON), '[{"seq":"BIGINT","subject":"VARCHAR","payload":"JSON"}]')) AS e)`,
      { batch: JSON.stringify(batch) },
    );
  }
  await sql.run(`UPDATE counters SET value = $v WHERE name = 'outbox'`, { v: base + events.length });
}

/** Subjects that wait for everything before them (a run's RunCompleted comes after all its events). */
const BARRIERS = new Set([RunCompleted.subject, SuppressionChanged.subject]);
const BATCH = 256;

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
      const rows = await this.db
        .read()
        .all(
          `SELECT seq, subject, CAST(payload AS VARCHAR) AS payload FROM outbox ORDER BY seq LIMIT ${BATCH}`,
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
