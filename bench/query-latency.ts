/**
 * Analyst SQL through the real REST API: p50/p95 of the five shipped example queries (up to 10,000
 * rows each) and of an aggregate on a synthetic tenant of ~1M directory objects, against plain
 * DuckDB on the same Parquet generation in the same run, plus the peak RSS of the gateway, the query
 * service and its DuckDB workers. Not a test: it prints figures.
 *
 *   node --import tsx bench/query-latency.ts [--quick] [--runs 20]
 *
 * What runs: a real nats-server (locked, every service with its own NKEY), the query service and the
 * gateway as their own processes with their shipped defaults, an API key; this script plays the store
 * (it answers `store.generation.get` with the generation it wrote). Each request is
 * `POST /api/query` with the key, timed until the last byte of the body.
 * The baseline is an unhardened in-process DuckDB over the same files running the same SQL with
 * `LIMIT 10001` and reading the rows (no conversion at all: the engine's own time), the least any
 * service could spend. A second baseline column adds what most Node programs do next
 * (`getRowObjectsJson` + `JSON.stringify`); a third is DuckDB writing the same rows as a JSON
 * array itself (`COPY … TO <temp file> (FORMAT json, ARRAY true)`): the least an engine spends to
 * answer in JSON at all, which is what the API does. Plain and REST runs alternate, so a change of
 * machine load hits both. CPU time per query (from /proc: gateway, nats-server, query service and workers
 * against this process during the plain run) is printed too: unlike wall-clock time it does not
 * stretch with the load of the shared machine. Quick mode: a tenant 20× smaller (~50k objects) and 10 runs per query.
 */
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DuckDBInstance } from "@duckdb/node-api";
import { DEFAULT_WORKSPACE, GenerationGet } from "../libs/contracts/src/index.js";
import {
  cleanup,
  connectTestBus,
  freePort,
  startNats,
  startService,
  tempDir,
} from "../libs/testkit/src/index.js";
import { exampleQueries } from "../services/query/src/domain/examples.js";
import { writeTenantGeneration } from "./_lib/query-tenant.js";
import { type Figure, option, ownPeakRssMb, printFigures, quickMode } from "./_lib/report.js";

const QUICK = quickMode();
const RUNS = Number(option("runs", QUICK ? "10" : "20"));
const WARMUP = 2;
const MAX_ROWS = 10_000;
const API_KEY = "bench-admin-key-0123456789abcdef";

const AGGREGATE = {
  id: "aggregate: users by type",
  sql: "SELECT user_type, count(*) AS users, count(*) FILTER (WHERE NOT account_enabled) AS disabled FROM azuread_user GROUP BY ALL ORDER BY users DESC",
};
const queries = [...exampleQueries.map((e) => ({ id: e.id, sql: e.sql })), AGGREGATE];

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95) };
};

/** `rowCount` from the tail of a JSON answer (`…],"rowCount":N,"truncated":…}`). */
function rowCountOf(text: string): number {
  const tail = text.slice(text.lastIndexOf('"rowCount":'));
  const n = Number(/^"rowCount":(\d+)/.exec(tail)?.[1]);
  if (!Number.isInteger(n)) throw new Error(`no rowCount in the answer's tail: ${tail.slice(0, 200)}`);
  return n;
}

