/**
 * Store ingest benchmark (not a test): `node --import tsx bench/store-ingest.ts [--quick] [users]
 * [--batch=N]` (quick: 50,000 users; full: 1,000,000).
 *
 * Measures the store's real ingest path — Warehouse.pageCollected: ledger check, page plan,
 * appender staging, set-based SQL, change rows — called directly, without NATS, the way the
 * collection consumer calls it: the pages waiting are applied `--batch` at a time (default the
 * store's STORE_BATCH_MESSAGES, 16) in one transaction (`Warehouse.batch`). The baseline is DuckDB's
 * own `read_json` loading the same objects from an NDJSON file. Each part runs in its own child
 * process so its peak RSS is its own.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { catalog } from "@tenantlens/graph";
import type { MessageRef } from "../services/store/src/adapters/bookkeeping.js";
import { storeConfigSchema } from "../services/store/src/config.js";
import { msgRef, newPollId, newRef, page, userObject } from "../services/store/src/testing/fixtures.js";
import { Warehouse } from "../services/store/src/warehouse.js";
import { type Figure, printFigures, quickMode } from "./_lib/report.js";

const PAGE_SIZE = 999;
/** The store's default DUCKDB_MEMORY_LIMIT. */
const MEMORY_LIMIT = storeConfigSchema.shape.DUCKDB_MEMORY_LIMIT.parse(undefined);

interface PartResult {
  part: string;
  objects: number;
  seconds: number;
  /** CPU time of the process (every thread, DuckDB's included) over the same span. */
  cpuSeconds: number;
  peakRssMb: number;
  /** Largest V8 heap seen between pages (the store's own memory, apart from DuckDB's buffers). */
  peakHeapMb?: number;
  note?: string;
}

