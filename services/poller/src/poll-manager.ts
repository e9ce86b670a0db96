import { randomBytes } from "node:crypto";
import { AppError, type Integration } from "@tenantlens/contracts";
import { catalog, type ResourceDef } from "@tenantlens/graph";
import type { Logger } from "@tenantlens/telemetry";

export type PollReason = "manual" | "schedule" | "integration_created" | "integration_changed";

export interface StartRequest {
  integration: Integration;
  resources?: string[];
  full?: boolean;
  reason: PollReason;
}

/** Runs one poll to the end; the manager decides when and how many at once. */
export interface PollJobSpec {
  pollId: string;
  integration: Integration;
  /** The integration's tenant (always set for a pollable integration). */
  tenantId: string;
  resources: readonly ResourceDef[];
  full: boolean;
  reason: PollReason;
}

export type PollRunner = (job: PollJobSpec, signal: AbortSignal) => Promise<void>;

interface Running {
  pollId: string;
  abort: AbortController;
  done: Promise<void>;
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

export function newPollId(): string {
  let out = "";
  for (const b of randomBytes(20)) out += BASE32[b & 31];
  return `poll_${out}`;
}

/**
 * Catalog resources named in the request (all when absent), in catalog order. A resource and those
 * derived from it are read together (one delta read carries both), so naming one brings the other.
 */
export function selectResources(names: string[] | undefined): ResourceDef[] {
  if (!names || names.length === 0) return [...catalog];
  const unknown = names.filter((n) => !catalog.some((r) => r.name === n));
  if (unknown.length > 0) {
    throw new AppError(
      "bad_request",
      `unknown resource(s): ${unknown.join(", ")}; known: ${catalog.map((r) => r.name).join(", ")}`,
    );
  }
  const wanted = new Set(names);
  for (const r of catalog) {
    if (r.derived && (wanted.has(r.name) || wanted.has(r.derived.from))) {
      wanted.add(r.name);
      wanted.add(r.derived.from);
    }
  }
  return catalog.filter((r) => wanted.has(r.name));
}

export function pollable(i: Integration): boolean {
  return i.enabled && i.status === "active" && i.tenantId !== null;
}

/**
 * One poll per integration at a time, at most `concurrency` integrations at once, and a timer per
 * active integration when a schedule is configured. State is in memory: after a restart the
 * integrations are learned again from auth and the next polls are spread over one interval.
 */
export class PollManager {
  private readonly running = new Map<string, Running>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly known = new Map<string, Integration>();
  private readonly waiting: Array<() => void> = [];
  /** When each integration's last full read started (in memory: a restart counts as one). */
  private readonly lastFull = new Map<string, number>();
  /** Integrations whose next poll must read everything (the store could not ingest one of theirs). */
  private readonly fullRequired = new Set<string>();
  private readonly startedAt: number;
  private active = 0;
  private stopped = false;

