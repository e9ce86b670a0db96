/**
 * First collection of a large simulated tenant with Graph-like latency, then the next scheduled
 * round after 1% of the objects changed (delta resources and log windows; resources read in full
 * every time wait for their slower interval). Not a test: it prints figures and BENCH lines.
 *
 *   node --import tsx bench/poller-collection.ts [--quick] [--users 100000] [--groups 30000]
 *        [--apps 10000] [--latency 150-400] [--replicas 1]
 *
 * Full mode is the issue's size (100k users / 30k groups / 10k applications); `--quick` is a small
 * tenant (3,000 / 900 / 300): per-parent reads (owners per group, application and service
 * principal) go through `$batch`, 20 parents a request, several batches at once on the tenant's free
 * read slots; a batch answers when its slowest item has (the simulator draws a latency per item and
 * waits the longest).
 *
 * Real nats-server, auth and poller processes (no store: the poller's work ends when JetStream has
 * stored its pages), the simulator in this process with latency injected on every Graph request.
 * Baseline, measured in the same run: the longest resource's page chain read sequentially by a raw
 * fetch client with the same latency (a per-parent resource: its parents' pages, then its `$batch`
 * requests of 20, one after another) — the floor for a collection whose resources run in parallel.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { appToken, caFetch, peakInFlight, startSimulator } from "../libs/entra-sim/src/index.js";
import { catalog, type ResourceDef, resourceByName } from "../libs/graph/src/index.js";
import {
  connectTestBus,
  graphEnv,
  startNats,
  startService,
  stopAll,
  tempDir,
} from "../libs/testkit/src/index.js";
import { planLogWindow } from "../services/poller/src/domain/log-window.js";
import { fanOutChildUrl, planRead } from "../services/poller/src/domain/request.js";
import { connectTenant } from "./_lib/first-collection.js";
import { option } from "./_lib/report.js";

const QUICK = process.argv.includes("--quick");
const USERS = Number(option("users", QUICK ? "3000" : "100000"));
const GROUPS = Number(option("groups", QUICK ? "900" : "30000"));
const APPS = Number(option("apps", QUICK ? "300" : "10000"));
/** Scheduled rounds: delta resources and logs every INTERVAL_S, the rest hourly. */
const INTERVAL_S = 20;
const [LAT_MIN, LAT_MAX] = option("latency", "150-400").split("-").map(Number) as [number, number];
const REPLICAS = Number(option("replicas", "1"));

interface Done {
  resource: string;
  pages: number;
  objectCount: number;
  cost?: {
    requests: number;
    batched?: number;
    throttled: number;
    retries: number;
    bytes: number;
    durationMs: number;
  };
}

