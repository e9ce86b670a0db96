/**
 * Whole-system memory: every service as its own process (as `npm start` runs them) through a
 * tenant's first collection, a few queries and a rules run, sampling the RSS of every process (and
 * of the processes they start, e.g. query workers) twice a second. Reports each process's peak
 * against the 1 GB budget of issue 11. Not a test: it prints figures and BENCH lines.
 *
 *   node --import tsx bench/system-memory.ts [--quick] [--users 300000]
 *
 * Full mode: 80,000 users, the 1M-object tenant (the simulator makes ~12.5 objects per
 * user: groups, memberships, devices, apps, sign-ins, audit entries …; the object count is
 * printed); `--quick`: 4,000 users (~50k objects). Services run with their defaults
 * (DUCKDB_MEMORY_LIMIT, QUERY_MEMORY_LIMIT …), so the figures show what the defaults allow. A
 * process's peak is the higher of its sampled VmRSS and the kernel's VmHWM (its true high-water
 * mark, so a spike between two samples is not missed).
 */
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { QueryExecute, RunStart } from "../libs/contracts/src/index.js";
import { startSimulator } from "../libs/entra-sim/src/index.js";
import {
  connectTestBus,
  graphEnv,
  type ServiceProcess,
  startNats,
  startService,
  stopAll,
  tempDir,
} from "../libs/testkit/src/index.js";
import { connectTenant } from "./_lib/first-collection.js";
import { option, ownPeakRssMb, printFigures, quickMode } from "./_lib/report.js";

const QUICK = quickMode();
const USERS = Number(option("users", QUICK ? "4000" : "80000"));
const BUDGET_MB = 1024;
const t0 = performance.now();
const log = (msg: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${msg}`);

const nats = await startNats();
const sim = await startSimulator({ seed: 11, tenants: [{ users: USERS }] });
const tenant = sim.tenants[0];
if (!tenant) throw new Error("no tenant");
const env = {
  NATS_URL: nats.url,
  TENANTLENS_DATA_DIR: tempDir("tl-bench-mem"),
  ...graphEnv(sim),
  POLL_INTERVAL_SECONDS: "0",
  PUBLIC_URL: "http://127.0.0.1:18080",
};
const bus = await connectTestBus(nats, { service: "gateway", label: "bench" });
await bus.ensureStreams();

/** Peak RSS (MB) seen per process name; children are counted under `<parent>/<their command>`. */
const peaks = new Map<string, number>();
const procs = new Map<string, ServiceProcess>();
function rssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = [/VmRSS:\s+(\d+) kB/, /VmHWM:\s+(\d+) kB/].map((re) => Number(re.exec(status)?.[1] ?? 0));
    return Math.max(...kb) > 0 ? Math.max(...kb) / 1024 : null;
  } catch {
    return null;
  }
}
function childrenOf(): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      out.set(ppid, [...(out.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone
    }
  }
  return out;
}
function sample(): void {
  const kids = childrenOf();
  const note = (name: string, mb: number | null) => {
    if (mb !== null) peaks.set(name, Math.max(peaks.get(name) ?? 0, Math.round(mb)));
  };
  for (const [name, p] of procs) {
    note(name, rssMb(p.pid));
    const stack = [...(kids.get(p.pid) ?? [])];
    let n = 0;
    while (stack.length) {
      const c = stack.pop() as number;
      note(`${name}/child${n++}`, rssMb(c));
      stack.push(...(kids.get(c) ?? []));
    }
  }
}
const sampler = setInterval(sample, 500);

log(`simulator: ${USERS} users; starting every service`);
for (const name of ["auth", "store", "query", "rules", "notifier", "poller", "provisioner", "gateway"]) {
  try {
    procs.set(name, await startService(name, env, { readyTimeoutMs: 180_000 }));
  } catch (err) {
    log(`${name} did not start here: ${(err as Error).message.split("\n")[0]}`);
  }
}

let objects = 0;
const completed = new Set<string>();
const visible = new Set<string>();
bus.nc.subscribe("poller.poll.completed.>", {
  callback: (_e, m) => {
    const p = m.json<{ pollId: string; resources: { objectCount: number }[] }>();
    objects = p.resources.reduce((n, r) => n + r.objectCount, 0);
    completed.add(p.pollId);
  },
});
bus.nc.subscribe("store.generation.committed.>", {
  callback: (_e, m) => {
    for (const id of m.json<{ pollIds: string[] }>().pollIds) visible.add(id);
  },
});
await connectTenant(bus, tenant);
for (;;) {
  const id = [...completed][0];
  if (id && visible.has(id)) break;
  await new Promise((r) => setTimeout(r, 200));
}
log(`first collection committed: ${objects} objects`);

const queries = [
  "SELECT * FROM azuread_user LIMIT 10000",
  "SELECT department, count(*) AS n FROM azuread_user GROUP BY department ORDER BY n DESC",
  "SELECT g.display_name, count(*) AS members FROM azuread_group_member m JOIN azuread_group g ON g.id = m.group_id GROUP BY 1 ORDER BY 2 DESC LIMIT 100",
];
for (const sql of queries)
  for (let i = 0; i < 3; i++) {
    try {
      const r = await bus.request(
        QueryExecute,
        { workspaceId: "default", sql, actor: "bench", maxRows: 10_000, format: "json" },
        { timeoutMs: 300_000 },
      );
      if (i === 0) log(`query: ${r.rowCount} rows in ${r.durationMs.toFixed(0)} ms: ${sql.slice(0, 60)}`);
    } catch (err) {
      log(`query failed: ${(err as Error).message}`);
    }
  }
try {
  const run = await bus.request(
    RunStart,
    { workspaceId: "default", actor: "bench", wait: true },
    { timeoutMs: 1_200_000 },
  );
  log(`rules run: ${run.status}`);
} catch (err) {
  log(`rules run failed: ${(err as Error).message}`);
}
sample();
clearInterval(sampler);

const peakRssMb = Object.fromEntries([...peaks].sort((a, b) => b[1] - a[1]));
peakRssMb.bench = ownPeakRssMb();
console.log(`\n${objects} objects (${USERS} users); peak RSS per process (budget ${BUDGET_MB} MB):`);
for (const [name, mb] of Object.entries(peakRssMb))
  console.log(`  ${name.padEnd(24)} ${String(mb).padStart(6)} MB${mb > BUDGET_MB ? "  OVER" : ""}`);
const services = Object.entries(peakRssMb).filter(([n]) => n !== "bench");
const over = services.filter(([, mb]) => mb > BUDGET_MB).map(([n]) => n);
const highest = Math.max(...services.map(([, mb]) => mb));
console.log(over.length ? `over ${BUDGET_MB} MB: ${over.join(", ")}` : `every process under ${BUDGET_MB} MB`);
printFigures(import.meta.url, [
  {
    figure: `highest peak RSS of any service process, ${objects} objects (first collection, queries, rules run)`,
    value: highest,
    unit: "MB",
    baseline: null,
    target: `≤ ${BUDGET_MB}`,
    peakRssMb,
  },
  {
    figure: `service processes over ${BUDGET_MB} MB, ${objects} objects`,
    value: over.length,
    unit: "processes",
    baseline: null,
    target: "0",
    peakRssMb,
  },
]);
await bus.drain();
await stopAll();
await sim.stop();
await nats.stop();
process.exit(0);
