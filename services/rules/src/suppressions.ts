import { AppError, type Suppression, SuppressionChanged } from "@tenantlens/contracts";
import { listSuppressions } from "./adapters/reads.js";
import { loadRules } from "./adapters/rule-store.js";
import type { Row, Sql } from "./adapters/state-db.js";
import {
  dueSuppressions,
  endSuppression,
  insertSuppression,
  nextExpiry,
  releaseSuppressed,
  suppressCovered,
  violationExists,
} from "./adapters/suppression-store.js";
import type { OutboxEvent } from "./domain/events.js";
import { newId, type RulesEngine } from "./engine.js";

/**
 * Suppressions hide one violation or every violation of a resource, with a reason, the actor and an
 * optional expiry. Their transitions happen at once; a re-evaluation of the affected rules follows
 * (a pending run) so statuses and scores catch up. Expired suppressions are handled by a timer and
 * at start, so an expiry passed while the service was down still reopens what it hid.
 */
export class Suppressions {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly engine: RulesEngine) {}

  async suppress(req: {
    workspaceId: string;
    actor: string;
    scope: "violation" | "resource";
    ruleId?: string;
    integrationId?: string;
    resourceId: string;
    reason: string;
    expiresAt?: string;
  }): Promise<{ suppression: Suppression; suppressed: number }> {
    const ws = req.workspaceId;
    const at = this.engine.now();
    if (req.expiresAt && Date.parse(req.expiresAt) <= Date.parse(at)) {
      throw new AppError("bad_request", "expiresAt is in the past.");
    }
    const result = await this.engine.serial(ws, async () => {
      await this.engine.ensureWorkspace(ws);
      if (req.scope === "violation") {
        const exists = await violationExists(this.engine.deps.db.read(), {
          ws,
          integrationId: req.integrationId ?? "",
          ruleId: req.ruleId ?? "",
          resourceId: req.resourceId,
        });
        if (!exists) {
          throw new AppError(
            "not_found",
            `No violation of ${req.ruleId} for ${req.resourceId} in ${req.integrationId}; suppress the resource instead to cover violations that do not exist yet.`,
          );
        }
      }
      const suppression: Suppression = {
        suppressionId: newId("sup"),
        workspaceId: ws,
        scope: req.scope,
        integrationId: req.integrationId ?? null,
        ruleId: req.scope === "violation" ? (req.ruleId ?? null) : null,
        resourceId: req.resourceId,
        reason: req.reason,
        actor: req.actor,
        createdAt: at,
        expiresAt: req.expiresAt ? new Date(req.expiresAt).toISOString() : null,
        state: "active",
        endedAt: null,
        endedBy: null,
      };
      return this.engine.commit(async (sql) => {
        await insertSuppression(sql, suppression);
        const rows = await suppressCovered(sql, suppression, at);
        const events: OutboxEvent[] = [
          { subject: SuppressionChanged.subject, payload: { change: "created", suppression, at } },
          ...(await this.changeEvents(sql, ws, rows, suppression.suppressionId, at)),
        ];
        await this.refresh(sql, ws, rows, "manual", req.actor);
        return { result: { suppression, suppressed: rows.length }, events };
      });
    });
    this.engine.schedulePending(ws);
    this.arm();
    return result;
  }

  async unsuppress(req: {
    workspaceId: string;
    actor: string;
    suppressionId: string;
  }): Promise<{ suppression: Suppression; unsuppressed: number }> {
    const ws = req.workspaceId;
    const result = await this.engine.serial(ws, async () => {
      const found = (
        await listSuppressions(this.engine.deps.db.read(), ws, { id: req.suppressionId, limit: 1 })
      )[0];
      if (!found) throw new AppError("not_found", `No suppression ${req.suppressionId} in this workspace.`);
      if (found.state !== "active") {
        throw new AppError("conflict", `Suppression ${req.suppressionId} already ended (${found.state}).`);
      }
      const at = this.engine.now();
      const suppression: Suppression = { ...found, state: "lifted", endedAt: at, endedBy: req.actor };
      return this.engine.commit(async (sql) => {
        await endSuppression(sql, found.suppressionId, "lifted", at, req.actor);
        const rows = await releaseSuppressed(sql, ws, found.suppressionId, at, {
          transition: "unsuppressed",
          actor: req.actor,
          reason: "suppression lifted",
        });
        const events: OutboxEvent[] = [
          { subject: SuppressionChanged.subject, payload: { change: "lifted", suppression, at } },
          ...(await this.changeEvents(sql, ws, rows, `${found.suppressionId}.lifted`, at)),
        ];
        await this.refresh(sql, ws, rows, "manual", req.actor);
        return { result: { suppression, unsuppressed: rows.length }, events };
      });
    });
    this.engine.schedulePending(ws);
    return result;
  }

  /**
   * Ends every suppression whose expiry has passed: what it hid reopens (transition `reopened`) and
   * a run with trigger suppression_expired re-evaluates the affected rules (its RunCompleted follows
   * even when nothing was hidden).
   */
  async expireDue(): Promise<number> {
    const due = await dueSuppressions(this.engine.deps.db.read(), this.engine.now());
    const byWorkspace = new Map<string, string[]>();
    for (const d of due)
      byWorkspace.set(d.workspaceId, [...(byWorkspace.get(d.workspaceId) ?? []), d.suppressionId]);
    for (const [ws, ids] of byWorkspace) {
      await this.engine.serial(ws, async () => {
        await this.engine.ensureWorkspace(ws);
        await this.engine.commit(async (sql) => {
          const events: OutboxEvent[] = [];
          const all: Row[] = [];
          for (const id of ids) {
            const found = (await listSuppressions(sql, ws, { id, limit: 1 }))[0];
            if (found?.state !== "active") continue;
            const at = found.expiresAt ?? this.engine.now();
            const suppression: Suppression = { ...found, state: "expired", endedAt: at, endedBy: null };
            await endSuppression(sql, id, "expired", at, null);
            const rows = await releaseSuppressed(sql, ws, id, at, {
              transition: "reopened",
              actor: null,
              reason: "suppression expired",
            });
            events.push({
              subject: SuppressionChanged.subject,
              payload: { change: "expired", suppression, at },
            });
            events.push(...(await this.changeEvents(sql, ws, rows, `${id}.expired`, at)));
            all.push(...rows);
          }
          await this.engine.requestRun(sql, ws, {
            trigger: "suppression_expired",
            ruleIds: [...new Set(all.map((r) => String(r.rule_id)))],
            actor: null,
          });
          return { result: undefined, events };
        });
      });
      this.engine.schedulePending(ws);
    }
    return due.length;
  }

  async list(workspaceId: string, state: string | undefined, limit: number): Promise<Suppression[]> {
    return listSuppressions(this.engine.deps.db.read(), workspaceId, { state, limit });
  }

  /** Sets the timer for the next expiry (capped at an hour, so clock changes are caught too). */
  arm(): void {
    if (this.stopped) return;
    void nextExpiry(this.engine.deps.db.read())
      .then((next) => {
        clearTimeout(this.timer);
        if (next === null || this.stopped) return;
        const delay = Math.max(0, Math.min(Date.parse(next) - Date.now(), 3_600_000));
        this.timer = setTimeout(() => void this.tick(), delay);
        this.timer.unref();
      })
      .catch((err: unknown) => this.engine.deps.log.warn({ err }, "could not plan suppression expiry"));
  }

  private async tick(): Promise<void> {
    try {
      const n = await this.expireDue();
      if (n > 0) this.engine.deps.log.info({ expired: n }, "suppressions expired");
    } catch (err) {
      this.engine.deps.log.warn({ err }, "suppression expiry failed; retrying");
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.tick(), 5_000);
      this.timer.unref();
      return;
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async changeEvents(
    sql: Sql,
    ws: string,
    rows: readonly Row[],
    runId: string,
    at: string,
  ): Promise<OutboxEvent[]> {
    const events: OutboxEvent[] = [];
    for (const ruleId of [...new Set(rows.map((r) => String(r.rule_id)))]) {
      const rule = (await loadRules(sql, ws, { ruleId, includeDeleted: true }))[0];
      if (!rule) continue;
      events.push(
        ...this.engine.changeEvents(
          rule,
          rows.filter((r) => r.rule_id === ruleId),
          { runId, at },
        ),
      );
    }
    return events;
  }

  /** A re-evaluation of the rules whose violations changed, so their statuses and scores follow. */
  private async refresh(
    sql: Sql,
    ws: string,
    rows: readonly Row[],
    trigger: "manual",
    actor: string,
  ): Promise<void> {
    const ruleIds = [...new Set(rows.map((r) => String(r.rule_id)))];
    if (ruleIds.length > 0) await this.engine.requestRun(sql, ws, { trigger, ruleIds, actor });
  }
}
