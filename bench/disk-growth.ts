/**
 * Disk growth per day of polling: how much do the warehouse (DuckDB file and WAL), the generations
 * directory and JetStream's store grow per simulated day, and what bounds them? Not a test: it
 * prints figures and BENCH lines.
 *
 *   node --import tsx bench/disk-growth.ts [--quick] [--users 20000] [--days 3]
 *       [--polls-per-day 24] [--churn 0.01]
 *
 * Real nats-server, auth, poller, store and notifier processes, the simulator in this process. A tenant is
 * connected and collected once (day 0). Then each simulated day is `--polls-per-day` polls (by
 * default 24: hourly, as `POLL_SLOW_INTERVAL_SECONDS` reads the full-read resources; the first poll
 * of each day is `full: true`, the daily reconcile of `FULL_RECONCILE_HOURS`), and before each poll
 * the simulator makes its share of the day's changes (`--churn` × the tenant's objects per day, the
 * simulator's live-mode mix: new guests, disabled users, membership changes, new app secrets …).
 * Time is compressed (polls follow each other at once), so time-based retention never fires here:
 * what the figures show is what a day adds before retention, and the bound follows from the
 * retention settings (docs/operations.md, "Disk and memory").
 *
 * After each day: bytes of warehouse.duckdb, its WAL, generations/ (files counted once, however many
 * generations reuse them), JetStream's store directory, and their total.
 * Full mode: 20,000 users (~250k objects with their memberships, owners, devices …), 5 days of 6
 * polls; `--quick`: 1,000 users (~13k objects), 2 days of 3 polls (a poll of the full-read resources
 * costs ~130 Graph requests at this size, ~20 s on a busy 2-core machine).
 *
 * DuckDB's WAL is checkpointed into the file at 16MB here (DuckDB's own default) instead of the
 * store's 128MB, so that day-to-day figures show the file after checkpoints rather than a WAL filling
 * up to its threshold; the WAL can never exceed DUCKDB_CHECKPOINT_THRESHOLD by much either way.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { bytesUnder } from "../libs/config/src/index.js";
import { PollStart } from "../libs/contracts/src/index.js";
import { startSimulator } from "../libs/entra-sim/src/index.js";
import {
  connectTestBus,
  graphEnv,
  startNats,
  startService,
  stopAll,
  tempDir,
} from "../libs/testkit/src/index.js";
import { connectTenant } from "./_lib/first-collection.js";
import { option, printFigures, quickMode } from "./_lib/report.js";

const QUICK = quickMode();
const USERS = Number(option("users", QUICK ? "1000" : "20000"));
const DAYS = Number(option("days", QUICK ? "2" : "5"));
const POLLS_PER_DAY = Number(option("polls-per-day", QUICK ? "3" : "6"));
const CHURN = Number(option("churn", "0.01"));
const POLL_TIMEOUT_MS = 30 * 60_000;

const t0 = performance.now();
const log = (msg: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${msg}`);

const fileBytes = (p: string) => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

const nats = await startNats();
const sim = await startSimulator({ seed: 11, tenants: [{ users: USERS }] });
const tenant = sim.tenants[0];
if (!tenant) throw new Error("no tenant");
const dataDir = tempDir("tl-bench-disk");
const env = {
  NATS_URL: nats.url,
  TENANTLENS_DATA_DIR: dataDir,
  ...graphEnv(sim),
  // Polls are started by this script, one after the other.
  POLL_INTERVAL_SECONDS: "0",
  // Superseded generations go as soon as nothing reads them (the default grace is 30 s of wall time).
  GENERATION_GRACE_MS: "0",
  GENERATION_GC_INTERVAL_MS: "1000",
  COLLECT_PURGE_INTERVAL_MS: "1000",
  DUCKDB_CHECKPOINT_THRESHOLD: option("checkpoint-threshold", "16MB"),
};
const bus = await connectTestBus(nats, { service: "gateway", label: "bench" });
await bus.ensureStreams();

const completed = new Map<string, { requests: number; objects: number }>();
const visible = new Set<string>();
bus.nc.subscribe("poller.poll.completed.>", {
  callback: (_e, m) => {
    const p = m.json<{ pollId: string; resources: { objectCount: number; cost?: { requests: number } }[] }>();
    completed.set(p.pollId, {
      requests: p.resources.reduce((n, r) => n + (r.cost?.requests ?? 0), 0),
      objects: p.resources.reduce((n, r) => n + r.objectCount, 0),
    });
  },
});
bus.nc.subscribe("store.generation.committed.>", {
  callback: (_e, m) => {
    for (const id of m.json<{ pollIds: string[] }>().pollIds) visible.add(id);
  },
});

const until = async <T>(what: () => T | undefined, label: string): Promise<T> => {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  for (;;) {
    const v = what();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

log(`simulator: ${USERS} users; starting auth, poller and store`);
await startService("auth", env, { readyTimeoutMs: 180_000 });
const store = await startService("store", env, { readyTimeoutMs: 180_000 });
const poller = await startService("poller", env, { readyTimeoutMs: 180_000 });
// The notifier reads poll completions from TL_COLLECT: with it, as in the real system, the store
// can purge what every reader acknowledged.
await startService(
  "notifier",
  { ...env, TENANTLENS_DATA_DIR: tempDir("tl-bench-disk-notifier"), PUBLIC_URL: "http://127.0.0.1:18080" },
  { readyTimeoutMs: 180_000 },
);

const integration = await connectTenant(bus, tenant);

/** The integration's first poll starts by itself (integration_created); later ones are started here. */
async function firstPoll(): Promise<string> {
  const started = await until(() => [...completed.keys()][0], "the first poll");
  await until(() => (visible.has(started) ? true : undefined), "the first poll's generation");
  return started;
}

