import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  type BusIdentity,
  ensureBusIdentities,
  natsAuthorization,
  natsWebsocket,
  serviceUsers,
} from "@tenantlens/bus";
import { SERVICES, type ServiceName } from "@tenantlens/contracts";
import { exitOf, killHard, terminate } from "./child.js";
import { freePort } from "./ports.js";
import { removeDir, track } from "./registry.js";
import { LineRing } from "./ring.js";
import { tempDir } from "./temp.js";

export interface NatsOptions {
  /** Server max_payload in bytes (default: the server's 1 MB). */
  maxPayload?: number;
  /**
   * Lock the bus as `npm start` does (default true): every service has its own NKEY and only the
   * permissions derived from the contracts; anonymous clients are refused. `false`: an open server.
   */
  auth?: boolean;
  /** More server config (e.g. a `tls { … }` block); clients then reach it with `tls://` URLs. */
  extraConfig?: string;
  /**
   * Also listen for NATS over WebSocket (nats-server's `websocket {}` block, plain ws:// on loopback:
   * `no_tls`); its URL is `wsUrl`. The same NKEY users and permissions apply to WebSocket clients.
   */
  websocket?: boolean;
}

/** An identity on the test bus: a service, or `test`, the tests' own unrestricted client. */
export type BusIdentityName = ServiceName | "test";

/** What an in-process client passes to `connectBus` (spread it: `{ ...nats.client(), service, logger }`). */
export interface NatsClientOptions {
  url: string;
  nkeySeedFile?: string;
}

export interface NatsServer {
  url: string;
  /** `ws://127.0.0.1:<port>` when started with `websocket: true`. */
  wsUrl?: string;
  monitorUrl: string;
  /** JetStream store directory (removed by `stop()`). */
  dir: string;
  port: number;
  /** Whether the server requires each client's NKEY (see NatsOptions.auth). */
  auth: boolean;
  /** Connection options of `identity` (default `test`: everything allowed, for the test's own client). */
  client(identity?: BusIdentityName): NatsClientOptions;
  /** Env of a service process connecting as `service`: NATS_URL and NATS_NKEY_SEED_FILE. */
  env(service: BusIdentityName): Record<string, string>;
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
  const auth = opts.auth ?? true;
  const extra: string[] = [];
  let identities: Record<string, BusIdentity> = {};
  const conf: string[] = [];
  if (opts.maxPayload !== undefined) conf.push(`max_payload: ${opts.maxPayload}`);
  if (auth) {
    identities = ensureBusIdentities(path.join(dir, "creds"), [...SERVICES, "test"]);
    const keys = Object.fromEntries(Object.values(identities).map((i) => [i.name, i.publicKey]));
    const test = identities.test as BusIdentity;
    conf.push(natsAuthorization([...serviceUsers(keys), { name: "test", nkey: test.publicKey }]));
  }
  if (opts.extraConfig) conf.push(opts.extraConfig);
  const confFile = path.join(dir, "nats.conf");
  if (conf.length > 0 || opts.websocket) extra.push("-c", confFile);
  const logs = new LineRing(500);
  let child: ChildProcess | undefined;
  let ports = { port: 0, monitor: 0, ws: 0 };

  const launch = async (): Promise<void> => {
    if (conf.length > 0 || opts.websocket) {
      const ws = opts.websocket ? [natsWebsocket({ host: "127.0.0.1", port: ports.ws })] : [];
      writeFileSync(confFile, `${[...conf, ...ws].join("\n")}\n`, { mode: 0o600 });
    }
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
    ports = { port: await freePort(), monitor: await freePort(), ws: opts.websocket ? await freePort() : 0 };
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
  const url = `nats://127.0.0.1:${ports.port}`;
  const seedFile = (identity: BusIdentityName): string | undefined => {
    if (!auth) return undefined;
    const found = identities[identity];
    if (!found) throw new Error(`no bus identity ${identity} (known: ${Object.keys(identities).join(", ")})`);
    return found.seedFile;
  };
  const server: NatsServer = {
    url,
    ...(opts.websocket ? { wsUrl: `ws://127.0.0.1:${ports.ws}` } : {}),
    monitorUrl: `http://127.0.0.1:${ports.monitor}`,
    dir,
    port: ports.port,
    auth,
    client(identity = "test") {
      const nkeySeedFile = seedFile(identity);
      return nkeySeedFile ? { url, nkeySeedFile } : { url };
    },
    env(service): Record<string, string> {
      const nkeySeedFile = seedFile(service);
      return nkeySeedFile ? { NATS_URL: url, NATS_NKEY_SEED_FILE: nkeySeedFile } : { NATS_URL: url };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      servers.delete(url);
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
  servers.set(url, server);
  return server;
}

/** Running test servers by URL, so `startService` hands each service its own credential. */
const servers = new Map<string, Pick<NatsServer, "auth" | "env">>();

/** Registers a server (or a cluster under its comma-separated URL) for `credentialEnv`; returns the undo. */
export function registerServer(url: string, server: Pick<NatsServer, "auth" | "env">): () => void {
  servers.set(url, server);
  return () => servers.delete(url);
}

/**
 * The credential env of service `name` when `env.NATS_URL` is a locked test server and the caller set
 * none: every harness that starts services with `NATS_URL: nats.url` runs them under their own
 * identity without knowing about it. Names that are no service (fixtures) get nothing.
 */
export function credentialEnv(name: string, env: Record<string, string>): Record<string, string> {
  if (env.NATS_NKEY_SEED_FILE !== undefined || env.NATS_URL === undefined) return {};
  const server = servers.get(env.NATS_URL);
  if (!server?.auth || !(SERVICES as readonly string[]).includes(name)) return {};
  return server.env(name as ServiceName);
}

export function spawnServer(args: string[], logs: LineRing): Promise<ChildProcess> {
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

export async function waitHealthy(
  child: ChildProcess,
  monitorPort: number,
  logs: LineRing,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
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
  throw new Error(`nats-server did not become healthy within ${timeoutMs / 1000} s:\n${logs.text(30)}`);
}