/** VmHWM (peak resident set) of a process in MB, 0 once it is gone. */
function peakRssMb(pid: number): number {
  try {
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Math.round(Number(kb ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** USER_HZ: /proc reports CPU times in these ticks (100 on Linux). */
const CLOCK_TICKS = 100;

/** The process's command name (`/proc/<pid>/comm`), "" once it is gone. */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** The processes whose parent is `pid` (the query service's DuckDB workers). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const root = tempDir("tl-bench-query");
try {
  const t0 = performance.now();
  const generation = await writeTenantGeneration(root, DEFAULT_WORKSPACE, 1, QUICK);
  const objects = generation.tables.reduce((n, t) => n + t.rows, 0);
  console.log(
    `generation: ${objects.toLocaleString("en")} objects in ${generation.tables.length} tables, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const nats = await startNats();
  const storeStandIn = await connectTestBus(nats, { service: "store", label: "bench-store" });
  storeStandIn.serve(GenerationGet, async ({ workspaceId }) => ({
    generation: workspaceId === DEFAULT_WORKSPACE ? generation : null,
  }));
  const dataDir = tempDir("tl-bench-query-data");
  const query = await startService("query", { NATS_URL: nats.url, TENANTLENS_DATA_DIR: dataDir });
  const port = await freePort();
  const gateway = await startService("gateway", {
    NATS_URL: nats.url,
    TENANTLENS_DATA_DIR: dataDir,
    GATEWAY_PORT: String(port),
    GATEWAY_HOST: "127.0.0.1",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    TENANTLENS_API_KEY: API_KEY,
    // Every request of the benchmark uses the one key.
    GATEWAY_RATE_LIMIT_PER_MINUTE: "1000000",
    OTEL_SDK_DISABLED: "true",
  });
  const url = `http://127.0.0.1:${port}/api/query`;
  // CPU the answer costs on the REST side: gateway, NATS, query service and its workers, whatever
  // the machine's load (which stretches wall-clock times but not CPU time).
  const natsPids = childrenOf(process.pid).filter((p) => commandOf(p) === "nats-server");
  const servicesCpuMs = () =>
    [gateway.pid, query.pid, ...natsPids, ...childrenOf(query.pid)].reduce((n, p) => n + cpuMs(p), 0);
  console.log(
    `runs: ${RUNS} per query after ${WARMUP} warm-ups, plain and REST alternating; row cap ${MAX_ROWS}; ${os.cpus().length} CPUs; load ${os.loadavg()[0]?.toFixed(1)}`,
  );

  const plain = await DuckDBInstance.create(":memory:", { threads: "2" });
  const jsonOut = path.join(tempDir("tl-bench-query-json"), "answer.json");
  const pc = await plain.connect();
  for (const t of generation.tables)
    await pc.run(`CREATE VIEW "${t.name}" AS SELECT * FROM read_parquet('${t.file}')`);

  const rest = async (sql: string, accept = "application/json") => {
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json", accept },
      body: JSON.stringify({ sql }),
    });
    const text = await res.text().catch((err: unknown) => {
      // A streamed answer cut off midway: show what the services said.
      console.error(`--- gateway ---\n${gateway.logs()}\n--- query ---\n${query.logs()}`);
      throw err;
    });
    if (res.status !== 200) throw new Error(`${res.status}: ${text.slice(0, 500)}`);
    return text;
  };

  const table: string[][] = [];
  const figures: Figure[] = [];
  const rss = () => {
    const workers = childrenOf(query.pid);
    return {
      gateway: peakRssMb(gateway.pid),
      "query service": peakRssMb(query.pid),
      "query worker (highest)": Math.max(0, ...workers.map(peakRssMb)),
      "benchmark (plain DuckDB)": ownPeakRssMb(),
    };
  };
  for (const q of queries) {
    let returned = 0;
    const samples = {
      plain: [] as number[],
      plainJson: [] as number[],
      duckJson: [] as number[],
      rest: [] as number[],
    };
    let plainCpu = 0;
    let servicesFrom = 0;
    for (let i = 0; i < WARMUP + RUNS; i++) {
      if (i === WARMUP) servicesFrom = servicesCpuMs();
      const a = performance.now();
      const cpu = process.cpuUsage();
      const reader = await pc.runAndReadAll(`SELECT * FROM (\n${q.sql}\n) LIMIT ${MAX_ROWS + 1}`);
      const b = performance.now();
      const used = process.cpuUsage(cpu);
      if (i >= WARMUP) plainCpu += (used.user + used.system) / 1000;
      JSON.stringify(reader.getRowObjectsJson().slice(0, MAX_ROWS));
      const b2 = performance.now();
      await pc.run(
        `COPY (SELECT * FROM (\n${q.sql}\n) LIMIT ${MAX_ROWS}) TO '${jsonOut}' (FORMAT json, ARRAY true)`,
      );
      const c = performance.now();
      const text = await rest(q.sql);
      const d = performance.now();
      // Streamed answers carry no X-Row-Count header: the count is in the body's tail (read there,
      // not by parsing megabytes of rows on the machine the services share).
      returned = rowCountOf(text);
      if (i < WARMUP) continue;
      samples.plain.push(b - a);
      samples.plainJson.push(b2 - a);
      samples.duckJson.push(c - b2);
      samples.rest.push(d - c);
    }
    // Per query; the services' share includes what they spend idling while plain DuckDB runs (little).
    const restCpu = (servicesCpuMs() - servicesFrom) / RUNS;
    plainCpu /= RUNS;
    const p = stats(samples.plain);
    const pj = stats(samples.plainJson);
    const dj = stats(samples.duckJson);
    const s = stats(samples.rest);
    table.push([
      q.id,
      String(returned),
      `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)}`,
      `${pj.p50.toFixed(1)} / ${pj.p95.toFixed(1)}`,
      `${dj.p50.toFixed(1)} / ${dj.p95.toFixed(1)}`,
      `${s.p50.toFixed(1)} / ${s.p95.toFixed(1)}`,
      `${(s.p50 / p.p50).toFixed(2)}x / ${(s.p95 / p.p95).toFixed(2)}x`,
      `${(s.p50 / dj.p50).toFixed(2)}x / ${(s.p95 / dj.p95).toFixed(2)}x`,
      `${restCpu.toFixed(1)} / ${plainCpu.toFixed(1)}`,
    ]);
    const aggregate = q === AGGREGATE;
    figures.push({
      figure: `${q.id} (${returned} rows): REST API p95`,
      value: s.p95,
      unit: "ms",
      baseline: p.p95,
      target: `< ${aggregate ? 50 : 100} ms and ≤ 1.3× plain DuckDB`,
      peakRssMb: rss(),
    });
    figures.push({
      figure: `${q.id} (${returned} rows): REST API p95 against DuckDB writing the same rows as JSON`,
      value: s.p95,
      unit: "ms",
      baseline: dj.p95,
      target: "≤ 1.3× DuckDB's own JSON",
      peakRssMb: rss(),
    });
    figures.push({
      figure: `${q.id} (${returned} rows): CPU per query, gateway + NATS + query service + workers`,
      value: restCpu,
      unit: "ms",
      baseline: plainCpu,
      target: null,
      peakRssMb: rss(),
    });
  }

  // Downloads: time to the first byte and to the last of the largest example as NDJSON, CSV, Parquet.
  const big = exampleQueries.find((e) => e.id === "guest-users") ?? exampleQueries[0]!;
  const downloads: string[] = [];
  for (const [format, accept] of [
    ["ndjson", "application/x-ndjson"],
    ["csv", "text/csv"],
    ["parquet", "application/vnd.apache.parquet"],
  ] as const) {
    const first: number[] = [];
    const last: number[] = [];
    let bytes = 0;
    for (let i = 0; i < WARMUP + Math.max(3, Math.round(RUNS / 2)); i++) {
      const a = performance.now();
      const res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json", accept },
        body: JSON.stringify({ sql: big.sql, maxRows: MAX_ROWS }),
      });
      const reader = res.body?.getReader();
      let firstAt = 0;
      bytes = 0;
      for (;;) {
        const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
        if (done) break;
        if (!firstAt) firstAt = performance.now();
        bytes += value.byteLength;
      }
      if (res.status !== 200) throw new Error(`${format}: ${res.status}`);
      if (i < WARMUP) continue;
      first.push(firstAt - a);
      last.push(performance.now() - a);
    }
    const f = stats(first);
    const l = stats(last);
    downloads.push(
      `${format.padEnd(8)} ${String(bytes).padStart(9)} bytes  first byte p50 ${f.p50.toFixed(1)} ms, last byte p50 ${l.p50.toFixed(1)} / p95 ${l.p95.toFixed(1)} ms`,
    );
    figures.push({
      figure: `${big.id} as ${format} (${MAX_ROWS} rows): REST API p95 to the last byte`,
      value: l.p95,
      unit: "ms",
      baseline: null,
      target: null,
      peakRssMb: rss(),
    });
  }

  const header = [
    "query",
    "rows",
    "plain p50/p95 ms",
    "plain + JSON p50/p95 ms",
    "DuckDB JSON p50/p95 ms",
    "REST API p50/p95 ms",
    "REST ÷ plain",
    "REST ÷ DuckDB JSON",
    "CPU ms REST / plain",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(
    `\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n${table.map(line).join("\n")}`,
  );
  console.log(`\ndownloads of ${big.id}:\n${downloads.join("\n")}`);
  const peaks = rss();
  console.log(
    `\npeak RSS: ${Object.entries(peaks)
      .map(([k, v]) => `${k} ${v} MB`)
      .join(", ")}; load ${os.loadavg()[0]?.toFixed(1)}`,
  );

  printFigures(import.meta.url, figures);
  pc.closeSync();
  plain.closeSync();
  await gateway.stop();
  await query.stop();
  await storeStandIn.drain();
  await nats.stop();
} finally {
  await cleanup();
  await rm(root, { recursive: true, force: true });
}
