import { AppError, type Integration, type PollProgressView } from "@tenantlens/contracts";
import { catalog, derivedOf, type ResourceDef } from "@tenantlens/graph";
import type { Logger } from "@tenantlens/telemetry";
import type { CollectEvents } from "./adapters/collect-events.js";
import type { GraphReader } from "./adapters/graph-reader.js";
import type { Lease, Leases } from "./adapters/leases.js";
import type { PollMetrics } from "./adapters/metrics.js";
import type {
  IntegrationSchedule,
  PollState,
  PollStop,
  ResourceState,
  RunningPoll,
  Summary,
} from "./adapters/poll-state.js";
import { inPollSpan, traceHeaders } from "./adapters/poll-trace.js";
import { PollCancelled, type ReaderDeps, readResource, skipResource } from "./collector.js";
import { type CostMeter, emptyCost } from "./domain/cost.js";
import { pollOutcome } from "./domain/outcome.js";
import { newPollId, type PollReason, pollable, readOrder, selectResources } from "./poll-manager.js";

export const ABANDONED_REASON =
  "The poller stopped before this poll finished (killed or cut off from NATS), and the poll cannot be resumed; the next poll reads what it missed.";

export interface StartRequest {
  integration: Integration;
  resources?: string[];
  full?: boolean;
  reason: PollReason;
}

/** A Graph client for one poll of one integration (its token provider and throttling gate). */
export interface PollClient {
  graph: GraphReader;
  /** Objects expected before a first full read, e.g. from Graph's `$count` (null: unknown). */
  estimate?(resource: ResourceDef, signal: AbortSignal, meter: CostMeter): Promise<number | null>;
}

export interface CoordinatorOptions {
  replicaId: string;
  state: PollState;
  leases: Leases;
  events: CollectEvents;
  reader: Omit<ReaderDeps, "graph" | "log">;
  clientFor(poll: RunningPoll): PollClient;
  /** Forgets the clients of a poll that ended here. */
  releaseClient?(pollId: string): void;
  /** Scheduled polls: time after a poll ends before its resources are due again; 0 = no schedule. */
  intervalMs: number;
  /** The resources this deployment collects (POLL_RESOURCES, derived ones included); absent = all. */
  collected?: ReadonlySet<string>;
  /** Per resource (catalog name): its own interval, overriding `intervalMs`. */
  resourceIntervalsMs?: Readonly<Record<string, number>>;
  /**
   * Resources read in full every time (neither delta nor a log cursor: policies, settings,
   * per-parent reads): their interval when `resourceIntervalsMs` does not name them, never shorter
   * than `intervalMs`. Absent: `intervalMs`.
   */
  slowIntervalMs?: number;
  /** ± this fraction of the interval, so replicas and integrations do not poll in lockstep. */
  jitter: number;
  fullReconcileMs: number;
  /** Resource reads at once on this poller. */
  concurrency: number;
  /** Resource reads at once per integration, across every poller (its share of Graph's budget). */
  tenantConcurrency: number;
  /** Pollers a resource may be taken up by (a poller dying each time) before it ends failed. */
  maxAttempts: number;
  tickMs: number;
  log: Logger;
  random?: () => number;
  now?: () => number;
  /** Other live pollers (their replica leases), for a stop that hands work over instead of cancelling. */
  otherReplicas(): Promise<number>;
  /** Told when a poll closed (counters of polls, objects, Graph requests). */
  metrics?: PollMetrics;
}

interface LocalRead {
  pollId: string;
  integrationId: string;
  abort: AbortController;
  done: Promise<void>;
}

/** An entry older than this that no schedule points to was left by a creator that died. */
const ORPHAN_AFTER_MS = 60_000;

/**
 * Runs polls with any number of sibling pollers. Everything shared is in KV: the schedule (compare-
 * and-set: one poll per integration at a time), running polls and their resources' progress. A
 * resource is read by whoever holds its lease (`<integrationId>.<resource>`) and one of the
 * integration's budget slots; a poller that dies loses its leases when they expire and the next
 * poller to tick resumes the read from its last checkpoint. Whoever sees every resource of a poll
 * done publishes PollCompleted (its message id makes a second one a no-op) and schedules the next.
 */