async function poll(full: boolean): Promise<{ requests: number; objects: number }> {
  const { pollId } = await bus.request(
    PollStart,
    { workspaceId: "default", integrationId: integration.integration.id, full, reason: "schedule" },
    { timeoutMs: 60_000 },
  );
  const done = await until(() => completed.get(pollId), `poll ${pollId}`);
  await until(() => (visible.has(pollId) ? true : undefined), `the generation of poll ${pollId}`);
  return done;
}

interface Sizes {
  duckdb: number;
  wal: number;
  generations: number;
  jetstream: number;
  total: number;
}
const warehouseFile = path.join(dataDir, "warehouse", "warehouse.duckdb");
async function sizes(): Promise<Sizes> {
  // Superseded generations are removed within GENERATION_GC_INTERVAL_MS, committed pages within
  // COLLECT_PURGE_INTERVAL_MS: measure after both had their turn.
  await new Promise((r) => setTimeout(r, 2_500));
  const s = {
    duckdb: fileBytes(warehouseFile),
    wal: fileBytes(`${warehouseFile}.wal`),
    generations: bytesUnder(path.join(dataDir, "generations")),
    jetstream: bytesUnder(path.join(nats.dir, "jetstream")),
  };
  return { ...s, total: s.duckdb + s.wal + s.generations + s.jetstream };
}
/** Bytes on disk and live bytes/messages per stream (KV buckets are streams KV_<bucket>), largest first. */
async function streams(): Promise<string> {
  const onDisk = new Map<string, number>();
  const js = path.join(nats.dir, "jetstream");
  for (const account of readdirSync(js, { withFileTypes: true })) {
    if (!account.isDirectory()) continue;
    const dir = path.join(js, account.name, "streams");
    for (const s of readdirSync(dir, { withFileTypes: true }))
      if (s.isDirectory()) onDisk.set(s.name, bytesUnder(path.join(dir, s.name)));
  }
  const list: { name: string; disk: number; bytes: number; messages: number }[] = [];
  for await (const si of bus.jsm.streams.list())
    list.push({
      name: si.config.name,
      disk: onDisk.get(si.config.name) ?? 0,
      bytes: si.state.bytes,
      messages: si.state.messages,
    });
  const readers: string[] = [];
  for await (const c of bus.jsm.consumers.list("TL_COLLECT"))
    readers.push(`${c.config.durable_name ?? c.name} acked ≤ ${c.ack_floor.stream_seq}`);
  const info = await bus.jsm.streams.info("TL_COLLECT");
  const collect = `TL_COLLECT seq ${info.state.first_seq}…${info.state.last_seq}, readers ${readers.join(", ")}; `;
  return `${collect}${list
    .sort((a, b) => b.disk - a.disk)
    .slice(0, 5)
    .map((x) => `${x.name} ${mb(x.disk)} MB on disk (${mb(x.bytes)} MB in ${x.messages} msgs)`)
    .join(", ")}`;
}
const mb = (b: number) => (b / 1024 ** 2).toFixed(1);
const show = (label: string, s: Sizes) =>
  log(
    `${label}: warehouse ${mb(s.duckdb)} MB + WAL ${mb(s.wal)} MB, generations ${mb(s.generations)} MB, ` +
      `JetStream ${mb(s.jetstream)} MB, total ${mb(s.total)} MB`,
  );
const showStreams = async () => log(`  streams: ${await streams()}`);

const firstId = await firstPoll();
const objects = completed.get(firstId)?.objects ?? 0;
const day0 = await sizes();
show(`day 0 (first collection, ${objects} objects)`, day0);
await showStreams();

