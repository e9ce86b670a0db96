import { randomBytes } from "node:crypto";
import { AppError, type RunSummary } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { OutboxPublisher } from "./adapters/outbox.js";
import { enqueue } from "./adapters/outbox.js";
import {
  ensureWorkspaceRow,
  knownWorkspaces,
  lastFullGeneration,
  loadRules,
  ruleRef,
  type StoredRule,
  syncManagedRules,
} from "./adapters/rule-store.js";
import {
  applyRun,
  groupChanges,
  type RuleInRun,
  type RunOutcome,
  type RunTrigger,
  violationEvents,
} from "./adapters/run-writer.js";
import type { Row, Sql, StateDb } from "./adapters/state-db.js";
import { resolveRuleViolations } from "./adapters/suppression-store.js";
import { isPurged, purgeWorkspaceState } from "./adapters/workspace-purge.js";
import type { OutboxEvent } from "./domain/events.js";
import type { PackInfo } from "./domain/scores.js";
import { discard, evaluate, type QueryExecutor } from "./evaluator.js";
import { managedPacks, managedRule } from "./managed/index.js";

export interface EngineLimits {
  /** Rule queries in flight per run. */
  concurrency: number;
  /** Rows read per rule query; beyond it the result is cut and nothing unseen is resolved. */
  maxViolations: number;
  /** Largest event published (ViolationsChanged is split below it). */
  maxMessageBytes: number;
}

export interface EngineDeps {
  db: StateDb;
  executor: QueryExecutor;
  /** The workspace's latest committed generation (store.generation.get), null before any. */
  currentGeneration(workspaceId: string): Promise<number | null>;
  outbox: OutboxPublisher;
  log: Logger;
  limits: EngineLimits;
  now?: () => Date;
  /** Delay before a failed pending run is retried (default 5 s, doubling to 60 s). */
  retryMs?: number;
}

export const newId = (prefix: string) => `${prefix}_${randomBytes(10).toString("hex")}`;

const key = (ruleId: string, integrationId: string) => `${ruleId}\u0000${integrationId}`;

/**
 * Runs rules and keeps their results: after a generation with new data, on demand, after rule
 * changes and suppressions (as pending runs that survive a crash). Everything that changes one
 * workspace runs one at a time, in arrival order; different workspaces run side by side.
 */
