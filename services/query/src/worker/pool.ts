import { type ChildProcess, fork } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { currentRuntime } from "@tenantlens/config";
import { AppError } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { RunColumn } from "../sandbox/run-query.js";
import { type FairLimits, FairQueue, type Owner } from "./fair-queue.js";
import type { Job, JobFailure, JobOutput, ParentMessage, WorkerConfig, WorkerMessage } from "./protocol.js";

export interface PoolOptions {
  size: number;
  /** Per-worker settings; each worker's tempRoot is a subdirectory of `tempRoot`. */
  worker: Omit<WorkerConfig, "tempRoot">;
  tempRoot: string;
  /** How long a query may ignore an interrupt before its worker is killed. */
  killGraceMs: number;
  /** V8 heap limit of each worker (results are encoded there). */
  heapMb: number;
  /** Running jobs per workspace and per caller; the rest wait their turn, round-robin by workspace. */
  fairness: FairLimits;
  /**
   * A workspace whose queries killed this many workers within `windowMs` may not run queries for
   * `cooldownMs`: its crashes must not keep workers from everyone else.
   */
  quarantine: { crashes: number; windowMs: number; cooldownMs: number };
  logger: Logger;
}

/** Receives the parts of a streamed answer (jobs with `partChars`), as UTF-8 bytes of its text. */
export type PartReceiver = (bytes: Uint8Array, columns: RunColumn[]) => void;

export class JobFailed extends AppError {
  constructor(readonly failure: JobFailure) {
    super(failure.code, failure.message);
  }
}

interface Pending {
  id: number;
  job: Job;
  owner: Owner;
  deadline: number;
  resolve(out: JobOutput): void;
  reject(err: JobFailed): void;
  /** Parts of a streamed answer, in order, before the job resolves. */
  onPart?: PartReceiver;
  queueTimer?: NodeJS.Timeout;
}

interface Slot {
  n: number;
  child: ChildProcess;
  tempRoot: string;
  ready: boolean;
  current?: Pending & { timer?: NodeJS.Timeout; interruptedAt?: number };
  startedAt: number;
}