const changesPerDay = Math.round(CHURN * objects);
const perPoll = Math.max(0, Math.round(changesPerDay / POLLS_PER_DAY));
log(`each day: ${POLLS_PER_DAY} polls (first one full), ${perPoll} simulator changes before each`);
const days: Sizes[] = [day0];
let requests = 0;
let polls = 0;
for (let day = 1; day <= DAYS; day++) {
  const began = performance.now();
  for (let i = 0; i < POLLS_PER_DAY; i++) {
    for (let left = perPoll; left > 0; left -= 1000)
      await sim.control.setLive(tenant.tenantId, { enabled: false, tick: Math.min(1000, left) });
    const r = await poll(i === 0);
    requests += r.requests;
    polls++;
  }
  const s = await sizes();
  days.push(s);
  show(`day ${day} (${((performance.now() - began) / 1000).toFixed(0)} s)`, s);
  await showStreams();
}

const peak = (pid: number | undefined) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
};
const rss = { poller: peak(poller.pid), store: peak(store.pid) };

// Growth per day: the median of the day-over-day differences (day 1 onward; day 1 includes the
// first full reconcile over the first collection, later days show the steady state).
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const k = Math.floor(s.length / 2);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? (s[k] as number)
      : ((s[k - 1] as number) + (s[k] as number)) / 2;
};
const perDay = (key: keyof Sizes) => median(days.slice(1).map((s, i) => s[key] - (days[i] as Sizes)[key]));
const growth = {
  duckdb: perDay("duckdb"),
  wal: perDay("wal"),
  generations: perDay("generations"),
  jetstream: perDay("jetstream"),
  total: perDay("total"),
};
const last = days[days.length - 1] as Sizes;
console.log(
  `\n${objects} objects, ${changesPerDay} changes per day (${(CHURN * 100).toFixed(1)} %), ${POLLS_PER_DAY} polls per day`,
);
console.log(
  "\n| after day | warehouse.duckdb | WAL | generations | JetStream | total |\n| --- | --- | --- | --- | --- | --- |",
);
days.forEach((s, d) => {
  console.log(
    `| ${d} | ${mb(s.duckdb)} MB | ${mb(s.wal)} MB | ${mb(s.generations)} MB | ${mb(s.jetstream)} MB | ${mb(s.total)} MB |`,
  );
});
console.log(
  `\ngrowth per day (median): warehouse ${mb(growth.duckdb)} MB, WAL ${mb(growth.wal)} MB, generations ${mb(growth.generations)} MB, JetStream ${mb(growth.jetstream)} MB, total ${mb(growth.total)} MB = ${((100 * growth.total) / day0.total).toFixed(2)} % of the first collection's ${mb(day0.total)} MB`,
);
console.log(
  `Graph requests per poll (mean): ${(requests / Math.max(1, polls)).toFixed(0)}; peak RSS poller ${rss.poller} MB, store ${rss.store} MB`,
);

const label = `${objects} objects, ${(CHURN * 100).toFixed(1)} % churn, ${POLLS_PER_DAY} polls/day`;
printFigures(import.meta.url, [
  {
    figure: `total disk after the first collection (${objects} objects)`,
    value: day0.total / 1024 ** 2,
    unit: "MB",
    baseline: null,
    target: null,
    peakRssMb: rss,
  },
  {
    figure: `total disk growth per day (${label})`,
    value: growth.total / 1024 ** 2,
    unit: "MB/day",
    baseline: day0.total / 1024 ** 2,
    target: "follows churn; bounded by HISTORY_RETENTION_DAYS",
    peakRssMb: rss,
  },
  {
    figure: `warehouse (DuckDB file + WAL) growth per day (${label})`,
    value: (growth.duckdb + growth.wal) / 1024 ** 2,
    unit: "MB/day",
    baseline: (day0.duckdb + day0.wal) / 1024 ** 2,
    target: null,
    peakRssMb: rss,
  },
  {
    figure: `generations growth per day (${label})`,
    value: growth.generations / 1024 ** 2,
    unit: "MB/day",
    baseline: day0.generations / 1024 ** 2,
    target: "≈ 0 (GENERATIONS_KEPT)",
    peakRssMb: rss,
  },
  {
    figure: `JetStream store growth per day (${label})`,
    value: growth.jetstream / 1024 ** 2,
    unit: "MB/day",
    baseline: day0.jetstream / 1024 ** 2,
    target: "≈ 0 (pages purged after commit)",
    peakRssMb: rss,
  },
  {
    figure: `total disk after ${DAYS} days (${label})`,
    value: last.total / 1024 ** 2,
    unit: "MB",
    baseline: day0.total / 1024 ** 2,
    target: null,
    peakRssMb: rss,
  },
]);
await bus.drain();
await stopAll();
await sim.stop();
await nats.stop();
process.exit(0);
