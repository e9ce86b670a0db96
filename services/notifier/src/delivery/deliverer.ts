import { WebhookBody } from "@tenantlens/contracts";
import { aadFor, type Keyring, open } from "@tenantlens/secrets";
import { type Counter, type Logger, meter } from "@tenantlens/telemetry";
import type { Db } from "../adapters/db.js";
import {
  claimDue,
  getChannel,
  getNotification,
  nextDueAt,
  putChannel,
  releaseLeases,
  settle,
} from "../adapters/state.js";
import { HEADERS_KIND, type NotificationRow, SECRET_KIND, type StoredChannel } from "../domain/records.js";
import { type AttemptOutcome, maxAttempts, nextDelayMs } from "../domain/retry.js";
import type { EmailSender } from "./email-sender.js";
import type { EmailRenderer } from "./render.js";
import type { WebhookSender } from "./webhook-sender.js";

export interface DelivererDeps {
  db: Db;
  log: Logger;
  ring: Keyring;
  email: EmailSender;
  webhook: WebhookSender;
  renderer: EmailRenderer;
  /** Delays after failed attempts 1, 2, …; its length + 1 attempts in all. */
  schedule: readonly number[];
  /** Attempts running at once. */
  concurrency: number;
  /** An attempt's claim; a crashed process's claims are released at the next start anyway. */
  leaseMs: number;
  /** A notification changed state (the delivery log publishes it). */
  onSettled(): void;
}

const MAX_WAIT_MS = 30_000;

/**
 * Delivers due notifications from the notifier's database, a few at a time: the schedule lives in
 * the rows (`next_attempt_at`), so retries survive restarts and a message keeps its id (the
 * `webhook-id`) on every attempt. Woken when something is queued; otherwise it sleeps until the
 * next row is due.
 */
