/**
 * The whole managed rule pack on a tenant of ~1M directory objects, through the rules service's real
 * path — the engine in-process, every query over NATS to the query service running as its own process
 * (hardened DuckDB in worker processes, the generation pinned), results applied to the rules
 * service's DuckDB state, events through the outbox into JetStream — against baselines of the same
 * SQL run directly in plain, unhardened DuckDB over the same Parquet generation, with the same row
 * cap. Not a test: it prints figures.
 *
 *   node --import tsx bench/rules-pack.ts [--objects 1000000] [--workers 2] [--threads 1]
 */
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DuckDBInstance } from "@duckdb/node-api";
import { connectBus } from "../libs/bus/src/index.js";
import { allEvents, type Generation, GenerationGet } from "../libs/contracts/src/index.js";
import { createLogger } from "../libs/telemetry/src/index.js";
import { startNats, startService } from "../libs/testkit/src/index.js";
import { writeGeneration } from "../services/query/src/testing/generation-fixture.js";
import { OutboxPublisher } from "../services/rules/src/adapters/outbox.js";
import { natsExecutor, resetResultsDir } from "../services/rules/src/adapters/query-client.js";
import { StateDb } from "../services/rules/src/adapters/state-db.js";
import { COVERAGE_SQL } from "../services/rules/src/domain/coverage.js";
import { RulesEngine } from "../services/rules/src/engine.js";
import { discard, evaluate } from "../services/rules/src/evaluator.js";
import { managedRules } from "../services/rules/src/managed/index.js";
import { compliantTenant, workspaceTables } from "../services/rules/src/testing/compliant-tenant.js";
import { ownPeakRssMb, printFigures, quickMode } from "./_lib/report.js";

/** VmHWM of the query service's process and its workers (children), in MB. */
function queryPeakRssMb(pid: number): number {
  const hwm = (p: number) => {
    try {
      return Math.round(
        Number(/VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) / 1024,
      );
    } catch {
      return 0;
    }
  };
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // not on Linux: the service process alone
  }
  return Math.max(hwm(pid), ...children.map(hwm));
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const QUICK = quickMode();
const OBJECTS = arg("objects", QUICK ? 50_000 : 1_000_000);
const WORKERS = arg("workers", 2);
const THREADS = arg("threads", 1);
const MAX_ROWS = 100_000; // RULES_MAX_VIOLATIONS default
const WS = "bench";
const INTEGRATION = "int_benchtenant01";
const TENANT = "00000000-0000-4000-8000-000000000000";

// Directory objects by kind (devices are collected too, though no rule reads them).
const n = {
  users: Math.round(OBJECTS * 0.5),
  groups: Math.round(OBJECTS * 0.2),
  servicePrincipals: Math.round(OBJECTS * 0.1),
  applications: Math.round(OBJECTS * 0.05),
  grants: Math.round(OBJECTS * 0.1),
  devices: Math.round(OBJECTS * 0.05),
};
const base = `'${INTEGRATION}' AS integration_id, '${TENANT}' AS tenant_id`;
const now = "TIMESTAMPTZ '2026-06-01 00:00:00+00'";