/** Graph-shaped users (about 30 properties, nested identities and licences). */
function user(i: number): Record<string, unknown> {
  return userObject(i, {
    companyName: "Contoso",
    employeeId: String(100000 + i),
    usageLocation: "FR",
    otherMails: [`alt${i}@example.test`],
    creationType: null,
    externalUserState: null,
    onPremisesSyncEnabled: i % 2 === 0,
    onPremisesImmutableId: i % 2 === 0 ? Buffer.from(String(i)).toString("base64") : null,
    onPremisesLastSyncDateTime: i % 2 === 0 ? "2025-01-01T00:00:00Z" : null,
    lastPasswordChangeDateTime: "2024-11-05T10:20:30Z",
    assignedLicenses: [{ skuId: "c7df2760-2c81-4ef7-b578-5b5392b571df", disabledPlans: [] }],
  });
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function storePart(users: number, batch: number): Promise<PartResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tl-bench-store-"));
  try {
    const wh = await Warehouse.open({
      file: path.join(dir, "w.duckdb"),
      catalog,
      memoryLimit: MEMORY_LIMIT,
      checkpointThreshold: "128MB", // the store's default (DUCKDB_CHECKPOINT_THRESHOLD)
    });
    const ref = newRef();
    const results: PartResult[] = [];
    for (const [label, at] of [
      ["store: initial full read (all added)", new Date(Date.now() - 2 * 86_400_000).toISOString()],
      ["store: re-read, nothing changed", new Date(Date.now() - 86_400_000).toISOString()],
    ] as const) {
      const pollId = newPollId();
      let peakHeap = 0;
      const cpu = process.cpuUsage();
      const started = performance.now();
      const pages = Math.ceil(users / PAGE_SIZE);
      for (let first = 0; first < pages; first += batch) {
        // Objects are built per batch of pages, as they arrive from NATS: memory is bounded by it.
        const group: { p: number; payload: ReturnType<typeof page> }[] = [];
        for (let p = first; p < Math.min(pages, first + batch); p++) {
          const objects = [];
          for (let i = p * PAGE_SIZE; i < Math.min(users, (p + 1) * PAGE_SIZE); i++) objects.push(user(i));
          group.push({ p, payload: page(ref, pollId, { objects, page: p, at }) });
        }
        // As the collection consumer does: the batch is told its messages' ledger keys.
        const refs = group.map(({ p }) => msgRef(`${pollId}.users.${p}.0`));
        await wh.batch(
          async () => {
            for (const [k, { payload }] of group.entries())
              await wh.pageCollected(payload, refs[k] as MessageRef);
          },
          { keys: refs.map((r) => r.key) },
        );
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      }
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      results.push({
        part: label,
        objects: users,
        seconds,
        cpuSeconds: (used.user + used.system) / 1e6,
        peakRssMb: peakRssMb(),
        peakHeapMb: Math.round(peakHeap / 1024 / 1024),
        note: `DuckDB memory_limit ${MEMORY_LIMIT}, ${batch} page(s) per commit`,
      });
    }
    await wh.close();
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The benchmark's users as NDJSON in `dir`; the file's path and size. */
async function writeUsers(dir: string, users: number): Promise<{ file: string; size: number }> {
  const file = path.join(dir, "users.ndjson");
  const out = createWriteStream(file);
  for (let i = 0; i < users; i++) {
    if (!out.write(`${JSON.stringify(user(i))}\n`))
      await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return { file, size: (await stat(file)).size };
}

/** Runs `statements` on a fresh DuckDB file and times them (wall and CPU). */
async function timedDuckDb(
  dir: string,
  setUp: readonly string[],
  statements: readonly string[],
): Promise<{ seconds: number; cpuSeconds: number; n: number }> {
  const instance = await DuckDBInstance.create(path.join(dir, "w.duckdb"), { memory_limit: MEMORY_LIMIT });
  const conn = await instance.connect();
  for (const sql of setUp) await conn.run(sql);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const sql of statements) await conn.run(sql);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const n = Number((await conn.runAndReadAll("SELECT count(*) AS n FROM users")).getRowObjectsJson()[0]?.n);
  conn.closeSync();
  instance.closeSync();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, n };
}

async function readJsonPart(users: number): Promise<PartResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tl-bench-json-"));
  try {
    const { file, size } = await writeUsers(dir, users);
    const r = await timedDuckDb(
      dir,
      [],
      [`CREATE TABLE users AS SELECT * FROM read_json('${file}', format = 'newline_delimited')`],
    );
    return [
      {
        part: "DuckDB read_json (NDJSON → table)",
        objects: r.n,
        seconds: r.seconds,
        cpuSeconds: r.cpuSeconds,
        peakRssMb: peakRssMb(),
        note: `${(size / 1e6).toFixed(0)} MB NDJSON`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * What the store's data model asks of DuckDB for a first read, and nothing else: in one
 * transaction, each object's typed columns, its JSON and content hash in the current table, and
 * its `added` change row with the JSON again. No JavaScript, no classification against stored rows,
 * no ledger or bookkeeping: the most the store could ever reach, set against the same `read_json`.
 */
async function floorPart(users: number): Promise<PartResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tl-bench-floor-"));
  try {
    const { file } = await writeUsers(dir, users);
    const json = `read_json_objects('${file}', format = 'newline_delimited')`;
    const typed = `read_json('${file}', format = 'newline_delimited')`;
    const probe = await DuckDBInstance.create(":memory:");
    const pc = await probe.connect();
    const structure = String(
      (await pc.runAndReadAll(`SELECT json_structure(json) FROM ${json} LIMIT 1`)).getRows()[0]?.[0],
    );
    pc.closeSync();
    probe.closeSync();
    const r = await timedDuckDb(
      dir,
      [
        `CREATE TABLE users AS SELECT *, NULL::JSON AS _raw, NULL::VARCHAR AS _hash FROM ${typed} LIMIT 0`,
        "CREATE TABLE user_changes (change_id VARCHAR, id VARCHAR, change_type VARCHAR, after JSON)",
      ],
      [
        "BEGIN",
        `CREATE TEMP TABLE input AS SELECT json AS raw FROM ${json}`,
        `INSERT INTO users SELECT unnest(json_transform(raw, '${structure}')), raw, md5(raw) FROM temp.input`,
        "INSERT INTO user_changes SELECT md5(raw->>'id'), raw->>'id', 'added', raw FROM temp.input",
        "COMMIT",
      ],
    );
    return [
      {
        part: "the data model alone in DuckDB",
        objects: r.n,
        seconds: r.seconds,
        cpuSeconds: r.cpuSeconds,
        peakRssMb: peakRssMb(),
        note: "current row + JSON + hash, added change row; one transaction",
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function child(part: string, users: number, batch: number): Promise<void> {
  const results =
    part === "store"
      ? await storePart(users, batch)
      : part === "floor"
        ? await floorPart(users)
        : await readJsonPart(users);
  process.stdout.write(`RESULT ${JSON.stringify(results)}\n`);
}

function runChild(part: string, users: number, batch = 1): PartResult[] {
  const self = fileURLToPath(import.meta.url);
  const args = ["--import", "tsx", self, `--part=${part}`, String(users), `--batch=${batch}`];
  const r = spawnSync(process.execPath, args, {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (r.status !== 0 || !line) throw new Error(`${part} failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(line.slice("RESULT ".length)) as PartResult[];
}

const args = process.argv.slice(2);
const partArg = args.find((a) => a.startsWith("--part="));
const quick = quickMode();
const users = Number(args.find((a) => /^\d+$/.test(a)) ?? (quick ? 50_000 : 1_000_000));
const batch = Number(args.find((a) => a.startsWith("--batch="))?.slice("--batch=".length) ?? 16);
if (partArg) {
  await child(partArg.slice("--part=".length), users, batch);
} else {
  console.log(
    `store ingest benchmark: ${users} users, pages of ${PAGE_SIZE}, ${os.cpus().length} CPUs, node ${process.version}`,
  );
  console.log(
    `store path: Warehouse.pageCollected called directly (no NATS); one commit per page, then ${batch} pages per commit\n`,
  );
  const json = runChild("read_json", users);
  const floor = runChild("floor", users);
  const single = runChild("store", users, 1);
  const store = runChild("store", users, batch);
  const all = [...json, ...floor, ...single, ...store];
  for (const r of all) {
    const rate = Math.round(r.objects / r.seconds);
    console.log(
      `${r.part.padEnd(40)}  ${r.seconds.toFixed(2).padStart(7)} s (CPU ${r.cpuSeconds.toFixed(2)} s)  ${String(rate).padStart(8)} objects/s  peak RSS ${r.peakRssMb} MB${r.peakHeapMb === undefined ? "" : `, JS heap ${r.peakHeapMb} MB`}${r.note ? `  (${r.note})` : ""}`,
    );
  }
  const base = json[0];
  if (base) {
    const baseRate = base.objects / base.seconds;
    const figures: Figure[] = [
      {
        figure: "DuckDB read_json, objects/s",
        value: baseRate,
        unit: "objects/s",
        baseline: null,
        target: null,
        peakRssMb: { "read_json process": base.peakRssMb },
      },
    ];
    console.log("");
    const model = floor[0];
    if (model) {
      const ratio = model.objects / model.seconds / baseRate;
      console.log(
        `the data model alone in DuckDB: ${ratio.toFixed(2)}× read_json's rate (the store's ceiling)`,
      );
      figures.push({
        figure: "the store's data model alone in DuckDB (no JavaScript, no classification), × read_json rate",
        value: ratio,
        unit: "×",
        baseline: 1,
        target: null,
        peakRssMb: { "data model process": model.peakRssMb },
      });
    }
    for (const [label, list] of [
      ["1 page per commit", single],
      [`${batch} pages per commit`, store],
    ] as const) {
      for (const [k, r] of list.entries()) {
        const ratio = r.objects / r.seconds / baseRate;
        const what = k === 0 ? "first full read" : "re-read, nothing changed";
        console.log(`store ${what}, ${label}: ${ratio.toFixed(2)}× read_json's rate`);
        // The parts run one after another and the machine's load moves meanwhile: CPU time per
        // object (every thread) is the steadier comparison.
        const cpuRatio = base.cpuSeconds / base.objects / (r.cpuSeconds / r.objects);
        console.log(`store ${what}, ${label}: ${cpuRatio.toFixed(2)}× read_json's rate by CPU time`);
        if (label !== "1 page per commit")
          figures.push({
            figure: `store ${what} (${label}), × read_json rate by CPU time`,
            value: cpuRatio,
            unit: "×",
            baseline: 1,
            target: null,
            peakRssMb: { store: r.peakRssMb },
          });
        figures.push({
          figure: `store ${what} (${label}), × read_json rate`,
          value: ratio,
          unit: "×",
          baseline: 1,
          target: k === 0 && label !== "1 page per commit" ? "≥ 0.5" : null,
          peakRssMb: { store: r.peakRssMb },
        });
      }
    }
    printFigures(import.meta.url, figures);
  }
}