export class RulesEngine {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly synced = new Set<string>();
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; delay: number }>();
  private stopped = false;

  constructor(readonly deps: EngineDeps) {}

  now(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  /** Runs `fn` after everything queued for the workspace. */
  serial<T>(workspaceId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(workspaceId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    const settled = next.catch(() => undefined);
    this.chains.set(workspaceId, settled);
    void settled.then(() => {
      if (this.chains.get(workspaceId) === settled) this.chains.delete(workspaceId);
    });
    return next;
  }

  /** Commits `fn`'s changes with the events it returns, then publishes them. */
  async commit<T>(fn: (sql: Sql) => Promise<{ result: T; events: OutboxEvent[] }>): Promise<T> {
    const result = await this.deps.db.transaction(async (sql) => {
      const r = await fn(sql);
      await enqueue(sql, r.events);
      return r.result;
    });
    this.deps.outbox.kick();
    return result;
  }

  /**
   * Makes sure the workspace exists here and has the shipped managed rules (once per process; at
   * start for every known workspace, so a new version's rules are published after an upgrade).
   * Call inside serial().
   */
  async ensureWorkspace(workspaceId: string): Promise<void> {
    if (this.synced.has(workspaceId)) return;
    // A deleted workspace is not brought back (by a late trigger or a request naming it).
    if (await isPurged(this.deps.db.read(), workspaceId)) return;
    await this.commit(async (sql) => {
      const at = this.now();
      await ensureWorkspaceRow(sql, workspaceId, at);
      const { events, removed } = await syncManagedRules(sql, workspaceId, at);
      for (const ruleId of removed) {
        const rule = (await loadRules(sql, workspaceId, { includeDeleted: true, ruleId }))[0];
        const rows = await resolveRuleViolations(sql, workspaceId, ruleId, at, "rule retired");
        if (rule) events.push(...this.changeEvents(rule, rows, { runId: newId("ret"), at }));
      }
      return { result: undefined, events };
    });
    this.synced.add(workspaceId);
  }

  /** ViolationsChanged events for change rows of one rule (suppression actions, deletions). */
  changeEvents(rule: StoredRule, rows: readonly Row[], ref: { runId: string; at: string }): OutboxEvent[] {
    const byPair = groupChanges(rows);
    const events: OutboxEvent[] = [];
    for (const [k, { changes }] of byPair) {
      const integrationId = k.split("\u0000")[1] as string;
      events.push(
        ...violationEvents(
          {
            workspaceId: rule.workspaceId,
            integrationId,
            runId: ref.runId,
            generationId: 0,
            at: ref.at,
            ...ruleRef(rule),
          },
          changes,
          this.deps.limits.maxMessageBytes,
        ),
      );
    }
    return events;
  }

  /** The packs of a workspace: the managed ones and those its custom rules name. */
  packsOf(rules: readonly StoredRule[]): PackInfo[] {
    const packs: PackInfo[] = managedPacks.map((p) => ({ packId: p.id, title: p.title }));
    const custom = new Set(rules.filter((r) => !r.managed).flatMap((r) => r.definition.packs));
    for (const id of [...custom].sort())
      if (!packs.some((p) => p.packId === id)) packs.push({ packId: id, title: id });
    return packs;
  }

  // --- Runs ---------------------------------------------------------------------------------

  /**
   * A committed generation. Only generations that bring collected data (poll ids) are evaluated:
   * the store also commits generations for system tables, including the ones this service's own
   * events fill, and judging those would loop. Resolves when the run is committed (then the
   * trigger may be acknowledged); throws when it could not run (the trigger is retried).
   */
  onGeneration(g: {
    workspaceId: string;
    generationId: number;
    pollIds: readonly string[];
  }): Promise<string> {
    if (g.pollIds.length === 0) return Promise.resolve("no new data");
    const ws = g.workspaceId;
    return this.serial(ws, async () => {
      if (await isPurged(this.deps.db.read(), ws)) return "workspace deleted";
      await this.ensureWorkspace(ws);
      const last = await lastFullGeneration(this.deps.db.read(), ws);
      if (g.generationId <= last) return "already evaluated";
      try {
        const out = await this.runOnce(ws, {
          runId: `${ws}.g${g.generationId}`,
          trigger: "generation",
          generationId: g.generationId,
          ruleIds: null,
        });
        return out ? "evaluated" : "already evaluated";
      } catch (err) {
        if (!(err instanceof AppError && err.code === "not_found")) throw err;
        // Collected meanwhile (a backlog after downtime): judge the latest generation instead.
        const current = await this.deps.currentGeneration(ws);
        if (current === null || current <= last || current <= g.generationId) return "generation gone";
        this.deps.log.info(
          { workspaceId: ws, asked: g.generationId, current },
          "evaluating the latest generation",
        );
        const out = await this.runOnce(ws, {
          runId: `${ws}.g${current}`,
          trigger: "generation",
          generationId: current,
          ruleIds: null,
        });
        return out ? "evaluated" : "already evaluated";
      }
    });
  }

  /** Rules now, on the current generation: waits for the result, or queues it. */
  async runNow(
    workspaceId: string,
    req: { actor: string; ruleIds?: readonly string[]; wait: boolean },
  ): Promise<{
    runId: string;
    status: "queued" | "completed" | "nothing_to_evaluate";
    summary: RunSummary | null;
  }> {
    if (!req.wait) {
      const runId = await this.serial(workspaceId, async () => {
        await this.ensureWorkspace(workspaceId);
        return this.commit(async (sql) => ({
          result: await this.requestRun(sql, workspaceId, {
            trigger: "manual",
            ruleIds: req.ruleIds ?? null,
            actor: req.actor,
          }),
          events: [],
        }));
      });
      this.schedulePending(workspaceId);
      return { runId, status: "queued", summary: null };
    }
    return this.serial(workspaceId, async () => {
      await this.ensureWorkspace(workspaceId);
      const runId = newId("run");
      const generationId = await this.deps.currentGeneration(workspaceId);
      if (generationId === null) return { runId, status: "nothing_to_evaluate" as const, summary: null };
      const started = Date.now();
      const out = await this.runOnce(workspaceId, {
        runId,
        trigger: "manual",
        generationId,
        ruleIds: req.ruleIds ?? null,
      });
      if (!out) throw new AppError("conflict", `run ${runId} was already applied`);
      return { runId, status: "completed" as const, summary: { ...out, durationMs: Date.now() - started } };
    });
  }

  /** Promises a run (in the caller's transaction): done by the pending-run worker, even after a crash. */
  async requestRun(
    sql: Sql,
    workspaceId: string,
    r: { trigger: RunTrigger; ruleIds: readonly string[] | null; actor: string | null },
  ): Promise<string> {
    const runId = newId("run");
    await sql.run(
      `INSERT INTO pending_runs VALUES ($id, $ws, $trigger, CAST($rules AS JSON)::VARCHAR[], $actor, CAST($at AS TIMESTAMPTZ))`,
      {
        id: runId,
        ws: workspaceId,
        trigger: r.trigger,
        rules: r.ruleIds ? JSON.stringify(r.ruleIds) : null,
        actor: r.actor,
        at: this.now(),
      },
    );
    return runId;
  }

  /** Works off the workspace's pending runs (soon, in its queue). */
  schedulePending(workspaceId: string): void {
    if (this.stopped) return;
    void this.serial(workspaceId, () => this.drainPending(workspaceId)).catch((err: unknown) => {
      const retry = this.retries.get(workspaceId);
      const delay = Math.min(60_000, retry ? retry.delay * 2 : (this.deps.retryMs ?? 5_000));
      this.deps.log.warn({ err, workspaceId, retryInMs: delay }, "pending rule run failed; retrying");
      if (retry) clearTimeout(retry.timer);
      const timer = setTimeout(() => {
        this.retries.delete(workspaceId);
        this.schedulePending(workspaceId);
      }, delay);
      timer.unref();
      this.retries.set(workspaceId, { timer, delay });
    });
  }

  private async drainPending(workspaceId: string): Promise<void> {
    for (;;) {
      const rows = await this.deps.db.read().all(
        `SELECT run_id, trigger, CAST(rule_ids AS VARCHAR[]) AS rule_ids FROM pending_runs
         WHERE workspace_id = $ws ORDER BY requested_at, run_id LIMIT 1`,
        { ws: workspaceId },
      );
      const p = rows[0];
      if (!p) {
        const retry = this.retries.get(workspaceId);
        if (retry) clearTimeout(retry.timer);
        this.retries.delete(workspaceId);
        return;
      }
      await this.ensureWorkspace(workspaceId);
      const runId = String(p.run_id);
      const generationId = await this.deps.currentGeneration(workspaceId);
      if (generationId === null) {
        // Nothing collected yet: the first generation will evaluate everything anyway.
        await this.deps.db.exclusive((sql) =>
          sql.run("DELETE FROM pending_runs WHERE run_id = $id", { id: runId }),
        );
        continue;
      }
      const out = await this.runOnce(workspaceId, {
        runId,
        trigger: String(p.trigger) as RunTrigger,
        generationId,
        ruleIds: (p.rule_ids as string[] | null) ?? null,
        pendingRunId: runId,
      });
      if (!out) {
        await this.deps.db.exclusive((sql) =>
          sql.run("DELETE FROM pending_runs WHERE run_id = $id", { id: runId }),
        );
      }
    }
  }

  /** Pending runs left by a crash, and every known workspace's managed rules. */
  async recover(): Promise<void> {
    for (const ws of await knownWorkspaces(this.deps.db.read())) {
      await this.serial(ws, () => this.ensureWorkspace(ws));
      this.schedulePending(ws);
    }
  }

  /** Evaluates (outside any transaction), then applies everything in one transaction. */
  private async runOnce(
    workspaceId: string,
    r: {
      runId: string;
      trigger: RunTrigger;
      generationId: number;
      ruleIds: readonly string[] | null;
      pendingRunId?: string;
    },
  ): Promise<RunOutcome | null> {
    const { db, executor, limits, log } = this.deps;
    const startedAt = this.now();
    const stored = await loadRules(db.read(), workspaceId);
    const enabled = stored.filter((s) => s.enabled);
    const selected = r.ruleIds ? enabled.filter((s) => r.ruleIds?.includes(s.id)) : enabled;
    const asRun = (s: StoredRule): RuleInRun => ({ ref: ruleRef(s), evaluation: s.definition.evaluation });
    const evaluation = await evaluate(
      executor,
      db.read(),
      {
        workspaceId,
        generationId: r.generationId,
        rules: selected.map((s) => ({
          id: s.id,
          queries: s.definition.queries,
          evaluation: s.definition.evaluation,
          emptyWhenNotCollected: s.managed ? (managedRule(s.id)?.emptyWhenNotCollected ?? []) : [],
        })),
      },
      { concurrency: limits.concurrency, maxRows: limits.maxViolations },
    );
    if (evaluation.coverageError) {
      log.warn(
        { workspaceId, error: evaluation.coverageError },
        "could not tell what was collected; nothing judged",
      );
    }
    const at = this.now();
    const outcome = await db
      .transaction(async (sql) =>
        applyRun(sql, {
          workspaceId,
          runId: r.runId,
          trigger: r.trigger,
          generationId: r.generationId,
          full: r.ruleIds === null,
          at,
          startedAt,
          rules: new Map(selected.map((s) => [s.id, asRun(s)])),
          results: evaluation.results,
          enabledRules: new Map(enabled.map((s) => [s.id, asRun(s)])),
          packs: this.packsOf(stored),
          scoreOnlyRules: r.ruleIds,
          pendingRunId: r.pendingRunId,
          maxMessageBytes: limits.maxMessageBytes,
        }),
      )
      .finally(() => discard(evaluation.files));
    this.deps.outbox.kick();
    if (outcome) {
      log.info(
        {
          workspaceId,
          runId: r.runId,
          trigger: r.trigger,
          generationId: r.generationId,
          rules: outcome.rules,
          failing: outcome.failing,
          errors: outcome.errors,
          skipped: outcome.skipped,
          transitions: outcome.transitions,
        },
        "rules evaluated",
      );
    }
    return outcome;
  }

  /**
   * A deleted workspace: after whatever is queued for it, everything of it goes (see
   * purgeWorkspaceState); its pending retries are cancelled.
   */
  purgeWorkspace(workspaceId: string): Promise<Record<string, number>> {
    return this.serial(workspaceId, async () => {
      const retry = this.retries.get(workspaceId);
      if (retry) clearTimeout(retry.timer);
      this.retries.delete(workspaceId);
      const removed = await this.deps.db.transaction((sql) =>
        purgeWorkspaceState(sql, workspaceId, this.now()),
      );
      this.synced.delete(workspaceId);
      return removed;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    await Promise.allSettled([...this.chains.values()]);
  }
}

export { key as pairKey };