/** Large tables as SQL over range(); the small policy tables come from the compliant fixture tenant. */
function tables() {
  const small = workspaceTables([{ integrationId: INTEGRATION, tables: compliantTenant() }]);
  return {
    ...small,
    azuread_user: {
      sql: `SELECT ${base}, 'u-' || i AS id, 'User ' || i AS display_name, 'user' || i || '@contoso.com' AS user_principal_name,
        CASE WHEN i % 10 = 0 THEN 'Guest' ELSE 'Member' END AS user_type, i % 20 <> 0 AS account_enabled,
        ${now} - to_days(CAST(i % 2000 AS INTEGER)) AS created_date_time, 'Dept ' || (i % 40) AS department,
        i % 3 = 0 AS on_premises_sync_enabled, json_object('id', 'u-' || i) AS _raw
        FROM range(${n.users}) t(i)`,
    },
    azuread_user_sign_in_activity: {
      sql: `SELECT ${base}, 'u-' || i AS id,
        json_object('lastSignInDateTime', strftime(${now} - to_days(CAST(i % 150 AS INTEGER)), '%Y-%m-%dT%H:%M:%SZ')) AS sign_in_activity
        FROM range(${n.users}) t(i)`,
    },
    azuread_user_registration_details: {
      sql: `SELECT ${base}, 'u-' || i AS id, 'user' || i || '@contoso.com' AS user_principal_name, 'User ' || i AS user_display_name,
        CASE WHEN i % 10 = 0 THEN 'guest' ELSE 'member' END AS user_type, i % 1000 = 0 AS is_admin,
        i % 7 <> 0 AS is_mfa_registered, ['microsoftAuthenticatorPush'] AS methods_registered
        FROM range(${n.users}) t(i)`,
    },
    azuread_group: {
      sql: `SELECT ${base}, 'g-' || i AS id, 'Group ' || i AS display_name, true AS security_enabled, false AS mail_enabled,
        i % 4 = 0 AS is_assignable_to_role, json_object('id', 'g-' || i) AS _raw FROM range(${n.groups}) t(i)`,
    },
    azuread_service_principal: {
      sql: `SELECT ${base}, 'sp-' || i AS id, 'App ' || i AS display_name, 'app-' || i AS app_id,
        CASE WHEN i % 20 = 0 THEN json_array(json_object('keyId', 'k' || i)) ELSE json_array() END AS password_credentials
        FROM range(${n.servicePrincipals}) t(i)`,
    },
    azuread_application: {
      sql: `SELECT ${base}, 'app-' || i AS id, 'App ' || i AS display_name, 'app-' || i AS app_id,
        CASE WHEN i % 5 = 0 THEN json_array(json_object('keyId', 'k' || i, 'endDateTime',
          strftime(${now} + to_days(CAST(i % 400 AS INTEGER)), '%Y-%m-%dT%H:%M:%SZ'))) ELSE json_array() END AS password_credentials
        FROM range(${n.applications}) t(i)`,
    },
    azuread_oauth2_permission_grant: {
      sql: `SELECT ${base}, 'grant-' || i AS id, 'sp-' || (i % ${n.servicePrincipals}) AS client_id,
        CASE WHEN i % 50 = 0 THEN 'AllPrincipals' ELSE 'Principal' END AS consent_type,
        'sp-0' AS resource_id, 'User.Read' AS scope FROM range(${n.grants}) t(i)`,
    },
    azuread_device: {
      sql: `SELECT ${base}, 'd-' || i AS id, 'Device ' || i AS display_name, true AS account_enabled FROM range(${n.devices}) t(i)`,
    },
  };
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const root = path.join(os.tmpdir(), `tl-bench-rules-${process.pid}`);
const log = createLogger("bench", {}, { level: "silent" });
const rules = managedRules.map((r) => ({
  id: r.id,
  queries: r.definition.queries,
  evaluation: r.definition.evaluation,
  emptyWhenNotCollected: r.emptyWhenNotCollected,
}));

/**
 * The pack's SQL in plain DuckDB over the same files: `js` reads every result into JavaScript rows
 * (what a client of plain DuckDB does), `materialize` keeps each result in DuckDB (a temp table, the
 * least work DuckDB can do to produce it).
 */
async function plainBaseline(
  generation: Generation,
  mode: "js" | "materialize",
): Promise<{ ms: number; rows: number }> {
  const db = await DuckDBInstance.create(":memory:", { threads: String(WORKERS * THREADS) });
  const c = await db.connect();
  await c.run("SET TimeZone = 'UTC'");
  for (const t of generation.tables)
    await c.run(`CREATE VIEW "${t.name}" AS SELECT * FROM read_parquet('${t.file}')`);
  const t0 = performance.now();
  let rows = 0;
  for (const sql of [COVERAGE_SQL, ...managedRules.flatMap((r) => r.definition.queries.map((q) => q.sql))]) {
    if (mode === "js") {
      const reader = await c.runAndReadUntil(sql, MAX_ROWS + 1);
      rows += reader.getRowObjectsJson().slice(0, MAX_ROWS).length;
    } else {
      await c.run(`CREATE OR REPLACE TEMP TABLE r AS SELECT * FROM (${sql}) LIMIT ${MAX_ROWS}`);
      rows += Number((await c.runAndReadAll("SELECT count(*) AS n FROM r")).getRowObjects()[0]?.n ?? 0);
    }
  }
  const ms = performance.now() - t0;
  c.closeSync();
  db.closeSync();
  return { ms, rows };
}

try {
  const t0 = performance.now();
  const g1 = await writeGeneration({
    root: path.join(root, "generations"),
    workspaceId: WS,
    generationId: 1,
    tables: tables(),
    allCatalogTables: true,
  });
  const objects = Object.values(n).reduce((a, b) => a + b, 0);
  console.log(
    `generation: ${objects.toLocaleString("en")} directory objects (${g1.tables.reduce((s, t) => s + t.rows, 0).toLocaleString("en")} rows in ${g1.tables.length} tables), built in ${secs(performance.now() - t0)}`,
  );
  console.log(
    `pack: ${managedRules.length} rules; query service: ${WORKERS} workers × ${THREADS} DuckDB threads, rules concurrency ${WORKERS}; plain DuckDB: ${WORKERS * THREADS} threads; row cap ${MAX_ROWS.toLocaleString("en")}; ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)}`,
  );
  // The same files announced as a second generation: a later collection that changed nothing.
  const g2: Generation = { ...g1, generationId: 2, pollIds: ["poll_benchmark0002"] };
  const gens = new Map([
    [1, { ...g1, pollIds: ["poll_benchmark0001"] }],
    [2, g2],
  ]);
  let current = 1;

  const plainCold = await plainBaseline(g1, "js");
  const materializedCold = await plainBaseline(g1, "materialize");

  const nats = await startNats();
  const bus = await connectBus({ ...nats.client(), service: "rules", logger: log });
  await bus.ensureStreams();
  bus.serve(GenerationGet, async ({ workspaceId, generationId }) => ({
    generation: workspaceId === WS ? (gens.get(generationId ?? current) ?? null) : null,
  }));
  const query = await startService(
    "query",
    {
      NATS_URL: nats.url,
      TENANTLENS_DATA_DIR: path.join(root, "query"),
      QUERY_WORKERS: String(WORKERS),
      QUERY_THREADS: String(THREADS),
      QUERY_MEMORY_LIMIT: "2GB",
      QUERY_READER_ID: "bench",
    },
    { readyTimeoutMs: 60_000 },
  );
  const db = await StateDb.open(path.join(root, "rules", "rules.duckdb"));
  const outbox = new OutboxPublisher(
    db,
    async (subject, payload) => {
      const def = allEvents.find((e) => e.subject === subject);
      if (def) await bus.publish(def, payload);
    },
    log,
  );
  const resultsDir = path.join(root, "rules", "results");
  await resetResultsDir(resultsDir);
  const executor = natsExecutor(bus, { timeoutMs: 120_000, resultsDir });
  const engine = new RulesEngine({
    db,
    executor,
    currentGeneration: async () => current,
    outbox,
    log,
    limits: { concurrency: WORKERS, maxViolations: MAX_ROWS, maxMessageBytes: 900_000 },
  });

  // 1. Queries only (the query service's part), on the first generation (instances opened cold).
  const q0 = performance.now();
  const evaluation = await evaluate(
    executor,
    db.read(),
    { workspaceId: WS, generationId: 1, rules },
    { concurrency: WORKERS, maxRows: MAX_ROWS },
  );
  const queriesMs = performance.now() - q0;
  await discard(evaluation.files);
  const violations = evaluation.results.reduce(
    (s, r) => s + r.judgements.reduce((x, j) => x + (j.kind === "verdict" ? j.count : 0), 0),
    0,
  );
  const errors = evaluation.results.filter((r) => "error" in r.summary);
  if (errors.length > 0) console.log(`rule errors: ${errors.map((r) => r.rule.id).join(", ")}`);

  // 2. The whole run on the same generation: queries again (warm) + transitions (every violation opens).
  const r1 = performance.now();
  await engine.onGeneration(gens.get(1) as Generation);
  const firstRunMs = performance.now() - r1;
  const p1 = performance.now();
  await outbox.idle();
  const publishMs = performance.now() - p1;
  const events = (await bus.jsm.streams.info("TL_RULES")).state.messages;

  // 3. A later generation where nothing changed: a steady-state run (new sandbox instance, no transitions).
  current = 2;
  const r2 = performance.now();
  await engine.onGeneration(g2);
  const steadyMs = performance.now() - r2;
  await outbox.idle();

  const plainWarm = await plainBaseline(g1, "js");
  const materializedWarm = await plainBaseline(g1, "materialize");
  const plainMs = Math.min(plainCold.ms, plainWarm.ms);
  const materializedMs = Math.min(materializedCold.ms, materializedWarm.ms);

  const ratio = (ms: number) => `${(ms / plainMs).toFixed(2)}      ${(ms / materializedMs).toFixed(2)}`;
  const rows = [
    ["plain DuckDB, results read into JS rows", secs(plainMs), ratio(plainMs)],
    ["plain DuckDB, results kept in DuckDB", secs(materializedMs), ratio(materializedMs)],
    ["rules: queries through the query service", secs(queriesMs), ratio(queriesMs)],
    ["rules: whole run, first (every violation opens)", secs(firstRunMs), ratio(firstRunMs)],
    ["rules: whole run, later generation, nothing changed", secs(steadyMs), ratio(steadyMs)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0]?.length ?? 0));
  console.log(`\n${"".padEnd(w0)}  time      ÷ JS rows ÷ kept in DuckDB`);
  for (const r of rows) console.log(`${(r[0] ?? "").padEnd(w0)}  ${(r[1] ?? "").padEnd(8)}  ${r[2]}`);
  console.log(
    `\nplain: JS rows cold ${secs(plainCold.ms)}, warm ${secs(plainWarm.ms)}; kept cold ${secs(materializedCold.ms)}, warm ${secs(materializedWarm.ms)}; ${plainWarm.rows.toLocaleString("en")} rows`,
  );
  console.log(
    `first run: ${violations.toLocaleString("en")} violations opened, ${events.toLocaleString("en")} events in TL_RULES, outbox drained ${secs(publishMs)} after the commit`,
  );

  const queryPeak = queryPeakRssMb(query.pid);
  const peakRssMb = { "benchmark (rules engine, plain DuckDB)": ownPeakRssMb(), "query service": queryPeak };
  printFigures(import.meta.url, [
    {
      figure: "whole pack, later generation (nothing changed)",
      value: steadyMs / 1000,
      unit: "s",
      baseline: plainMs / 1000,
      target: "< 10 s at 1M objects",
      peakRssMb,
    },
    {
      figure: "whole pack, first run (every violation opens)",
      value: firstRunMs / 1000,
      unit: "s",
      baseline: plainMs / 1000,
      target: null,
      peakRssMb,
    },
    {
      figure: "rule queries through the query service",
      value: queriesMs / 1000,
      unit: "s",
      baseline: plainMs / 1000,
      target: null,
      peakRssMb,
    },
  ]);
  await engine.stop();
  await outbox.stop();
  await bus.drain();
  await db.close();
  await query.stop();
  await nats.stop();
} finally {
  await rm(root, { recursive: true, force: true });
}
