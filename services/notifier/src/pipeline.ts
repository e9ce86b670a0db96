import type {
  Alert,
  AlertFiltersOf,
  EventPayload,
  IntegrationChanged,
  IntegrationStatus,
  PollCompleted,
  RuleStatusChanged,
  RunCompleted,
  ScoreRecorded,
  ViolationsChanged,
} from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { Db, Sql } from "./adapters/db.js";
import {
  addPending,
  alreadyApplied,
  forgetIntegrationSeen,
  getAlert,
  getIntegrationSeen,
  heldPairs,
  listAlerts,
  markApplied,
  setIntegrationSeen,
  staleBatches,
  takePending,
} from "./adapters/state.js";
import { type DispatchEnv, dispatch, flushHeld } from "./dispatch.js";
import {
  type AnyItem,
  complianceItems,
  integrationStatusItems,
  pollFailedItems,
  statusItems,
  violationItems,
} from "./domain/match.js";
import type { BatchContext } from "./domain/messages.js";

export interface PipelineDeps {
  db: Db;
  log: Logger;
  consoleUrl: string;
  /** Told when new notifications wait for delivery. */
  onQueued(): void;
  now?: () => number;
}

/**
 * Events in, notifications out. Each event is applied once (its key is recorded in the same
 * transaction as its effects). Rule and compliance items wait for the end of their rules run, so
 * one run gives one message per alert and channel; integration events go out at once.
 */
export class Pipeline {
  constructor(private readonly d: PipelineDeps) {}

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  private env(): DispatchEnv {
    return { consoleUrl: this.d.consoleUrl, now: this.now() };
  }

  /** Runs `fn` once per event key, in one transaction; wakes the deliverer when it queued something. */
  async once(key: string, fn: (sql: Sql, env: DispatchEnv) => Promise<number>): Promise<void> {
    const created = await this.d.db.transaction(async (sql) => {
      if (await alreadyApplied(sql, key)) return 0;
      const env = this.env();
      const n = await fn(sql, env);
      await markApplied(sql, key, env.now);
      return n;
    });
    if (created > 0) this.d.onQueued();
  }

  violationsChanged(ev: EventPayload<typeof ViolationsChanged>, key: string): Promise<void> {
    return this.collect(key, ev.workspaceId, ev.runId, ["rule"], ev, (a) =>
      a.kind === "rule" ? violationItems(a.filters, ev) : [],
    );
  }

  ruleStatusChanged(ev: EventPayload<typeof RuleStatusChanged>, key: string): Promise<void> {
    return this.collect(key, ev.workspaceId, ev.runId, ["rule"], ev, (a) =>
      a.kind === "rule" ? statusItems(a.filters, ev) : [],
    );
  }

  scoreRecorded(ev: EventPayload<typeof ScoreRecorded>, key: string): Promise<void> {
    return this.collect(key, ev.workspaceId, ev.runId, ["compliance"], ev, (a) =>
      a.kind === "compliance" ? complianceItems(a.filters, ev) : [],
    );
  }

  /** The run's last event: its collected items become messages. */
  runCompleted(ev: EventPayload<typeof RunCompleted>, key: string): Promise<void> {
    return this.once(key, (sql, env) => this.flushBatch(sql, env, ev.workspaceId, `run:${ev.runId}`));
  }

  integrationChanged(ev: EventPayload<typeof IntegrationChanged>, key: string): Promise<void> {
    const i = ev.integration;
    return this.once(key, async (sql, env) => {
      const seen = await getIntegrationSeen(sql, i.id);
      const previous = (seen?.status ?? null) as IntegrationStatus | null;
      // A deleted integration leaves no name behind (its workspace may be purged already).
      if (ev.change === "deleted") await forgetIntegrationSeen(sql, i.id);
      else await setIntegrationSeen(sql, i);
      let n = 0;
      for (const alert of await listAlerts(sql, i.workspaceId, ["integration"])) {
        if (alert.kind !== "integration") continue;
        const items = integrationStatusItems(alert.filters, ev, previous);
        n += await dispatch(sql, env, alert, items, { kind: "integration" });
      }
      return n;
    });
  }

  pollCompleted(ev: EventPayload<typeof PollCompleted>, key: string): Promise<void> {
    if (ev.outcome !== "failed") return Promise.resolve();
    return this.once(key, async (sql, env) => {
      const seen = await getIntegrationSeen(sql, ev.integrationId);
      let n = 0;
      for (const alert of await listAlerts(sql, ev.workspaceId, ["integration"])) {
        if (alert.kind !== "integration") continue;
        const items = pollFailedItems(alert.filters as AlertFiltersOf<"integration">, ev, seen?.name ?? null);
        n += await dispatch(sql, env, alert, items, { kind: "integration" });
      }
      return n;
    });
  }

  /** Sends what rate limits held back once channels allow, and batches whose run never ended. */
  async sweep(staleAfterMs: number): Promise<void> {
    const stale = await this.d.db.exclusive((sql) => staleBatches(sql, this.now() - staleAfterMs));
    for (const b of stale) {
      this.d.log.warn(
        { workspaceId: b.workspaceId, batch: b.batch },
        "a rules run did not complete: sending what it matched",
      );
      await this.once(`stale:${b.workspaceId}:${b.batch}:${this.now()}`, (sql, env) =>
        this.flushBatch(sql, env, b.workspaceId, b.batch),
      );
    }
    let created = 0;
    for (const { channelId, alertId } of await this.d.db.exclusive((sql) => heldPairs(sql))) {
      created += await this.d.db.transaction(async (sql) => {
        const alert = await getAlert(sql, alertId);
        if (!alert) return 0;
        return (await flushHeld(sql, this.env(), alert, channelId)) ? 1 : 0;
      });
    }
    if (created > 0) this.d.onQueued();
  }

  private collect<E extends { generationId: number }>(
    key: string,
    workspaceId: string,
    runId: string,
    kinds: Alert["kind"][],
    ev: E,
    itemsFor: (alert: Alert) => AnyItem[],
  ): Promise<void> {
    return this.once(key, async (sql, env) => {
      for (const alert of await listAlerts(sql, workspaceId, kinds)) {
        if (!alert.enabled) continue;
        const context: BatchContext =
          alert.kind === "rule"
            ? { kind: "rule", runId, generationId: ev.generationId }
            : { kind: "compliance" };
        for (const item of itemsFor(alert))
          await addPending(sql, {
            workspaceId,
            batch: `run:${runId}`,
            alertId: alert.id,
            item,
            context,
            at: env.now,
          });
      }
      return 0;
    });
  }

  private async flushBatch(sql: Sql, env: DispatchEnv, workspaceId: string, batch: string): Promise<number> {
    const pending = await takePending(sql, workspaceId, batch);
    const byAlert = new Map<string, { items: AnyItem[]; context: BatchContext }>();
    for (const p of pending) {
      const entry = byAlert.get(p.alertId) ?? { items: [], context: p.context as BatchContext };
      entry.items.push(p.item as AnyItem);
      byAlert.set(p.alertId, entry);
    }
    let n = 0;
    for (const [alertId, { items, context }] of byAlert) {
      const alert = await getAlert(sql, alertId, workspaceId);
      if (alert) n += await dispatch(sql, env, alert, items, context);
    }
    return n;
  }
}