const WORKER_ENTRY = fileURLToPath(new URL("./worker-main.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

/**
 * A small pool of DuckDB worker processes, one query at a time each. A query past its deadline is
 * interrupted; if it has not stopped `killGraceMs` later its worker is killed and replaced, so one
 * runaway query never takes the service with it.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: FairQueue<Pending>;
  /** Per workspace: when its queries last killed a worker, and until when it is held back. */
  private readonly crashesBy = new Map<string, number[]>();
  private readonly quarantinedUntil = new Map<string, number>();
  private nextId = 1;
  private nextWorker = 1;
  private closed = false;
  private crashes = 0;

  private constructor(private readonly opts: PoolOptions) {
    this.queue = new FairQueue(opts.fairness);
  }

  static async start(opts: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    await mkdir(opts.tempRoot, { recursive: true, mode: 0o700 });
    await Promise.all(Array.from({ length: opts.size }, () => pool.spawn()));
    return pool;
  }

  /**
   * Runs a job for `owner` on a free worker, in its workspace's turn; rejects with JobFailed (an
   * AppError).
   */
  run(job: Job, timeoutMs: number, owner: Owner, onPart?: PartReceiver): Promise<JobOutput> {
    if (this.closed)
      return Promise.reject(failed("unavailable", "the query service is shutting down", "error"));
    const until = this.quarantinedUntil.get(owner.workspaceId) ?? 0;
    if (until > Date.now()) {
      return Promise.reject(
        failed(
          "rate_limited",
          `Queries of this workspace stopped query workers ${this.opts.quarantine.crashes} times within ${Math.round(this.opts.quarantine.windowMs / 1000)} s (they needed more memory than allowed); new queries are refused for ${Math.ceil((until - Date.now()) / 1000)} s more. Aggregate, filter or add a LIMIT.`,
          "rejected",
        ),
      );
    }
    return new Promise<JobOutput>((resolve, reject) => {
      const p: Pending = {
        id: this.nextId++,
        job,
        owner,
        deadline: Date.now() + timeoutMs,
        resolve,
        reject,
        ...(onPart ? { onPart } : {}),
      };
      p.queueTimer = setTimeout(() => {
        if (!this.queue.remove(p)) return;
        reject(
          failed(
            "query_timeout",
            `The query waited ${timeoutMs} ms for a free query worker and did not start (this workspace may run ${this.opts.fairness.perWorkspace} at once, each key ${this.opts.fairness.perActor}).`,
            "timeout",
          ),
        );
      }, timeoutMs);
      this.queue.push(p, owner);
      this.dispatch();
    });
  }

  /** Tells every worker that generations of the workspace older than `generationId` can close. */
  retire(workspaceId: string, generationId: number): void {
    for (const s of this.slots) this.send(s, { type: "retire", workspaceId, generationId });
  }

  /** Worker process ids (tests use them to simulate a stuck worker). */
  pids(): number[] {
    return this.slots.map((s) => s.child.pid ?? -1);
  }

  /** Jobs running or waiting. */
  get load(): number {
    return this.queue.size + this.slots.filter((s) => s.current).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.drain()) {
      clearTimeout(p.queueTimer);
      p.reject(failed("unavailable", "the query service is shutting down", "error"));
    }
    await Promise.all(this.slots.map((s) => this.stopSlot(s)));
    await rm(this.opts.tempRoot, { recursive: true, force: true });
  }

  private async spawn(): Promise<void> {
    const n = this.nextWorker++;
    const tempRoot = path.join(this.opts.tempRoot, `worker-${n}`);
    await mkdir(tempRoot, { recursive: true, mode: 0o700 });
    const config: WorkerConfig = { ...this.opts.worker, tempRoot };
    const child = fork(WORKER_ENTRY, [JSON.stringify(config)], {
      // On Deno, fork runs the worker on Deno too (TypeScript natively; the heap flag becomes a V8 flag).
      execArgv: [
        ...(currentRuntime() === "node" ? ["--import", TSX] : []),
        `--max-old-space-size=${this.opts.heapMb}`,
      ],
      serialization: "advanced",
      // Workers run analyst SQL: they get no environment (no NATS URL, no keys) beyond the basics.
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        TZ: "UTC",
        NODE_ENV: process.env.NODE_ENV ?? "production",
      },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    const slot: Slot = { n, child, tempRoot, ready: false, startedAt: Date.now() };
    this.slots.push(slot);
    const log = this.opts.logger.child({ worker: n, pid: child.pid });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) =>
      log.warn({ stderr: d.trim().slice(0, 2000) }, "query worker stderr"),
    );
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) =>
        reject(new Error(`query worker exited during start (code ${code}, signal ${signal})`));
      child.once("exit", onExit);
      child.on("message", (m: WorkerMessage) => {
        if (m.type === "ready") {
          child.off("exit", onExit);
          slot.ready = true;
          log.debug("query worker ready");
          resolve();
          this.dispatch();
        } else if (m.type === "part") {
          // Parts of an interrupted job no longer reach its caller.
          const current = slot.current;
          if (current?.id === m.id && current.interruptedAt === undefined)
            current.onPart?.(m.bytes, m.columns);
        } else {
          this.onDone(slot, m);
        }
      });
    }).catch((err: unknown) => {
      this.removeSlot(slot);
      throw err;
    });
    child.on("exit", (code, signal) => this.onExit(slot, code, signal));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.current) continue;
      const p = this.queue.take()?.item;
      if (!p) return;
      clearTimeout(p.queueTimer);
      const current: NonNullable<Slot["current"]> = { ...p };
      slot.current = current;
      current.timer = setTimeout(() => this.interrupt(slot, current), Math.max(0, p.deadline - Date.now()));
      this.send(slot, { type: "job", id: p.id, job: p.job });
    }
  }

  private interrupt(slot: Slot, current: NonNullable<Slot["current"]>): void {
    if (slot.current !== current) return;
    current.interruptedAt = Date.now();
    this.send(slot, { type: "interrupt", id: current.id });
    current.timer = setTimeout(() => {
      if (slot.current !== current) return;
      this.opts.logger.warn(
        { worker: slot.n, pid: slot.child.pid },
        "query ignored its interrupt: killing the worker",
      );
      slot.current = undefined;
      // The dying worker takes no more jobs: the next waits for its replacement.
      slot.ready = false;
      this.queue.finished(current.owner);
      current.reject(
        failed(
          "query_timeout",
          "The query ran past its time limit and did not stop when interrupted; it was killed.",
          "timeout",
        ),
      );
      slot.child.kill("SIGKILL");
    }, this.opts.killGraceMs);
  }

  private onDone(slot: Slot, m: Extract<WorkerMessage, { type: "done" }>): void {
    const current = slot.current;
    if (!current || current.id !== m.id) return;
    clearTimeout(current.timer);
    slot.current = undefined;
    this.queue.finished(current.owner);
    if (current.interruptedAt !== undefined) {
      current.reject(
        failed("query_timeout", "The query ran past its time limit and was interrupted.", "timeout"),
      );
    } else if (m.ok) {
      current.resolve(m.output);
    } else {
      current.reject(new JobFailed(m.failure));
    }
    this.crashes = 0;
    this.dispatch();
  }

  private onExit(slot: Slot, code: number | null, signal: string | null): void {
    this.removeSlot(slot);
    void rm(slot.tempRoot, { recursive: true, force: true });
    const current = slot.current;
    if (current) {
      clearTimeout(current.timer);
      slot.current = undefined;
      this.queue.finished(current.owner);
      this.noteCrash(current.owner.workspaceId);
      current.reject(
        failed(
          "query_error",
          `The query stopped its worker process (${signal ?? `exit code ${code}`}); it probably needed more memory than allowed. Aggregate, filter or add a LIMIT.`,
          "error",
        ),
      );
    }
    if (this.closed) return;
    // Only a worker that dies on its own soon after start counts as a broken install (and slows
    // respawning); one killed by a query is replaced at once, so no workspace costs others capacity.
    this.crashes = !current && Date.now() - slot.startedAt < 5_000 ? this.crashes + 1 : 0;
    this.respawnLater();
  }

  private noteCrash(workspaceId: string): void {
    const { crashes, windowMs, cooldownMs } = this.opts.quarantine;
    const now = Date.now();
    const recent = [...(this.crashesBy.get(workspaceId) ?? []), now].filter((t) => now - t < windowMs);
    this.crashesBy.set(workspaceId, recent);
    if (recent.length >= crashes) {
      this.quarantinedUntil.set(workspaceId, now + cooldownMs);
      this.crashesBy.delete(workspaceId);
      this.opts.logger.warn(
        { workspaceId, cooldownMs },
        "queries of this workspace keep killing workers: held back",
      );
    }
  }

  /** Replaces a worker, backing off while they keep dying right after start (a broken install). */
  private respawnLater(): void {
    const delay = this.crashes === 0 ? 0 : Math.min(30_000, 250 * 2 ** this.crashes);
    setTimeout(() => {
      if (this.closed) return;
      this.spawn().catch((err: unknown) => {
        this.opts.logger.error({ err }, "could not start a query worker");
        this.crashes += 1;
        this.respawnLater();
      });
    }, delay).unref();
  }

  private removeSlot(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  private send(slot: Slot, m: ParentMessage): void {
    if (slot.child.connected) slot.child.send(m);
  }

  private async stopSlot(slot: Slot): Promise<void> {
    const current = slot.current;
    if (current) {
      clearTimeout(current.timer);
      slot.current = undefined;
      this.queue.finished(current.owner);
      current.reject(failed("unavailable", "the query service is shutting down", "error"));
    }
    const exited = new Promise<void>((resolve) => {
      if (slot.child.exitCode !== null || slot.child.signalCode !== null) resolve();
      else slot.child.once("exit", () => resolve());
    });
    if (slot.child.connected) slot.child.disconnect();
    const killer = setTimeout(() => slot.child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(killer);
  }
}

function failed(code: JobFailure["code"], message: string, kind: JobFailure["kind"]): JobFailed {
  return new JobFailed({ code, message, kind });
}