const t0 = performance.now();
const log = (msg: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${msg}`);

const nats = await startNats();
log(`simulator: ${USERS} users, ${GROUPS} groups, ${APPS} applications`);
const sim = await startSimulator({
  seed: 7,
  tenants: [{ users: USERS, groups: GROUPS, applications: APPS, devices: Math.round(USERS / 10) }],
});
const tenant = sim.tenants[0];
if (!tenant) throw new Error("no tenant");
const env = {
  NATS_URL: nats.url,
  TENANTLENS_DATA_DIR: tempDir("tl-bench-poller"),
  ...graphEnv(sim),
  POLL_INTERVAL_SECONDS: String(INTERVAL_S),
  POLL_SLOW_INTERVAL_SECONDS: "3600",
};
// The locked bus: the benchmark listens as the unrestricted test identity.
const bus = await connectTestBus(nats, { service: "gateway", label: "bench" });
await bus.ensureStreams();
const resourceDone = new Map<string, Map<string, Done>>();
const completed = new Map<string, number>();
const started = new Map<string, number>();
const reasons = new Map<string, string>();
/** `<pollId>/<resource>` → when its ResourceCollected arrived. */
const ended = new Map<string, number>();
bus.nc.subscribe("poller.resource.collected.>", {
  callback: (_e, m) => {
    const p = m.json<Done & { pollId: string }>();
    let per = resourceDone.get(p.pollId);
    if (!per) {
      per = new Map();
      resourceDone.set(p.pollId, per);
    }
    per.set(p.resource, p);
    ended.set(`${p.pollId}/${p.resource}`, performance.now());
  },
});
bus.nc.subscribe("poller.poll.started.>", {
  callback: (_e, m) => {
    const p = m.json<{ pollId: string; reason: string }>();
    started.set(p.pollId, performance.now());
    reasons.set(p.pollId, p.reason);
  },
});
bus.nc.subscribe("poller.poll.completed.>", {
  callback: (_e, m) => void completed.set(m.json<{ pollId: string }>().pollId, performance.now()),
});

await startService("auth", env, { readyTimeoutMs: 180_000 });
const pollers = [];
for (let k = 0; k < REPLICAS; k++)
  pollers.push(
    await startService("poller", { ...env, POLLER_REPLICA_ID: `bench-${k}` }, { readyTimeoutMs: 180_000 }),
  );
await sim.control.setLatency({ minMs: LAT_MIN, maxMs: LAT_MAX }, tenant.tenantId);

async function waitPoll(pollId: string): Promise<number> {
  for (;;) {
    const end = completed.get(pollId);
    const begin = started.get(pollId);
    if (end !== undefined && begin !== undefined) return end - begin;
    await new Promise((r) => setTimeout(r, 200));
  }
}

log("connecting the tenant: its first poll starts");
await connectTenant(bus, tenant);
let firstPoll: string | undefined;
while (!firstPoll) {
  firstPoll = [...started.keys()][0];
  await new Promise((r) => setTimeout(r, 100));
}
const loads: number[] = [];
const sampler = setInterval(() => loads.push(loadavg()[0] ?? 0), 10_000);
const fullMs = await waitPoll(firstPoll);
clearInterval(sampler);
const pollEnded = performance.now();
// Graph's side of the first collection, from the simulator's own log (nothing else ran yet): the
// most requests in flight at once and the most resource units charged in any 10 s (Graph's
// identity-and-access budget for a tenant this size is 8,000 per app per 10 s).
const { requests: logged } = await sim.control.requests(tenant.tenantId);
const httpLogged = logged.filter((r) => r.batch === null);
const peakRequests = peakInFlight(httpLogged);
const charged = logged.filter((r) => r.units > 0).sort((a, b) => a.startedAt - b.startedAt);
let peakUnits = 0;
for (let lo = 0, hi = 0, sum = 0; hi < charged.length; hi++) {
  sum += (charged[hi] as { units: number }).units;
  while ((charged[hi]?.startedAt ?? 0) - (charged[lo]?.startedAt ?? 0) >= 10_000)
    sum -= (charged[lo++] as { units: number }).units;
  peakUnits = Math.max(peakUnits, sum);
}
const totalUnits = charged.reduce((n, r) => n + r.units, 0);
const full = [...(resourceDone.get(firstPoll)?.values() ?? [])];
const fullRequests = full.reduce((n, r) => n + (r.cost?.requests ?? 0), 0);
/** Every request Graph answered and charged: HTTP requests plus the items inside `$batch` requests. */
const fullGraph = full.reduce((n, r) => n + (r.cost?.requests ?? 0) + (r.cost?.batched ?? 0), 0);
const fullObjects = full.reduce((n, r) => n + r.objectCount, 0);
const longest = [...full].sort((a, b) => (b.cost?.durationMs ?? 0) - (a.cost?.durationMs ?? 0))[0];
// Where the time went: each resource's read inside the poll (its end as the benchmark saw its
// ResourceCollected, its start that minus its duration), the last to end first.
const pollBegan = started.get(firstPoll) ?? 0;
const timeline = full
  .filter((r) => r.cost)
  .map((r) => {
    const end = ((ended.get(`${firstPoll}/${r.resource}`) ?? pollEnded) - pollBegan) / 1000;
    return { r, end, start: end - (r.cost?.durationMs ?? 0) / 1000 };
  })
  .sort((a, b) => b.end - a.end);
for (const { r, start, end } of timeline.slice(0, 12))
  log(
    `  ${r.resource}: ${start.toFixed(0)}–${end.toFixed(0)} s in the poll, ${r.cost?.requests} HTTP requests (${r.cost?.batched ?? 0} batch items), ${r.objectCount} objects`,
  );
log(
  `first collection: ${(fullMs / 1000).toFixed(1)} s, ${fullRequests} HTTP requests (${fullGraph} with batch items), ${fullObjects} objects`,
);

// The next scheduled round after 1% of the objects changed: delta resources and log windows are
// due INTERVAL_S after the first collection, the resources read in full only after an hour.
const changes = Math.max(1, Math.round((USERS + GROUPS + APPS) / 100));
for (let left = changes; left > 0; left -= 1000)
  await sim.control.setLive(tenant.tenantId, { enabled: false, tick: Math.min(1000, left) });
// Each resource's next time carries its own ±10 % jitter, so one scheduled round can be several
// small polls: the round is every scheduled poll until each delta resource and log was read once.
const wanted = new Set(
  full
    .filter((r) => r.objectCount > 0 || (r.cost?.requests ?? 0) > 0)
    .map((r) => catalog.find((c) => c.name === r.resource))
    .filter((c) => c && !c.derived && (c.delta || c.log))
    .map((c) => c?.name as string),
);
const roundStart = performance.now();
const roundPolls: string[] = [];
const readSince = new Set<string>();
while ([...wanted].some((n) => !readSince.has(n))) {
  const next = [...started.keys()].find(
    (id) => id !== firstPoll && reasons.get(id) === "schedule" && !roundPolls.includes(id),
  );
  if (!next) {
    await new Promise((r) => setTimeout(r, 100));
    continue;
  }
  roundPolls.push(next);
  await waitPoll(next);
  for (const r of resourceDone.get(next)?.values() ?? []) readSince.add(r.resource);
}
const deltaMs = performance.now() - roundStart;
const delta = roundPolls.flatMap((id) => [...(resourceDone.get(id)?.values() ?? [])]);
const deltaRequests = delta.reduce((n, r) => n + (r.cost?.requests ?? 0), 0);
const deltaGraph = delta.reduce((n, r) => n + (r.cost?.requests ?? 0) + (r.cost?.batched ?? 0), 0);
log(
  `scheduled round after ${changes} changes: ${roundPolls.length} polls, ${deltaRequests} requests, ${delta.length} resource reads`,
);

// Baseline: the longest resource's page chain alone, one request after another, raw fetch, same
// latency. Which resource has the longest chain: the one whose read took longest in the poll, or the
// one with the most requests (per-parent reads send several batches at once in the poll, so their
// time there is shorter than their chain); both are measured when they differ, the longer counts.
const fetchCa = caFetch(readFileSync(sim.caCertPath, "utf8"));
const token = await appToken(fetchCa, sim.authorityHost, tenant);
let chainPages = 0;
/** Every page of one listing, one after another; returns the objects. */
async function chain(first: string, headers: Record<string, string>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let url: string | null = first;
  while (url) {
    const res = await fetchCa(url, { headers: { ...headers, authorization: `Bearer ${token}` } });
    const body = (await res.json()) as Record<string, unknown>;
    chainPages++;
    if (Array.isArray(body.value)) out.push(...(body.value as Record<string, unknown>[]));
    url = typeof body["@odata.nextLink"] === "string" ? body["@odata.nextLink"] : null;
  }
  return out;
}
/**
 * A per-parent resource's children, read as the poller reads them: `$batch` requests of 20 parents'
 * pages, one batch after another (the sequential chain, not the poller's batches at once), every
 * nextLink in a later batch. Returns the rows' ids.
 */
async function batchedChildren(r: ResourceDef, parentIds: string[]): Promise<string[]> {
  const out: string[] = [];
  const prefix = `${sim.graphEndpoint}/${r.version}`;
  let queue = parentIds.map((id) => ({
    id,
    url: fanOutChildUrl(r, id, { graphEndpoint: sim.graphEndpoint, pageSize: null }),
  }));
  while (queue.length > 0) {
    const now = queue.slice(0, 20);
    queue = queue.slice(20);
    const res = await fetchCa(`${prefix}/$batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        requests: now.map((q, k) => ({ id: String(k), method: "GET", url: q.url.slice(prefix.length) })),
      }),
    });
    const body = (await res.json()) as { responses: { id: string; status: number; body: unknown }[] };
    chainPages++;
    for (const a of body.responses) {
      const q = now[Number(a.id)];
      const b = a.body as Record<string, unknown>;
      if (!q || a.status !== 200) continue;
      const kids = Array.isArray(b.value) ? (b.value as Record<string, unknown>[]) : [b];
      for (const c of kids) out.push(`${q.id}:${String(c.id)}`);
      const more = b["@odata.nextLink"];
      if (typeof more === "string") queue.push({ id: q.id, url: more });
    }
  }
  return out;
}
/** The parents' ids of a per-parent resource (a per-parent parent read the same way). */
async function parentIds(r: ResourceDef): Promise<string[]> {
  const p = resourceByName(r.fanOut?.from ?? "");
  if (!p) throw new Error(`${r.name} has no parent`);
  if (p.fanOut) return batchedChildren(p, await parentIds(p));
  const first = planRead(r, {
    graphEndpoint: sim.graphEndpoint,
    deltaLink: null,
    full: true,
    pageSize: null,
  });
  return (await chain(first.url, first.headers)).map((o) => String(o.id));
}
/** The resource's whole chain read alone: requests and milliseconds. */
async function chainAlone(def: ResourceDef): Promise<{ pages: number; ms: number }> {
  chainPages = 0;
  const begin = performance.now();
  if (def.fanOut) await batchedChildren(def, await parentIds(def));
  else {
    const plan = def.log
      ? {
          url: planLogWindow(def, {
            graphEndpoint: sim.graphEndpoint,
            cursor: null,
            to: new Date().toISOString(),
            lookbackMs: 30 * 86_400_000,
            pageSize: null,
          }).url,
          headers: {},
        }
      : planRead(def, { graphEndpoint: sim.graphEndpoint, deltaLink: null, full: true, pageSize: null });
    await chain(plan.url, plan.headers);
  }
  return { pages: chainPages, ms: performance.now() - begin };
}
const mostRequests = [...full].sort((a, b) => (b.cost?.requests ?? 0) - (a.cost?.requests ?? 0))[0];
const candidates = [...new Set([longest?.resource, mostRequests?.resource])].flatMap((n) =>
  catalog.filter((r) => r.name === n),
);
if (candidates.length === 0) throw new Error("no resource to measure a chain of");
const chains = [];
for (const c of candidates) {
  const measured = await chainAlone(c);
  log(
    `baseline candidate: ${c.name} read alone, ${measured.pages} requests in ${(measured.ms / 1000).toFixed(1)} s`,
  );
  chains.push({ def: c, ...measured });
}
const baseline = chains.sort((a, b) => b.ms - a.ms)[0] as (typeof chains)[number];
const def = baseline.def;
const chainMs = baseline.ms;
const inPoll = full.find((r) => r.resource === def.name);
log(`baseline: ${def.name} read alone, ${baseline.pages} pages in ${(chainMs / 1000).toFixed(1)} s`);