export class Deliverer {
  private readonly inflight = new Set<Promise<void>>();
  private pumping = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: DelivererDeps) {}

  async start(): Promise<void> {
    const released = await this.d.db.transaction((sql) => releaseLeases(sql));
    if (released > 0) this.d.log.info({ released }, "attempts interrupted by the last stop are due again");
    this.wake();
  }

  wake(): void {
    if (!this.stopped) void this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.inflight);
  }

  /** One attempt right now, no retries (channel tests); returns the settled row. */
  async attemptOnce(id: string): Promise<NotificationRow | null> {
    const row = await this.d.db.exclusive((sql) => getNotification(sql, id));
    if (!row) return null;
    await this.attempt(row, { retries: false });
    return this.d.db.exclusive((sql) => getNotification(sql, id));
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        const free = this.d.concurrency - this.inflight.size;
        if (free <= 0) break;
        const rows = await this.d.db.transaction((sql) => claimDue(sql, Date.now(), free, this.d.leaseMs));
        for (const row of rows) {
          const p: Promise<void> = this.attempt(row, { retries: true })
            .catch((err: unknown) =>
              this.d.log.error({ err, notificationId: row.id }, "delivery attempt failed"),
            )
            .finally(() => {
              this.inflight.delete(p);
              this.wake();
            });
          this.inflight.add(p);
        }
        if (rows.length === free) this.again = true;
      } while (this.again && !this.stopped);
      const next = await this.d.db.exclusive((sql) => nextDueAt(sql));
      clearTimeout(this.timer);
      if (!this.stopped) {
        const wait = next === null ? MAX_WAIT_MS : Math.min(MAX_WAIT_MS, Math.max(0, next - Date.now()));
        this.timer = setTimeout(() => this.wake(), wait);
        this.timer.unref();
      }
    } catch (err) {
      this.d.log.error({ err }, "delivery loop failed; trying again in 1 s");
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.wake(), 1_000);
      this.timer.unref();
    } finally {
      this.pumping = false;
    }
  }

  private async attempt(row: NotificationRow, opts: { retries: boolean }): Promise<void> {
    const channel = await this.d.db.exclusive((sql) => getChannel(sql, row.channel_id));
    let outcome: AttemptOutcome;
    if (!channel) outcome = { kind: "permanent", code: null, error: "the channel was deleted" };
    else if (!channel.enabled)
      outcome = {
        kind: "permanent",
        code: null,
        error: `the channel is disabled${channel.disabledReason ? ` (${channel.disabledReason})` : ""}`,
      };
    else {
      try {
        outcome = await this.deliver(channel, row);
      } catch (err) {
        outcome = { kind: "permanent", code: null, error: `could not build the message: ${String(err)}` };
      }
    }
    await this.record(row, outcome, opts.retries);
  }

  private async deliver(channel: StoredChannel, row: NotificationRow): Promise<AttemptOutcome> {
    const body = WebhookBody.parse(JSON.parse(row.body));
    if (channel.kind === "email") {
      return this.d.email.send({
        id: row.id,
        to: channel.recipients ?? [],
        email: this.d.renderer.render(body),
      });
    }
    const { ring } = this.d;
    const secrets: string[] = [];
    if (channel.sealedSecret) secrets.push(open(ring, channel.sealedSecret, aadFor(channel.id, SECRET_KIND)));
    const graceUntil = channel.previousSecretExpiresAt ? Date.parse(channel.previousSecretExpiresAt) : 0;
    if (channel.sealedPreviousSecret && graceUntil > Date.now())
      secrets.push(open(ring, channel.sealedPreviousSecret, aadFor(channel.id, `${SECRET_KIND}_previous`)));
    const headers = channel.sealedHeaders
      ? (JSON.parse(open(ring, channel.sealedHeaders, aadFor(channel.id, HEADERS_KIND))) as Record<
          string,
          string
        >)
      : {};
    return this.d.webhook.send({ id: row.id, url: channel.url ?? "", body: row.body, secrets, headers });
  }

  private async record(row: NotificationRow, outcome: AttemptOutcome, retries: boolean): Promise<void> {
    const now = Date.now();
    const attempts = row.attempts;
    const log = this.d.log.child({ notificationId: row.id, channelId: row.channel_id, attempts });
    let status = "delivered";
    await this.d.db.transaction(async (sql) => {
      if (outcome.kind === "delivered") {
        status = "delivered";
        await settle(sql, row.id, {
          status: "delivered",
          responseCode: outcome.code,
          error: null,
          nextAttemptAt: null,
          deliveredAt: now,
          now,
        });
        log.debug({ code: outcome.code }, "delivered");
        return;
      }
      if (outcome.kind === "permanent" && outcome.disableChannel) {
        const channel = await getChannel(sql, row.channel_id);
        if (channel?.enabled) {
          await putChannel(sql, {
            ...channel,
            enabled: false,
            disabledReason: `${outcome.disableChannel} (${new Date(now).toISOString()})`,
            updatedAt: new Date(now).toISOString(),
            updatedBy: "notifier",
          });
          log.warn({ reason: outcome.disableChannel }, "channel disabled");
        }
      }
      const delay =
        outcome.kind === "retry" && retries
          ? nextDelayMs(this.d.schedule, attempts, { retryAfterMs: outcome.retryAfterMs ?? null })
          : null;
      if (delay !== null) {
        status = "retrying";
        await settle(sql, row.id, {
          status: "retrying",
          responseCode: outcome.code,
          error: outcome.error,
          nextAttemptAt: now + delay,
          deliveredAt: null,
          now,
        });
        log.info({ error: outcome.error, retryInMs: delay }, "attempt failed; retrying later");
        return;
      }
      const dead = outcome.kind === "retry" && retries && attempts >= maxAttempts(this.d.schedule);
      status = dead ? "dead_lettered" : "failed";
      await settle(sql, row.id, {
        status: dead ? "dead_lettered" : "failed",
        responseCode: outcome.code,
        error: outcome.error,
        nextAttemptAt: null,
        deliveredAt: null,
        now,
      });
      if (dead) log.warn({ error: outcome.error }, "every attempt failed: dead-lettered");
      else log.info({ error: outcome.error }, "delivery failed for good");
    });
    notificationAttempts().add(1, { status, channel: row.channel_kind });
    this.d.onSettled();
  }
}

let attemptsCounter: Counter | undefined;
/** `tenantlens_notifier_notifications_total{status}`: delivery attempts by what came of them. */
function notificationAttempts(): Counter {
  attemptsCounter ??= meter("notifier").createCounter("tenantlens_notifier_notifications", {
    description:
      "Delivery attempts by result: delivered (sent), retrying (failed, tried again later), failed or dead_lettered (given up)",
  });
  return attemptsCounter;
}
