import type { ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type BusIdentity, ensureBusIdentities, natsAuthorization, serviceUsers } from "@tenantlens/bus";
import { SERVICES, type ServiceName } from "@tenantlens/contracts";
import { killHard, terminate } from "./child.js";
import type { BusIdentityName, NatsClientOptions } from "./nats.js";
import { registerServer, spawnServer, waitHealthy } from "./nats.js";
import { freePort } from "./ports.js";
import { removeDir, track } from "./registry.js";
import { LineRing } from "./ring.js";
import { tempDir } from "./temp.js";
import { waitFor } from "./wait.js";

export interface NatsClusterNode {
  /** `server_name`, as JetStream reports stream leaders and peers (`n1`, `n2`, …). */
  name: string;
  url: string;
  monitorUrl: string;
  /** Whether the process runs (false after `kill()` until `restart()`). */
  running(): boolean;
  /** SIGKILL (a crashed host); its directory stays for `restart()`. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and directory. */
  restart(): Promise<void>;
  logs(): string;
}

export interface NatsCluster {
  nodes: NatsClusterNode[];
  /** Every node's client URL, comma-separated (what NATS_URL takes: clients fail over between them). */
  url: string;
  auth: true;
  client(identity?: BusIdentityName): NatsClientOptions;
  env(service: BusIdentityName): Record<string, string>;
  /** The node named `name` (e.g. a stream's `cluster.leader`). */
  node(name: string): NatsClusterNode;
  /** Stops every node and removes the directory. */
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Servers (default 3). */
  size?: number;
  /** Time for the cluster to elect its JetStream meta leader (default 60 s: the machine is loaded). */
  readyTimeoutMs?: number;
}

/**
 * Real nats-server processes on loopback forming one cluster (routes between all of them), each with
 * JetStream and its own `server_name` and store directory, locked like `startNats()`: every service
 * has its own NKEY with the permissions derived from the contracts. Resolves once JetStream has a
 * meta leader, so streams with replicas up to `size` can be created.
 */
export async function startNatsCluster(opts: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = opts.size ?? 3;
  const dir = tempDir("tl-nats-cluster");
  const identities: Record<string, BusIdentity> = ensureBusIdentities(path.join(dir, "creds"), [
    ...SERVICES,
    "test",
  ]);
  const keys = Object.fromEntries(Object.values(identities).map((i) => [i.name, i.publicKey]));
  const test = identities.test as BusIdentity;
  const authorization = natsAuthorization([...serviceUsers(keys), { name: "test", nkey: test.publicKey }]);

  const ports: Array<{ client: number; monitor: number; route: number }> = [];
  for (let i = 0; i < size; i++)
    ports.push({ client: await freePort(), monitor: await freePort(), route: await freePort() });

  const children: Array<ChildProcess | undefined> = [];
  const rings: LineRing[] = [];
  const confFile = (i: number) => path.join(dir, `n${i + 1}.conf`);
  for (let i = 0; i < size; i++) {
    const p = ports[i] as (typeof ports)[number];
    const store = path.join(dir, `n${i + 1}`);
    mkdirSync(store, { recursive: true });
    const routes = ports.filter((_, j) => j !== i).map((o) => `"nats-route://127.0.0.1:${o.route}"`);
    const conf = [
      `server_name: "n${i + 1}"`,
      `listen: "127.0.0.1:${p.client}"`,
      `http: "127.0.0.1:${p.monitor}"`,
      `jetstream { store_dir: ${JSON.stringify(store)} }`,
      `cluster {`,
      `  name: "tl"`,
      `  listen: "127.0.0.1:${p.route}"`,
      `  routes: [${routes.join(", ")}]`,
      `}`,
      authorization,
      "",
    ].join("\n");
    writeFileSync(confFile(i), conf, { mode: 0o600 });
    rings.push(new LineRing(500));
  }

  const launch = async (i: number): Promise<void> => {
    const child = await spawnServer(["-c", confFile(i)], rings[i] as LineRing);
    children[i] = child;
    // JetStream in a cluster answers healthy only once it has joined; the meta leader is awaited below.
    await waitHealthy(child, (ports[i] as (typeof ports)[number]).monitor, rings[i] as LineRing, 30_000);
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    untrack();
    for (const c of children) if (c) await terminate(c, 5_000);
    await removeDir(dir);
  };
  const untrack = track({
    stop,
    killSync: () => {
      for (const c of children) c?.kill("SIGKILL");
    },
  });

  try {
    await Promise.all(ports.map((_, i) => launch(i)));
    await waitFor(
      async () => {
        const leaders = await Promise.all(
          ports.map(async (p) => {
            const res = await fetch(`http://127.0.0.1:${p.monitor}/jsz`, {
              signal: AbortSignal.timeout(2_000),
            });
            const body = (await res.json()) as { meta_cluster?: { leader?: string; cluster_size?: number } };
            return body.meta_cluster?.leader;
          }),
        );
        return leaders.every((l) => l && l === leaders[0]) ? true : undefined;
      },
      {
        timeoutMs: opts.readyTimeoutMs ?? 60_000,
        intervalMs: 250,
        what: "the NATS cluster to elect a leader",
      },
    );
  } catch (err) {
    await stop();
    throw new Error(
      `${(err as Error).message}\n${rings.map((r, i) => `--- n${i + 1}\n${r.text(20)}`).join("\n")}`,
    );
  }

  const url = ports.map((p) => `nats://127.0.0.1:${p.client}`).join(",");
  const seedFile = (identity: BusIdentityName): string => {
    const found = identities[identity];
    if (!found) throw new Error(`no bus identity ${identity}`);
    return found.seedFile;
  };
  const nodes: NatsClusterNode[] = ports.map((p, i) => ({
    name: `n${i + 1}`,
    url: `nats://127.0.0.1:${p.client}`,
    monitorUrl: `http://127.0.0.1:${p.monitor}`,
    running: () => {
      const c = children[i];
      return c !== undefined && c.exitCode === null && c.signalCode === null;
    },
    async kill() {
      const c = children[i];
      if (c) await killHard(c);
    },
    async restart() {
      const c = children[i];
      if (c) await terminate(c, 5_000);
      await launch(i);
    },
    logs: () => (rings[i] as LineRing).text(),
  }));
  const cluster: NatsCluster = {
    nodes,
    url,
    auth: true,
    client: (identity = "test") => ({ url, nkeySeedFile: seedFile(identity) }),
    env: (service) => ({ NATS_URL: url, NATS_NKEY_SEED_FILE: seedFile(service) }),
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(`no node ${name} (nodes: ${nodes.map((n) => n.name).join(", ")})`);
      return found;
    },
    stop,
  };
  const unregister = registerServer(url, {
    auth: true,
    env: (service: ServiceName | "test") => cluster.env(service),
  });
  return cluster;
}
