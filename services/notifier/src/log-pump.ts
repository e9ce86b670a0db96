import type { Bus } from "@tenantlens/bus";
import { DeliveryRecorded } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { Db } from "./adapters/db.js";
import { markLogged, unlogged } from "./adapters/state.js";
import { notificationView } from "./domain/records.js";

/**
 * Publishes every state change of a notification (`notifier.delivery.recorded`), from which the
 * store keeps the `notifications` table. Rows carry a version; what was not published yet (NATS
 * away, a crash) is published on the next wake, in order of change.
 */
export class LogPump {
  private running = false;
  private again = false;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: Logger,
  ) {}

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = this.drain().finally(() => {
      this.running = false;
      if (this.again) this.wake();
    });
  }

  /** Publishes what is left, then stops waking. */
  async stop(): Promise<void> {
    this.again = true;
    this.wake();
    await this.idle;
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        this.again = false;
        const rows = await this.db.exclusive((sql) => unlogged(sql, 200));
        for (const row of rows) {
          await this.bus.publish(DeliveryRecorded, notificationView(row));
          await this.db.exclusive((sql) => markLogged(sql, row.id, row.version));
        }
        if (rows.length < 200 && !this.again) return;
      }
    } catch (err) {
      this.log.warn({ err }, "could not publish the delivery log; retrying in 5 s");
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.wake(), 5_000);
      this.retry.unref();
    }
  }
}
