import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { exitOf, killHard, terminate } from "./child.js";
import { freePort } from "./ports.js";
import { removeDir, track } from "./registry.js";
import { LineRing } from "./ring.js";
import { tempDir } from "./temp.js";

export interface NatsOptions {
  /** Server max_payload in bytes (default: the server's 1 MB). */
  maxPayload?: number;
}

export interface NatsServer {
  url: string;
  monitorUrl: string;
  /** JetStream store directory (removed by `stop()`). */
  dir: string;
  port: number;
  /** Graceful stop, then removes `dir`. */
  stop(): Promise<void>;
  /** SIGKILL (a crash); `dir` stays so `restart()` finds the streams again. */
  kill(): Promise<void>;
  /** Starts the server again on the same ports and directory. */
  restart(): Promise<void>;
  logs(): string;
}

const INSTALL_HINT = "install it: apt-get install -y nats-server";

/** Starts a real nats-server with JetStream on free loopback ports in a temp dir. */
export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const dir = tempDir("tl-nats");
  const extra: string[] = [];
  if (opts.maxPayload !== undefined) {
    const conf = path.join(dir, "nats.conf");
    writeFileSync(conf, `max_payload: ${opts.maxPayload}\n`);
    extra.push("-c", conf);
  }
  const logs = new LineRing(500);
  let child: ChildProcess | undefined;
  let ports = { port: 0, monitor: 0 };

  const launch = async (): Promise<void> => {
    const args = [
      "-a",
      "127.0.0.1",
      "-js",
      "-sd",
      dir,
      "-p",
      String(ports.port),
      "-m",
      String(ports.monitor),
    ];
    child = await spawnServer([...args, ...extra], logs);
    await waitHealthy(child, ports.monitor, logs);
  };

  // Two free ports can race with other tests on a shared machine: retry with fresh ones.
  for (let attempt = 1; ; attempt++) {
    ports = { port: await freePort(), monitor: await freePort() };
    try {
      await launch();
      break;
    } catch (err) {
      if (child) await killHard(child);
      if (attempt >= 3 || !/address already in use/i.test(logs.text(20))) {
        await removeDir(dir);
        throw err;
      }
    }
  }

  let stopped = false;
  const untrack = track({
    stop: () => server.stop(),
    killSync: () => child?.kill("SIGKILL"),
  });
  const server: NatsServer = {
    url: `nats://127.0.0.1:${ports.port}`,
    monitorUrl: `http://127.0.0.1:${ports.monitor}`,
    dir,
    port: ports.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      untrack();
      if (child) await terminate(child, 5_000);
      await removeDir(dir);
    },
    async kill() {
      if (child) await killHard(child);
    },
    async restart() {
      if (child) await terminate(child, 5_000);
      await launch();
    },
    logs: () => logs.text(),
  };
  return server;
}

function spawnServer(args: string[], logs: LineRing): Promise<ChildProcess> {
  const bin = process.env.NATS_SERVER_BIN ?? "nats-server";
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.setEncoding("utf8").on("data", (c: string) => logs.write(c));
    child.stderr?.setEncoding("utf8").on("data", (c: string) => logs.write(c));
    child.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "ENOENT"
          ? new Error(`nats-server was not found (looked for "${bin}" on PATH); ${INSTALL_HINT}`)
          : err,
      );
    });
    child.once("spawn", () => resolve(child));
  });
}

async function waitHealthy(child: ChildProcess, monitorPort: number, logs: LineRing): Promise<void> {
  const deadline = Date.now() + 15_000;
  let exited = false;
  void exitOf(child).then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`nats-server exited during start:\n${logs.text(30)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`, {
        signal: AbortSignal.timeout(1_000),
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not become healthy within 15 s:\n${logs.text(30)}`);
}
