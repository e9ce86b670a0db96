import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runtimeFromEnv, tsCommand } from "@tenantlens/config";
import { exitOf, killHard, terminate } from "./child.js";
import { credentialEnv } from "./nats.js";
import { track } from "./registry.js";
import { LineRing } from "./ring.js";

/** Repo root, from this file's place in libs/testkit/src. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export type ServiceName =
  | "auth"
  | "poller"
  | "store"
  | "query"
  | "rules"
  | "notifier"
  | "gateway"
  | "provisioner"
  | (string & {});

export interface ServiceProcess {
  name: string;
  pid: number;
  /** Last lines of stdout+stderr. */
  logs(): string;
  /** SIGTERM, wait, SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash). */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface StartServiceOptions {
  /** Default 60 s: a store migrating a warehouse on a busy 2-core machine needs most of 20 s. */
  readyTimeoutMs?: number;
  /** Entry file relative to the repo root (default services/<name>/src/index.ts). */
  entry?: string;
  /**
   * The command instead of the runtime's usual one (`tsCommand`), e.g. Deno with narrow permissions;
   * `env` is added to the service's environment.
   */
  command?: { command: string; args: string[]; env?: NodeJS.ProcessEnv };
}

const started: ServiceProcess[] = [];

/**
 * Runs `services/<name>/src/index.ts` as its own process (on Node through tsx, or on Deno) and resolves once it logs
 * `{"msg":"ready"}`. On a locked test bus (`env.NATS_URL` from `startNats()`) the service connects
 * with its own NKEY unless `env` names one. Output is kept in memory; `withServiceLogs` prints it when a test fails.
 */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  opts: StartServiceOptions = {},
): Promise<ServiceProcess> {
  const entry = opts.entry ?? path.join("services", name, "src", "index.ts");
  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    OTEL_SDK_DISABLED: "true",
    LOG_LEVEL: "info",
    ...credentialEnv(name, env),
    ...env,
  };
  // Set by `node --test` for its workers; a service must not think it runs under the runner.
  delete childEnv.NODE_TEST_CONTEXT;
  // TENANTLENS_RUNTIME=deno runs the service on Deno (the suite's Deno pass); unset: the runner's runtime.
  const run =
    opts.command ??
    tsCommand(runtimeFromEnv(childEnv), entry, [], { caCertPath: childEnv.NODE_EXTRA_CA_CERTS });
  const child = spawn(run.command, run.args, {
    cwd: repoRoot,
    env: { ...childEnv, ...run.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs = new LineRing(2000);
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const onLine = (line: string) => {
    if (line.includes('"msg":"ready"') && isReadyLine(line)) markReady();
  };
  child.stdout?.setEncoding("utf8").on("data", (c: string) => logs.write(c, onLine));
  child.stderr?.setEncoding("utf8").on("data", (c: string) => logs.write(c));
  const exited = exitOf(child);
  const spawnFailed = new Promise<never>((_, reject) => child.once("error", reject));

  const proc: ServiceProcess = {
    name,
    pid: child.pid ?? -1,
    logs: () => logs.text(),
    stop: () => terminate(child, 10_000),
    kill: () => killHard(child),
    exited,
  };
  const untrack = track({ stop: () => proc.stop(), killSync: () => child.kill("SIGKILL") });
  void exited.then(untrack);
  started.push(proc);

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const outcome = await Promise.race([ready.then(() => "ready" as const), exited, timedOut, spawnFailed]);
    if (outcome === "ready") return proc;
    if (outcome === "timeout") {
      await killHard(child);
      throw new Error(`${name} did not log "ready" within ${timeoutMs} ms; last output:\n${logs.text(40)}`);
    }
    throw new Error(
      `${name} exited with code ${String(outcome)} before it was ready; last output:\n${logs.text(40)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

function isReadyLine(line: string): boolean {
  try {
    return (JSON.parse(line) as { msg?: unknown }).msg === "ready";
  } catch {
    return false;
  }
}

/** Output of every service started in this process, labelled by name. */
export function serviceLogs(): string {
  return started.map((s) => `----- ${s.name} (pid ${s.pid}) -----\n${s.logs()}`).join("\n");
}

/** Runs `fn`; if it throws, prints every started service's output to stderr and rethrows. */
export async function withServiceLogs<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    process.stderr.write(`${serviceLogs()}\n`);
    throw err;
  }
}
