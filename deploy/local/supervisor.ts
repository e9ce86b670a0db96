import { type ChildSpec, type RunningChild, startChild } from "./child.js";

interface Managed {
  name: string;
  makeSpec: () => ChildSpec<unknown>;
  restart: boolean;
  current: RunningChild<unknown> | undefined;
  restarts: number[];
}

const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/**
 * Runs the launcher's children in start order and stops them in reverse. A service that crashes
 * after it was ready is restarted with backoff (a few times a minute at most); infrastructure
 * (nats-server, the simulator) is not, and its loss stops everything.
 */
export class Supervisor {
  private readonly managed: Managed[] = [];
  private stopping = false;

  constructor(
    private readonly print: (line: string) => void,
    private readonly onFatal: (reason: string) => void,
  ) {}

  /** Starts a child and resolves with its ready value; rejects if it dies or times out first. */
  async start<T>(name: string, makeSpec: () => ChildSpec<T>, opts: { restart: boolean }): Promise<T> {
    if (this.stopping) throw new Error(`not starting ${name}: the launcher is stopping`);
    const m: Managed = { name, makeSpec, restart: opts.restart, current: undefined, restarts: [] };
    this.managed.push(m);
    try {
      return (await this.launch(m)) as T;
    } catch (err) {
      // Not ready: nothing to restart or stop later (the caller may start it again).
      this.managed.splice(this.managed.indexOf(m), 1);
      throw err;
    }
  }

  private async launch(m: Managed): Promise<unknown> {
    const child = startChild(m.makeSpec());
    m.current = child;
    let ready = false;
    void child.exited.then((code) => {
      if (ready) this.onExit(m, child, code);
    });
    const value = await child.ready.catch(async (err: unknown) => {
      await child.stop(2_000);
      const tail = child.lastLines(12).join("\n");
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}${tail ? `; last output:\n${tail}` : ""}`,
      );
    });
    ready = true;
    return value;
  }

  private onExit(m: Managed, child: RunningChild<unknown>, code: number | string): void {
    if (this.stopping || m.current !== child) return;
    if (!m.restart) {
      this.onFatal(`${m.name} stopped unexpectedly (exit ${code})`);
      return;
    }
    const now = Date.now();
    m.restarts = m.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (m.restarts.length >= MAX_RESTARTS) {
      this.onFatal(`${m.name} keeps crashing (${MAX_RESTARTS} restarts within a minute)`);
      return;
    }
    m.restarts.push(now);
    const delayMs = 500 * 2 ** (m.restarts.length - 1);
    this.print(`launcher | ${m.name} exited (${code}); restarting in ${delayMs / 1000} s`);
    setTimeout(() => {
      if (this.stopping) return;
      this.launch(m).then(
        () => this.print(`launcher | ${m.name} is ready again`),
        (err: unknown) =>
          this.onFatal(`${m.name} could not restart: ${err instanceof Error ? err.message : String(err)}`),
      );
    }, delayMs);
  }

  /** Stops every child, newest first, each with a grace period before SIGKILL. */
  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const m of [...this.managed].reverse()) {
      if (!m.current) continue;
      await m.current.stop(graceMs);
    }
  }

  /** Synchronous last resort (the launcher is exiting without a clean stop). */
  killAll(): void {
    this.stopping = true;
    for (const m of this.managed) m.current?.killNow();
  }

  names(): string[] {
    return this.managed.map((m) => m.name);
  }
}