const peakRss = pollers.map((p) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
});

const rows: [string, string][] = [
  [
    "tenant",
    `${USERS} users, ${GROUPS} groups, ${APPS} applications; latency ${LAT_MIN}–${LAT_MAX} ms per request`,
  ],
  ["pollers", String(REPLICAS)],
  [
    "first collection wall time",
    `${(fullMs / 1000).toFixed(1)} s (${fullObjects} objects, ${full.length} resources)`,
  ],
  [
    "longest resource alone (baseline)",
    `${def.name}: ${baseline.pages} requests in ${(chainMs / 1000).toFixed(1)} s; in the poll ${((inPoll?.cost?.durationMs ?? 0) / 1000).toFixed(1)} s`,
  ],
  ["ratio wall time / baseline", (fullMs / chainMs).toFixed(2)],
  [
    "last resources to end (start–end in the poll)",
    timeline
      .slice(0, 3)
      .map(({ r, start, end }) => `${r.resource} ${start.toFixed(0)}–${end.toFixed(0)} s`)
      .join("; "),
  ],
  [
    "Graph's side (simulator log)",
    `at most ${peakRequests} requests in flight at once; at most ${peakUnits} resource units in 10 s (${totalUnits} in all)`,
  ],
  [
    "load average (1 min) during the first collection",
    loads.length > 0 ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : "n/a",
  ],
  [
    "requests (first collection)",
    `${fullRequests} HTTP requests; ${fullGraph} Graph requests counting each $batch item`,
  ],
  [
    "429 answers / retries",
    `${full.reduce((n, r) => n + (r.cost?.throttled ?? 0), 0)} / ${full.reduce((n, r) => n + (r.cost?.retries ?? 0), 0)}`,
  ],
  ["peak RSS per poller", peakRss.map((m) => `${m} MB`).join(", ")],
  [
    `scheduled round after ${changes} changes (1%)`,
    `${(deltaMs / 1000).toFixed(1)} s, ${deltaRequests} HTTP requests (${delta.length} resources) = ${((100 * deltaRequests) / fullRequests).toFixed(1)} % of the first collection's; ${deltaGraph} Graph requests = ${((100 * deltaGraph) / fullGraph).toFixed(1)} %`,
  ],
];
console.log("\n| figure | value |\n| --- | --- |");
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);

