/**
 * Benchmark (not a test): the simulator serving 1,000,000 users in 999-object pages over HTTPS.
 *
 *   node --import tsx bench/sim-graph.ts [--users 1000000]
 *
 * 1. Baseline, in this process: generate the same users and JSON-serialise the same 999-object pages
 *    (Graph's default v1.0 property set) without HTTP.
 * 2. The simulator CLI in a child process (its RSS is the "server" figure: VmHWM from /proc).
 * 3. A raw-fetch client in another child process (trusting the CA via NODE_EXTRA_CA_CERTS) that
 *    follows @odata.nextLink from /v1.0/users?$top=999 to the end and parses every page.
 * Prints objects/s for both, their ratio and the server's peak RSS.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { appToken } from "../libs/entra-sim/src/app-token.js";
import { createDirectory } from "../libs/entra-sim/src/directory/index.js";
import { defaults, ENTITIES } from "../libs/entra-sim/src/graph/entities.js";
import { ownPeakRssMb, printFigures } from "./_lib/report.js";

const here = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    users: { type: "string" },
    role: { type: "string" },
    config: { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
const USERS = Number(values.users ?? (values.quick ? 50_000 : 1_000_000));
const PAGE = 999;
const SEED = 4242;

interface Ready {
  graphEndpoint: string;
  authorityHost: string;
  caCertPath: string;
  tenants: { tenantId: string; clientId: string; clientSecret: string }[];
}

/** Client role: runs in a child with NODE_EXTRA_CA_CERTS so plain fetch trusts the simulator. */
async function client(cfg: Ready): Promise<void> {
  const t = cfg.tenants[0]!;
  const token = await appToken(fetch, cfg.authorityHost, t);
  const started = performance.now();
  let url: string | undefined = `${cfg.graphEndpoint}/v1.0/users?$top=${PAGE}`;
  let objects = 0;
  let pages = 0;
  let bytes = 0;
  while (url) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${url} → ${res.status} ${await res.text()}`);
    const text = await res.text();
    bytes += text.length;
    const body = JSON.parse(text) as { value: unknown[]; "@odata.nextLink"?: string };
    objects += body.value.length;
    pages++;
    url = body["@odata.nextLink"];
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`RESULT ${JSON.stringify({ objects, pages, bytes, seconds })}`);
}

/** Baseline: the same pages generated and serialised in-process, no HTTP, no auth, no routing. */
function baseline(): { objects: number; pages: number; bytes: number; seconds: number } {
  const dir = createDirectory({
    tenantId: "00000000-0000-4000-8000-00000000b01d",
    tenantName: "Baseline",
    initialDomain: "baseline.onmicrosoft.com",
    seed: SEED,
    sizes: { users: USERS },
    identity: {
      verifyAccessToken: async () => ({ ok: false, code: "InvalidAuthenticationToken", message: "" }),
      tenant: () => undefined,
    },
  });
  const started = performance.now();
  let objects = 0;
  let pages = 0;
  let bytes = 0;
  const n = dir.store.positions("user");
  for (let p = 0; p < n; ) {
    const value = [];
    while (p < n && value.length < PAGE) {
      const o = dir.store.atPosition("user", p++);
      if (o) value.push(defaults(o, ENTITIES.user, false));
    }
    const body = JSON.stringify({
      "@odata.context": "https://localhost/v1.0/$metadata#users",
      "@odata.nextLink": `https://localhost/v1.0/users?$top=${PAGE}&$skiptoken=x`,
      value,
    });
    bytes += body.length;
    objects += value.length;
    pages++;
  }
  return { objects, pages, bytes, seconds: (performance.now() - started) / 1000 };
}

function waitForReady(child: ChildProcess): Promise<Ready> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("simulator did not print READY within 120 s")), 120_000);
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n").find((l) => l.startsWith("READY "));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(6)) as Ready);
      }
    });
    child.on("exit", (code) => reject(new Error(`simulator exited early (${code})`)));
  });
}

function runClient(
  ready: Ready,
): Promise<{ objects: number; pages: number; bytes: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      ["--import", "tsx", here, "--role", "client", "--config", JSON.stringify(ready)],
      {
        cwd: root,
        env: { ...process.env, NODE_EXTRA_CA_CERTS: ready.caCertPath },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    c.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    c.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) reject(new Error(`client failed (${code}): ${out}`));
      else resolve(JSON.parse(line.slice(7)));
    });
  });
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? "0");
  return Math.round(kb / 1024);
}

async function main(): Promise<void> {
  if (values.role === "client") return client(JSON.parse(values.config ?? "{}") as Ready);
  const base = baseline();
  const server = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "libs/entra-sim/src/cli.ts",
      "--port",
      "0",
      "--seed",
      String(SEED),
      "--users",
      String(USERS),
    ],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const ready = await waitForReady(server);
    const idleRss = peakRssMb(server.pid!);
    const http = await runClient(ready);
    const rss = peakRssMb(server.pid!);
    const httpRate = http.objects / http.seconds;
    const baseRate = base.objects / base.seconds;
    const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
    console.log(`sim-graph benchmark: ${fmt(USERS)} users, ${PAGE}-object pages (v1.0 default properties)`);
    console.log(
      `  HTTPS + raw fetch client : ${fmt(http.objects)} objects in ${http.pages} pages, ${http.seconds.toFixed(2)} s → ${fmt(httpRate)} objects/s (${(http.bytes / 1e6).toFixed(0)} MB JSON)`,
    );
    console.log(
      `  baseline (generate + JSON.stringify, no HTTP): ${fmt(base.objects)} objects in ${base.seconds.toFixed(2)} s → ${fmt(baseRate)} objects/s`,
    );
    console.log(`  ratio HTTPS / baseline   : ${(httpRate / baseRate).toFixed(2)}`);
    console.log(`  server peak RSS          : ${rss} MB (after start-up: ${idleRss} MB)`);
    printFigures(import.meta.url, [
      {
        figure: `simulator over HTTPS, ${fmt(USERS)} users`,
        value: httpRate,
        unit: "objects/s",
        baseline: baseRate,
        target: null,
        peakRssMb: { simulator: rss, "benchmark (baseline)": ownPeakRssMb() },
      },
    ]);
  } finally {
    server.kill("SIGTERM");
  }
}

await main();