  constructor(
    private readonly opts: {
      run: PollRunner;
      concurrency: number;
      intervalMs: number;
      /**
       * Delta can miss changes that land while it pages (graph-catalog.md "Delta gotchas"), so a
       * scheduled poll reads everything again once this long has passed; 0 = never.
       */
      fullReconcileMs?: number;
      log: Logger;
      random?: () => number;
      now?: () => number;
    },
  ) {
    this.startedAt = this.now();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** A scheduled poll turns into a full read when the last one is older than the reconcile period. */
  private fullDue(id: string, reason: PollReason): boolean {
    const period = this.opts.fullReconcileMs ?? 0;
    if (reason !== "schedule" || period <= 0) return false;
    return this.now() - (this.lastFull.get(id) ?? this.startedAt) >= period;
  }

  /** Starts a poll unless one is already running (or queued) for the integration. */
  start(req: StartRequest): { pollId: string; alreadyRunning: boolean } {
    if (this.stopped) throw new AppError("unavailable", "the poller is shutting down");
    const i = req.integration;
    // A manual start teaches us the integration (e.g. one from a workspace not listed at start).
    const known = this.known.get(i.id);
    if (!known || known.updatedAt <= i.updatedAt) this.known.set(i.id, i);
    const current = this.running.get(i.id);
    if (current) return { pollId: current.pollId, alreadyRunning: true };
    if (!pollable(i) || i.tenantId === null) {
      const why = !i.enabled ? "disabled" : (i.statusReason ?? i.status);
      throw new AppError("integration_broken", `integration ${i.id} cannot be polled: ${why}`);
    }
    const resources = selectResources(req.resources);
    const full =
      req.full === true || this.fullRequired.has(i.id) || (req.full ?? this.fullDue(i.id, req.reason));
    if (full) this.fullRequired.delete(i.id);
    // A new integration has no delta links yet: its first poll is a full read too.
    if (full || req.reason === "integration_created") this.lastFull.set(i.id, this.now());
    const pollId = newPollId();
    const abort = new AbortController();
    this.clearTimer(i.id);
    const done = this.runQueued(
      {
        pollId,
        integration: i,
        tenantId: i.tenantId,
        resources,
        full,
        reason: req.reason,
      },
      abort.signal,
    ).finally(() => {
      this.running.delete(i.id);
      this.scheduleNext(i.id, this.opts.intervalMs);
    });
    this.running.set(i.id, { pollId, abort, done });
    return { pollId, alreadyRunning: false };
  }

  /** Integrations known at start: first polls spread over one interval so a restart is no stampede. */
  learn(integrations: Integration[]): void {
    for (const i of integrations) {
      this.known.set(i.id, i);
      if (pollable(i))
        this.scheduleNext(i.id, Math.floor((this.opts.random ?? Math.random)() * this.opts.intervalMs));
    }
  }

  /** An IntegrationChanged event. */
  changed(change: "created" | "updated" | "deleted", i: Integration): void {
    const before = this.known.get(i.id);
    if (change === "deleted") {
      this.known.delete(i.id);
      this.clearTimer(i.id);
      this.running.get(i.id)?.abort.abort(new Error("integration deleted"));
      return;
    }
    // Events can arrive late or twice: never let an older state overwrite a newer one.
    if (before && before.updatedAt > i.updatedAt) return;
    this.known.set(i.id, i);
    if (!pollable(i)) {
      this.clearTimer(i.id);
      if (!i.enabled) this.running.get(i.id)?.abort.abort(new Error("integration disabled"));
      return;
    }
    // Newly usable (created, consented, fixed or re-enabled): poll now rather than an interval later,
    // whether or not a schedule is configured.
    if (change === "created" || !before || !pollable(before)) {
      const reason = change === "created" ? "integration_created" : "integration_changed";
      if (!this.running.has(i.id)) this.start({ integration: i, reason });
    }
  }

  /**
   * A deleted workspace: its integrations are forgotten (no schedule, running polls cancelled and
   * waited for, so their final events are out). Returns the integration ids it had.
   */
  async forgetWorkspace(workspaceId: string): Promise<string[]> {
    const doomed = [...this.known.values()].filter((i) => i.workspaceId === workspaceId);
    const running = doomed.flatMap((i) => {
      const r = this.running.get(i.id);
      return r ? [r.done] : [];
    });
    for (const i of doomed) this.changed("deleted", i);
    await Promise.allSettled(running);
    for (const i of doomed) {
      this.lastFull.delete(i.id);
      this.fullRequired.delete(i.id);
    }
    return doomed.map((i) => i.id);
  }

  /**
   * The store failed a poll of this integration at ingest: its delta links may have moved past
   * changes the warehouse never got, so the next poll (not a running one) reads everything.
   */
  requireFullRead(id: string): void {
    this.fullRequired.add(id);
  }

  integration(id: string): Integration | undefined {
    return this.known.get(id);
  }

  runningPoll(id: string): string | undefined {
    return this.running.get(id)?.pollId;
  }

  /** Cancels timers and running polls and waits for them to publish their final events. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    for (const r of this.running.values()) r.abort.abort(new Error("poller stopping"));
    for (const w of this.waiting.splice(0)) w();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  private async runQueued(job: PollJobSpec, signal: AbortSignal): Promise<void> {
    while (this.active >= this.opts.concurrency && !this.stopped) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active++;
    try {
      await this.opts.run(job, signal);
    } catch (err) {
      this.opts.log.error({ err, pollId: job.pollId, integrationId: job.integration.id }, "poll crashed");
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private scheduleNext(id: string, delayMs: number): void {
    if (this.stopped || this.opts.intervalMs <= 0) return;
    this.clearTimer(id);
    const t = setTimeout(() => {
      this.timers.delete(id);
      const i = this.known.get(id);
      if (!i || !pollable(i) || this.running.has(id)) return;
      try {
        this.start({ integration: i, reason: "schedule" });
      } catch (err) {
        this.opts.log.warn({ err, integrationId: id }, "scheduled poll not started");
      }
    }, delayMs);
    t.unref();
    this.timers.set(id, t);
  }

  private clearTimer(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }
}