export class Coordinator {
  private readonly reads = new Map<string, LocalRead>();
  /**
   * Per running poll, as of this poller's last look: whether a resource of it waits for a read
   * slot (or for room on a poller). Per-parent reads borrow free slots only when none does.
   */
  private readonly starved = new Map<string, boolean>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopping = false;

  constructor(private readonly o: CoordinatorOptions) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private rand(): number {
    return (this.o.random ?? Math.random)();
  }

  /** Starts the tick loop. */
  run(): void {
    const loop = () => {
      if (this.stopping) return;
      const wait = this.o.tickMs * (1 - this.o.jitter + 2 * this.o.jitter * this.rand());
      this.timer = setTimeout(() => {
        void this.tick().finally(loop);
      }, wait);
      this.timer.unref();
    };
    void this.tick().finally(loop);
  }

  /** Looks at the shared state now (coalesced: a tick in progress runs once more after it). */
  tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      do {
        this.again = false;
        try {
          await this.tickOnce();
        } catch (err) {
          if (!this.stopping) this.o.log.warn({ err }, "poller tick failed; next tick retries");
        }
      } while (this.again && !this.stopping);
    })().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    const schedules = new Map<string, IntegrationSchedule>();
    for (const id of await this.o.state.schedule.keys()) {
      const s = await this.o.state.schedule.get(id);
      if (s) schedules.set(id, s.value);
    }
    const running = await this.o.state.polls.keys();
    for (const pollId of this.starved.keys()) if (!running.includes(pollId)) this.starved.delete(pollId);
    for (const pollId of running) {
      if (this.stopping) return;
      const p = await this.o.state.polls.get(pollId);
      if (!p) continue;
      if (schedules.get(p.value.integrationId)?.runningPollId !== pollId) {
        // Not (yet) the integration's running poll: its creator points the schedule at it right
        // after writing it, so look again. Still unclaimed after a while, its creator died in
        // between (or the integration went): it is closed.
        const fresh = (await this.o.state.schedule.get(p.value.integrationId))?.value;
        if (fresh?.runningPollId !== pollId) {
          if (this.now() - Date.parse(p.value.startedAt) < ORPHAN_AFTER_MS) continue;
          await this.stopPoll(pollId, { kind: "cancelled", message: "The poll was cancelled" });
        }
      }
      await this.work((await this.o.state.polls.get(pollId))?.value ?? p.value);
    }
    if (this.o.intervalMs <= 0 || this.stopping) return;
    for (const [id, s] of schedules) {
      if (s.runningPollId) {
        // The schedule points at a poll nobody wrote (its creator died first): clear it.
        if (!(await this.o.state.polls.get(s.runningPollId))) await this.clearRunning(id, s.runningPollId);
        continue;
      }
      if (!pollable(s.integration)) continue;
      const due = this.dueResources(s);
      if (due.length === 0) continue;
      try {
        // A full reconcile reads every resource, whatever its own interval.
        const resources = this.fullDue(s, "schedule") ? undefined : due;
        await this.start({ integration: s.integration, resources, reason: "schedule" });
      } catch (err) {
        this.o.log.warn({ err, integrationId: id }, "scheduled poll not started");
      }
    }
  }

  /** Catalog resources whose scheduled time has come (absent from the schedule: due now). */
  private dueResources(s: IntegrationSchedule): string[] {
    const now = this.now();
    const collected = this.o.collected;
    const due = catalog
      .filter((r) => !r.derived && (!collected || collected.has(r.name)) && (s.dueAt[r.name] ?? 0) <= now)
      .map((r) => r.name);
    return due.length === 0 ? [] : selectResources(due, collected).map((r) => r.name);
  }

  private intervalOf(resource: string): number {
    const own = this.o.resourceIntervalsMs?.[resource];
    if (own !== undefined) return own;
    const def = catalog.find((r) => r.name === resource);
    // A delta round or a log window costs what changed; a full re-read costs the whole resource.
    if (!def || def.delta || def.log || def.derived) return this.o.intervalMs;
    return Math.max(this.o.intervalMs, this.o.slowIntervalMs ?? 0);
  }

  private jittered(ms: number): number {
    return Math.round(ms * (1 - this.o.jitter + 2 * this.o.jitter * this.rand()));
  }

  /** A scheduled poll turns into a full read when the last one is older than the reconcile period. */
  private fullDue(s: IntegrationSchedule | null, reason: PollReason): boolean {
    if (reason !== "schedule" || this.o.fullReconcileMs <= 0 || !s) return false;
    // Never read in full since this schedule exists (e.g. learned at start): the clock starts now.
    if (s.lastFullAt === null) return false;
    return this.now() - s.lastFullAt >= this.o.fullReconcileMs;
  }

  /**
   * Starts a poll unless one is running for the integration (on any poller): its id then comes back
   * with `alreadyRunning`. The schedule entry is the lock: a compare-and-set points it at the poll.
   */
  start(req: StartRequest): Promise<{ pollId: string; alreadyRunning: boolean }> {
    // A span of its own: a scheduled poll (no caller) starts its trace here.
    return inPollSpan({ pollId: "", integrationId: req.integration.id }, "start poll", () =>
      this.startPoll(req),
    );
  }

  private async startPoll(req: StartRequest): Promise<{ pollId: string; alreadyRunning: boolean }> {
    if (this.stopping) throw new AppError("unavailable", "the poller is shutting down");
    const i = req.integration;
    const resources = selectResources(req.resources, this.o.collected);
    for (;;) {
      const cur = await this.o.state.schedule.get(i.id);
      const s = cur?.value ?? null;
      const integration = s && s.integration.updatedAt > i.updatedAt ? s.integration : i;
      // A broken or disabled integration is refused even while its last poll is still closing.
      if (!pollable(integration) || integration.tenantId === null) {
        const why = !integration.enabled ? "disabled" : (integration.statusReason ?? integration.status);
        throw new AppError("integration_broken", `integration ${i.id} cannot be polled: ${why}`);
      }
      if (s?.runningPollId && (await this.o.state.polls.get(s.runningPollId)))
        return { pollId: s.runningPollId, alreadyRunning: true };
      const full =
        req.full === true || (s?.fullRequired ?? false) || (req.full ?? this.fullDue(s, req.reason));
      const pollId = newPollId();
      const startedAt = new Date(this.now()).toISOString();
      const poll: RunningPoll = {
        pollId,
        workspaceId: integration.workspaceId,
        integrationId: integration.id,
        tenantId: integration.tenantId,
        startedAt,
        resources: resources.map((r) => r.name),
        full,
        reason: req.reason,
        stop: null,
        trace: traceHeaders(),
      };
      // The poll first, then the pointer: a pointer never names a poll that was not written.
      await this.o.state.polls.put(pollId, poll);
      const next: IntegrationSchedule = {
        integration,
        runningPollId: pollId,
        dueAt: s?.dueAt ?? {},
        lastFullAt: full || req.reason === "integration_created" ? this.now() : (s?.lastFullAt ?? this.now()),
        fullRequired: full ? false : (s?.fullRequired ?? false),
        counts: s?.counts ?? {},
      };
      if (!(await this.o.state.schedule.set(i.id, next, cur?.revision ?? null))) {
        await this.o.state.polls.remove(pollId);
        continue;
      }
      await this.o.events.pollStarted({
        pollId,
        workspaceId: poll.workspaceId,
        integrationId: poll.integrationId,
        tenantId: poll.tenantId,
        resources: poll.resources ?? [],
        reason: req.reason,
        startedAt,
      });
      this.o.log.info(
        { pollId, integrationId: i.id, resources: resources.length, reason: req.reason, full },
        "poll started",
      );
      void this.tick();
      return { pollId, alreadyRunning: false };
    }
  }

  /** Integrations known at start: the first scheduled polls are spread over one interval. */
  async learn(integrations: Integration[]): Promise<void> {
    for (const i of integrations) {
      await this.o.state.schedule.update(i.id, (s) => {
        if (s) return s.integration.updatedAt < i.updatedAt ? { ...s, integration: i } : undefined;
        const first = this.now() + Math.floor(this.rand() * this.o.intervalMs);
        return {
          integration: i,
          runningPollId: null,
          dueAt: Object.fromEntries(catalog.map((r) => [r.name, first])),
          lastFullAt: null,
          fullRequired: false,
          counts: {},
        };
      });
    }
  }

  /** An IntegrationChanged event (one poller gets each; what it decides is in KV for all). */
  async changed(change: "created" | "updated" | "deleted", i: Integration): Promise<void> {
    if (change === "deleted") {
      const s = (await this.o.state.schedule.get(i.id))?.value;
      await this.o.state.schedule.remove(i.id);
      if (s?.runningPollId)
        await this.stopPoll(s.runningPollId, { kind: "cancelled", message: "The poll was cancelled" });
      return;
    }
    let before: Integration | null = null;
    const { changed } = await this.o.state.schedule.update(i.id, (s) => {
      before = s?.integration ?? null;
      // Events can arrive late or twice: never let an older state overwrite a newer one.
      if (s && s.integration.updatedAt > i.updatedAt) return undefined;
      return s
        ? { ...s, integration: i }
        : {
            integration: i,
            runningPollId: null,
            dueAt: {},
            lastFullAt: null,
            fullRequired: false,
            counts: {},
          };
    });
    if (!changed) return;
    const s = (await this.o.state.schedule.get(i.id))?.value;
    if (!pollable(i)) {
      if (!i.enabled && s?.runningPollId)
        await this.stopPoll(s.runningPollId, { kind: "cancelled", message: "The poll was cancelled" });
      return;
    }
    // Newly usable (created, consented, fixed or re-enabled): poll now, schedule or not.
    const was = before as Integration | null;
    if (change === "created" || !was || !pollable(was)) {
      const reason = change === "created" ? "integration_created" : "integration_changed";
      await this.start({ integration: i, reason });
    }
  }

  /**
   * A deleted workspace: its integrations leave the schedule and their running polls are cancelled
   * (the store drops whatever of theirs still arrives). Returns the integration ids it had.
   */
  async forgetWorkspace(workspaceId: string): Promise<string[]> {
    const ids: string[] = [];
    for (const key of await this.o.state.schedule.keys()) {
      const integration = (await this.o.state.schedule.get(key))?.value.integration;
      if (integration?.workspaceId !== workspaceId) continue;
      await this.changed("deleted", integration);
      ids.push(integration.id);
    }
    return ids;
  }

  /** The store failed a poll of this integration: its next poll (not a running one) reads everything. */
  async requireFullRead(id: string): Promise<void> {
    await this.o.state.schedule.update(id, (s) => (s ? { ...s, fullRequired: true } : undefined));
  }

  /** Marks a running poll to end early; its readers notice at their next page or lease renewal. */
  private async stopPoll(pollId: string, stop: PollStop): Promise<void> {
    await this.o.state.polls.update(pollId, (p) => (p && !p.stop ? { ...p, stop } : undefined));
    for (const r of this.reads.values()) {
      if (r.pollId === pollId && stop.kind === "cancelled") r.abort.abort(new PollCancelled(stop.message));
    }
    void this.tick();
  }

  /** Claims what this poller can read of a running poll, or closes the poll when all is done. */
  private async work(poll: RunningPoll): Promise<void> {
    if (!poll.resources) {
      // Written by a poller from before resumable polls: nothing says what it was reading.
      await this.close(poll, [], ABANDONED_REASON);
      return;
    }
    const defs = poll.resources.flatMap((n) => catalog.filter((r) => r.name === n));
    const units = defs.filter((r) => !r.derived);
    const states = new Map<string, ResourceState | null>();
    for (const u of units) {
      states.set(
        u.name,
        (await this.o.state.progress.get(this.o.state.progressKey(poll.pollId, u.name)))?.value ?? null,
      );
    }
    if (units.every((u) => states.get(u.name)?.state === "done")) {
      const summaries = units.flatMap((u) => states.get(u.name)?.summaries ?? []);
      const order = new Map(poll.resources.map((n, k) => [n, k]));
      summaries.sort((a, b) => (order.get(a.resource) ?? 0) - (order.get(b.resource) ?? 0));
      await this.close(poll, summaries, poll.stop ? stopError(poll.stop) : null);
      return;
    }
    let starved = false;
    for (const u of readOrder(units)) {
      if (this.stopping) return;
      const key = readKey(poll.integrationId, u.name);
      if (this.reads.has(key) || states.get(u.name)?.state === "done") continue;
      if (await this.o.leases.held(key)) continue;
      // Not done and nobody reads it: it waits for room here or for a slot of the tenant.
      if (this.reads.size >= this.o.concurrency) {
        starved = true;
        break;
      }
      const slot = await this.o.leases.tryAcquireOneOf(
        `${poll.integrationId}.slot`,
        this.o.tenantConcurrency,
        { pollId: poll.pollId },
      );
      if (!slot) {
        starved = true;
        break;
      }
      const lease = await this.o.leases.tryAcquire(key, { pollId: poll.pollId });
      if (!lease) {
        await slot.release();
        continue;
      }
      // Another poller may have finished it between our look and our lease.
      const fresh = await this.o.state.progress.get(this.o.state.progressKey(poll.pollId, u.name));
      if (fresh?.value.state === "done") {
        await Promise.all([lease.release(), slot.release()]);
        continue;
      }
      this.launch(poll, u, fresh?.value ?? null, lease, slot);
    }
    this.starved.set(poll.pollId, starved);
  }

  /**
   * One more of the integration's read slots for a per-parent read's next `$batch`, given back
   * after the batch: the resources' own chains come first, spare slots shorten the per-parent
   * reads. None while a resource of the poll waits for a slot as of this poller's last look, and
   * never the tenant's last free slot: other pollers cannot see what this one waits for, nor this
   * one what they wait for, so one slot always stays free for whichever poller's tick comes next
   * (a borrowed slot is held for one batch, so a resource that waits gets one within a batch and a
   * tick). The price is one slot idle while a per-parent read borrows and nothing else waits.
   */
  private async borrowSlot(poll: RunningPoll, signal: AbortSignal): Promise<Lease | null> {
    if (this.stopping || signal.aborted || this.starved.get(poll.pollId) !== false) return null;
    return this.o.leases.tryAcquireSpare(`${poll.integrationId}.slot`, this.o.tenantConcurrency, {
      pollId: poll.pollId,
    });
  }

  private launch(
    poll: RunningPoll,
    unit: ResourceDef,
    prior: ResourceState | null,
    lease: Lease,
    slot: Lease,
  ) {
    const key = readKey(poll.integrationId, unit.name);
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, lease.lost, slot.lost]);
    const derived = derivedOf(unit).filter((d) => poll.resources?.includes(d.name));
    const ref = {
      pollId: poll.pollId,
      workspaceId: poll.workspaceId,
      integrationId: poll.integrationId,
      tenantId: poll.tenantId,
    };
    const progressKey = this.o.state.progressKey(poll.pollId, unit.name);
    const log = this.o.log.child({ pollId: poll.pollId, integrationId: poll.integrationId });
    // The poll's stop mark is checked while reading: a cancel or lost token on another poller ends this read too.
    const watch = setInterval(
      async () => {
        const p = (await this.o.state.polls.get(poll.pollId).catch(() => null))?.value;
        if (!p) abort.abort(new PollCancelled("The poll was cancelled"));
        else if (p.stop) abort.abort(new PollCancelled(notReadReason(p.stop)));
      },
      Math.max(100, Math.floor(this.o.leases.ttlMs / 3)),
    );
    watch.unref();

    const done = inPollSpan(poll, `read ${unit.name}`, async () => {
      try {
        const current = (await this.o.state.polls.get(poll.pollId))?.value;
        const stop =
          current?.stop ??
          (current ? null : { kind: "cancelled" as const, message: "The poll was cancelled" });
        let result: ResourceState | null;
        let tokenLost: string | null = null;
        if (stop) {
          result = await skipResource(ref, [unit, ...derived], notReadReason(stop), prior, this.o.reader);
        } else if (prior && prior.attempts >= this.o.maxAttempts) {
          result = await skipResource(
            ref,
            [unit, ...derived],
            `The read was taken up by ${prior.attempts} pollers and none finished it (each stopped mid-read)`,
            prior,
            this.o.reader,
          );
        } else {
          const client = this.o.clientFor(poll);
          const counts = (await this.o.state.schedule.get(poll.integrationId))?.value.counts ?? {};
          let estimate = counts[unit.name] ?? null;
          const spent = emptyCost();
          // Directory collections answer $count; one request buys the first read a progress bar.
          if (estimate === null && !prior && client.estimate && unit.delta && !poll.stop)
            estimate = await client.estimate(unit, signal, spent).catch(() => null);
          const r = await readResource(
            {
              ref,
              full: poll.full ?? false,
              resource: unit,
              derived,
              resume: prior,
              estimate,
              spent,
              signal,
              checkpoint: async (state) => {
                if (!signal.aborted) await this.o.state.progress.put(progressKey, state);
              },
            },
            {
              ...this.o.reader,
              graph: client.graph,
              log,
              borrowSlot: unit.fanOut ? () => this.borrowSlot(poll, signal) : undefined,
            },
          );
          if (r.kind === "interrupted") {
            log.info({ resource: unit.name }, "read handed over (stopping or lease lost)");
            result = null;
          } else {
            result = r.state;
            if (r.tokenLost) tokenLost = r.tokenLost.message;
          }
        }
        if (result && !lease.lost.aborted) await this.o.state.progress.put(progressKey, result);
        if (tokenLost !== null)
          await this.o.state.polls.update(poll.pollId, (p) =>
            p && !p.stop ? { ...p, stop: { kind: "token", message: tokenLost ?? "" } } : undefined,
          );
      } catch (err) {
        log.error({ err, resource: unit.name }, "resource read crashed; another attempt follows");
      } finally {
        clearInterval(watch);
        await Promise.all([lease.release(), slot.release()]);
        this.reads.delete(key);
        if (!this.stopping) void this.tick();
      }
    });
    this.reads.set(key, { pollId: poll.pollId, integrationId: poll.integrationId, abort, done });
  }

  /** PollCompleted, then the schedule's next due times, then the poll's state goes. */
  private async close(poll: RunningPoll, summaries: Summary[], error: string | null): Promise<void> {
    const outcome =
      poll.resources === undefined
        ? "failed"
        : pollOutcome(
            summaries.map((s) => s.outcome),
            false,
          );
    const completedAt = new Date(this.now()).toISOString();
    await inPollSpan(poll, "complete poll", () =>
      this.o.events.pollCompleted({
        pollId: poll.pollId,
        workspaceId: poll.workspaceId,
        integrationId: poll.integrationId,
        tenantId: poll.tenantId,
        outcome,
        error,
        startedAt: poll.startedAt,
        completedAt,
        resources: summaries.map((s) => ({
          resource: s.resource,
          mode: s.mode,
          outcome: s.outcome,
          reason: s.reason,
          objectCount: s.objectCount,
          ...(s.cost ? { cost: s.cost } : {}),
          ...(s.attempts ? { attempts: s.attempts } : {}),
        })),
      }),
    );
    this.o.metrics?.pollClosed({
      outcome,
      reason: poll.reason ?? "unknown",
      durationMs: Date.parse(completedAt) - Date.parse(poll.startedAt),
      resources: summaries,
    });
    const now = this.now();
    await this.o.state.schedule.update(poll.integrationId, (s) => {
      if (!s || s.runningPollId !== poll.pollId) return undefined;
      const dueAt = { ...s.dueAt };
      const counts = { ...s.counts };
      for (const r of summaries) {
        if (this.o.intervalMs > 0) dueAt[r.resource] = now + this.jittered(this.intervalOf(r.resource));
        if (r.outcome === "complete" && r.mode === "full") counts[r.resource] = r.objectCount;
      }
      return { ...s, runningPollId: null, dueAt, counts };
    });
    for (const n of poll.resources ?? [])
      await this.o.state.progress.remove(this.o.state.progressKey(poll.pollId, n));
    await this.o.state.polls.remove(poll.pollId);
    this.o.releaseClient?.(poll.pollId);
    this.o.log.info(
      { pollId: poll.pollId, integrationId: poll.integrationId, outcome, error },
      "poll completed",
    );
  }

  private async clearRunning(integrationId: string, pollId: string): Promise<void> {
    await this.o.state.schedule.update(integrationId, (s) =>
      s && s.runningPollId === pollId ? { ...s, runningPollId: null } : undefined,
    );
  }

  /** The running poll of an integration as the pollers see it now. */
  async progress(workspaceId: string, integrationId: string): Promise<PollProgressView | null> {
    const s = (await this.o.state.schedule.get(integrationId))?.value;
    if (!s?.runningPollId || s.integration.workspaceId !== workspaceId) return null;
    const poll = (await this.o.state.polls.get(s.runningPollId))?.value;
    if (!poll?.resources) return null;
    const out: PollProgressView = { pollId: poll.pollId, startedAt: poll.startedAt, resources: [] };
    for (const u of catalog.filter((r) => !r.derived && poll.resources?.includes(r.name))) {
      const st = (await this.o.state.progress.get(this.o.state.progressKey(poll.pollId, u.name)))?.value;
      const reading = await this.o.leases.held(readKey(poll.integrationId, u.name));
      const streams = st?.streams ?? [{ resource: u.name, page: 0, objectCount: 0, removedCount: 0 }];
      for (const [k, stream] of streams.entries()) {
        const summary = st?.summaries?.find((x) => x.resource === stream.resource);
        out.resources.push({
          resource: stream.resource,
          state: st?.state === "done" ? "done" : reading || st ? "running" : "pending",
          mode: st?.mode ?? null,
          objects: stream.objectCount,
          pages: stream.page,
          estimate:
            k === 0 ? (st?.estimate ?? s.counts[u.name] ?? null) : (s.counts[stream.resource] ?? null),
          outcome: summary?.outcome ?? null,
          cost: k === 0 ? (st?.cost ?? null) : null,
        });
      }
    }
    return out;
  }

  /**
   * Stops this poller. With siblings alive its reads are handed over (they resume them from their
   * checkpoints); as the last poller it cancels its polls and closes them, so none stays running.
   */
  async stop(): Promise<void> {
    const others = await this.o.otherReplicas().catch(() => 0);
    if (others > 0) {
      this.stopping = true;
      if (this.timer) clearTimeout(this.timer);
      for (const r of this.reads.values())
        r.abort.abort(new Error("poller stopping; a sibling resumes the read"));
      await Promise.allSettled([...this.reads.values()].map((r) => r.done));
      await this.ticking;
      return;
    }
    const pollIds = new Set([...this.reads.values()].map((r) => r.pollId));
    for (const id of await this.o.state.polls.keys().catch(() => [])) pollIds.add(id);
    for (const id of pollIds)
      await this.stopPoll(id, { kind: "cancelled", message: "The poll was cancelled" });
    await Promise.allSettled([...this.reads.values()].map((r) => r.done));
    // Close what was cancelled (the remaining resources are recorded as not read).
    const until = Date.now() + this.o.leases.ttlMs + 5_000;
    while (Date.now() < until && (await this.o.state.polls.keys().catch(() => [])).length > 0) {
      await this.tick();
      await Promise.allSettled([...this.reads.values()].map((r) => r.done));
      if (this.reads.size === 0) await new Promise((r) => setTimeout(r, 100));
    }
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }
}

function readKey(integrationId: string, resource: string): string {
  return `${integrationId}.${resource}`;
}

function stopError(stop: PollStop): string {
  return stop.kind === "token" ? `Access token lost during the poll: ${stop.message}` : stop.message;
}

function notReadReason(stop: PollStop): string {
  return stop.kind === "token" ? `Not read: no access token (${stop.message})` : stop.message;
}