const bench = (figure: string, value: number, unit: string, target: string | null) =>
  console.log(
    `BENCH ${JSON.stringify({
      bench: "poller-collection",
      figure,
      value,
      unit,
      baseline: figure === "first-collection-wall" ? Math.round(chainMs) / 1000 : null,
      target,
      peakRssMb: Object.fromEntries(peakRss.map((m, k) => [`poller-${k}`, m])),
    })}`,
  );
bench("first-collection-wall", Math.round(fullMs) / 1000, "s", "≤ 1.25 × the longest resource's page chain");
bench("wall-vs-longest-chain", Number((fullMs / chainMs).toFixed(3)), "ratio", "≤ 1.25");
bench("first-collection-requests", fullRequests, "requests", null);
bench("peak-requests-in-flight", peakRequests, "requests at once", null);
bench("peak-resource-units-10s", peakUnits, "resource units per 10 s", "≤ 8000 (Graph, large tenant)");
bench("first-collection-graph-requests", fullGraph, "requests incl. $batch items", null);
bench("peak-rss", Math.max(...peakRss), "MB", null);
bench("delta-round-requests", deltaRequests, "requests", null);
bench(
  "delta-round-cost",
  Number(((100 * deltaRequests) / fullRequests).toFixed(2)),
  "% of first collection",
  "≤ 5",
);
bench(
  "delta-round-cost-graph-requests",
  Number(((100 * deltaGraph) / fullGraph).toFixed(2)),
  "% of first collection (batch items counted)",
  "≤ 5",
);
await bus.drain();
await stopAll();
await sim.stop();
await nats.stop();
process.exit(0);
