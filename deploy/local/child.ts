import { type ChildProcess, spawn } from "node:child_process";

export interface ChildSpec<T> {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Returns a value (not undefined) for the stdout line that says the child is ready. */
  readyFrom: (line: string) => T | undefined;
  readyTimeoutMs: number;
  /** Every line of output (stdout and stderr), for display. */
  onLine: (line: string) => void;
}

export interface RunningChild<T> {
  name: string;
  pid: number;
  ready: Promise<T>;
  /** Exit code, or the signal name. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  lastLines(n?: number): string[];
  /** Last resort when the launcher itself exits abruptly. */
  killNow(): void;
}

/** Spawns a child in its own process group and watches its output for the ready line. */
export function startChild<T>(spec: ChildSpec<T>): RunningChild<T> {
  const child: ChildProcess = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ["ignore", "pipe", "pipe"],
    // Own process group: Ctrl-C reaches only the launcher, which then stops children in order.
    detached: true,
  });
  const tail: string[] = [];
  let resolveReady: (v: T) => void = () => {};
  let rejectReady: (e: Error) => void = () => {};
  const ready = new Promise<T>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {});
  let isReady = false;

  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.once("error", (err) => {
      tail.push(String(err));
      resolve(`spawn failed: ${err.message}`);
    });
  });

  const feed = (stream: NodeJS.ReadableStream | null, watch: boolean) => {
    if (!stream) return;
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, "");
        buf = buf.slice(nl + 1);
        tail.push(line);
        if (tail.length > 200) tail.shift();
        if (watch && !isReady) {
          const v = spec.readyFrom(line);
          if (v !== undefined) {
            isReady = true;
            resolveReady(v);
          }
        }
        spec.onLine(line);
        nl = buf.indexOf("\n");
      }
    });
  };
  // Both streams: services log "ready" to stdout, nats-server says "Server is ready" on stderr.
  feed(child.stdout, true);
  feed(child.stderr, true);

  const timer = setTimeout(() => {
    if (!isReady) rejectReady(new Error(`${spec.name} was not ready within ${spec.readyTimeoutMs / 1000} s`));
  }, spec.readyTimeoutMs);
  void exited.then((code) => {
    clearTimeout(timer);
    if (!isReady) rejectReady(new Error(`${spec.name} exited (${code}) before it was ready`));
  });

  return {
    name: spec.name,
    pid: child.pid ?? -1,
    ready,
    exited,
    lastLines: (n = 30) => tail.slice(-n),
    killNow: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
