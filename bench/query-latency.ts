/**
 * p50/p95 latency of the five shipped example queries on a synthetic tenant of ~1M directory objects,
 * through the query service's real path (hardened DuckDB in a worker process, result encoded as the
 * API's JSON), against a baseline of the same SQL on a plain, unhardened in-process DuckDB over the
 * same Parquet files. Not a test: it prints figures.
 *
 *   node --import tsx bench/query-latency.ts [--quick] [--runs 20]
 *
 * Quick mode: a tenant 20× smaller (~50k objects) and 10 runs per query.
 */
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DuckDBInstance } from "@duckdb/node-api";
import { createLogger } from "../libs/telemetry/src/index.js";
import { exampleQueries } from "../services/query/src/domain/examples.js";
import { writeGeneration } from "../services/query/src/testing/generation-fixture.js";
import { SandboxHarness, specOf } from "../services/query/src/testing/sandbox-harness.js";
import { WorkerPool } from "../services/query/src/worker/pool.js";
import { type Figure, ownPeakRssMb, printFigures, quickMode } from "./_lib/report.js";

const QUICK = quickMode();
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : QUICK ? 10 : 20;
const WARMUP = 2;
const MAX_ROWS = 10_000;
const THREADS = 2;
const MEMORY = "1GB";
const TENANT = "11111111-1111-4111-8111-111111111111";

const full = { users: 600_000, groups: 250_000, servicePrincipals: 80_000, grants: 69_979, domains: 20 };
const counts = QUICK
  ? { users: 30_000, groups: 12_500, servicePrincipals: 4_000, grants: 3_500, domains: 20 }
  : full;
const base = `'int_bench0001' AS integration_id, '${TENANT}' AS tenant_id`;
const raw = (fields: string) =>
  `json_object(${fields}) AS _raw, TIMESTAMPTZ '2025-01-01 00:00:00+00' AS _first_seen_at, now() AS _last_seen_at`;

const tables = {
  azuread_user: {
    sql: `SELECT ${base}, 'u-' || i AS id, 'User ' || i AS display_name, 'user' || i || '@contoso.com' AS user_principal_name,
      'user' || i || '@contoso.com' AS mail, CASE WHEN i % 10 = 0 THEN 'Guest' ELSE 'Member' END AS user_type,
      i % 20 <> 0 AS account_enabled, TIMESTAMPTZ '2015-01-01 00:00:00+00' + to_seconds(i * 97) AS created_date_time,
      CASE WHEN i % 10 = 0 THEN (CASE WHEN i % 30 = 0 THEN 'PendingAcceptance' ELSE 'Accepted' END) END AS external_user_state,
      i % 3 = 0 AS on_premises_sync_enabled, 'Dept ' || (i % 40) AS department,
      ['SMTP:user' || i || '@contoso.com', 'smtp:u' || i || '@contoso.mail.onmicrosoft.com'] AS proxy_addresses,
      json_array(json_object('skuId', 'sku-' || (i % 4), 'disabledPlans', json_array())) AS assigned_licenses,
      ${raw("'id', 'u-' || i, 'displayName', 'User ' || i, 'userPrincipalName', 'user' || i || '@contoso.com', 'accountEnabled', i % 20 <> 0")}
      FROM range(${counts.users}) t(i)`,
  },
  azuread_group: {
    sql: `SELECT ${base}, 'g-' || i AS id, 'Group ' || i AS display_name, i % 2 = 0 AS security_enabled, i % 2 = 1 AS mail_enabled,
      CASE WHEN i % 2 = 1 THEN 'group' || i || '@contoso.com' END AS mail,
      CASE WHEN i % 10 = 0 THEN true WHEN i % 10 = 1 THEN NULL ELSE false END AS is_assignable_to_role,
      CASE WHEN i % 2 = 1 THEN ['Unified'] ELSE [] END AS group_types,
      TIMESTAMPTZ '2016-01-01 00:00:00+00' + to_seconds(i * 61) AS created_date_time,
      ${raw("'id', 'g-' || i, 'displayName', 'Group ' || i")}
      FROM range(${counts.groups}) t(i)`,
  },
  azuread_service_principal: {
    sql: `SELECT ${base}, 'sp-' || i AS id, 'App ' || i AS display_name, 'app-' || i AS app_id, 'Application' AS service_principal_type,
      true AS account_enabled, ${raw("'id', 'sp-' || i, 'displayName', 'App ' || i")}
      FROM range(${counts.servicePrincipals}) t(i)`,
  },
  azuread_oauth2_permission_grant: {
    sql: `SELECT ${base}, 'grant-' || i AS id, 'sp-' || (50 + i % ${counts.servicePrincipals - 50}) AS client_id,
      CASE WHEN i % 4 = 0 THEN 'AllPrincipals' ELSE 'Principal' END AS consent_type,
      CASE WHEN i % 4 = 0 THEN NULL ELSE 'u-' || (i * 7 % ${counts.users}) END AS principal_id,
      'sp-' || (i % 50) AS resource_id, ' User.Read openid profile ' || CASE WHEN i % 3 = 0 THEN 'Mail.Read ' ELSE '' END AS scope,
      ${raw("'id', 'grant-' || i")}
      FROM range(${counts.grants}) t(i)`,
  },
  azuread_domain: {
    sql: `SELECT ${base}, 'domain' || i || '.contoso.com' AS id, i = 0 AS is_default, i = 1 AS is_initial, true AS is_verified,
      'Managed' AS authentication_type, ['Email'] AS supported_services, ${raw("'id', 'domain' || i")}
      FROM range(${counts.domains}) t(i)`,
  },
  azuread_organization: {
    sql: `SELECT ${base}, '${TENANT}' AS id, 'Contoso' AS display_name, 'AAD' AS tenant_type,
      (SELECT json_group_array(json_object('name', 'domain' || i || '.contoso.com', 'type', 'Managed', 'isDefault', i = 0,
        'isInitial', i = 1, 'capabilities', 'Email')) FROM range(${counts.domains}) d(i)) AS verified_domains,
      ${raw("'id', 'org'")}`,
  },
};

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

const root = path.join(os.tmpdir(), `tl-bench-query-${process.pid}`);
try {
  const t0 = performance.now();
  const generation = await writeGeneration({ root, workspaceId: "bench", generationId: 1, tables });
  const objects = generation.tables.reduce((n, t) => n + t.rows, 0);
  console.log(
    `generation: ${objects.toLocaleString("en")} objects in ${generation.tables.length} tables, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  console.log(
    `runs: ${RUNS} per query after ${WARMUP} warm-ups; row cap ${MAX_ROWS}; DuckDB threads ${THREADS}; ${os.cpus().length} CPUs`,
  );
  const spec = specOf(generation);

  // Baseline: plain DuckDB, no sandbox settings, same views, rows read and turned into JSON text.
  const plain = await DuckDBInstance.create(":memory:", { threads: String(THREADS) });
  const pc = await plain.connect();
  for (const t of generation.tables)
    await pc.run(`CREATE VIEW "${t.name}" AS SELECT * FROM read_parquet('${t.file}')`);

  const harness = await SandboxHarness.open(path.join(root, "sandbox"), {
    threads: THREADS,
    memoryLimit: MEMORY,
  });
  const pool = await WorkerPool.start({
    size: 1,
    worker: { threads: THREADS, memoryLimit: MEMORY, maxTempDirectorySize: "4GB", maxInstances: 4 },
    tempRoot: path.join(root, "pool"),
    killGraceMs: 5_000,
    heapMb: 1024,
    fairness: { perWorkspace: 1, perActor: 1 },
    quarantine: { crashes: 3, windowMs: 300_000, cooldownMs: 300_000 },
    logger: createLogger("bench", {}, { level: "silent" }),
  });

  const rows: string[][] = [];
  const figures: Figure[] = [];
  /** Highest VmHWM of the pool's worker processes (they are replaced only after a crash). */
  const workerPeak = () =>
    Math.max(
      0,
      ...pool.pids().map((pid) => {
        try {
          const kb = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
          return Math.round(Number(kb ?? 0) / 1024);
        } catch {
          return 0;
        }
      }),
    );
  for (const ex of exampleQueries) {
    let returned = 0;
    const baseline = await time(async () => {
      const reader = await pc.runAndReadUntil(ex.sql, MAX_ROWS + 1);
      const objs = reader.getRowObjectsJson().slice(0, MAX_ROWS);
      returned = objs.length;
      return JSON.stringify(objs);
    });
    const sandbox = await time(async () => {
      const r = await harness.run(spec, ex.sql, { maxRows: MAX_ROWS });
      if (!r.ok) throw new Error(r.failure.message);
    });
    const service = await time(() =>
      pool.run(
        {
          type: "execute",
          generation: spec,
          sql: ex.sql,
          maxRows: MAX_ROWS,
          format: "json",
          maxResultBytes: 64 * 1024 * 1024,
        },
        60_000,
        { workspaceId: spec.workspaceId, actor: "bench" },
      ),
    );
    rows.push([
      ex.id,
      String(returned),
      `${baseline.p50.toFixed(1)} / ${baseline.p95.toFixed(1)}`,
      `${sandbox.p50.toFixed(1)} / ${sandbox.p95.toFixed(1)}`,
      `${service.p50.toFixed(1)} / ${service.p95.toFixed(1)}`,
      `${(service.p50 / baseline.p50).toFixed(2)}x / ${(service.p95 / baseline.p95).toFixed(2)}x`,
    ]);
    const peakRssMb = { "benchmark (plain DuckDB, sandbox)": ownPeakRssMb(), "query worker": workerPeak() };
    figures.push({
      figure: `${ex.id} (${returned} rows): query worker p95`,
      value: service.p95,
      unit: "ms",
      baseline: baseline.p95,
      target: `< ${returned > 100 ? 100 : 50} ms and ≤ 1.3× plain DuckDB`,
      peakRssMb,
    });
  }
  const header = [
    "query",
    "rows",
    "plain p50/p95 ms",
    "sandbox in-process p50/p95 ms",
    "service (worker) p50/p95 ms",
    "service ÷ plain",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(
    `\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n${rows.map(line).join("\n")}`,
  );

  printFigures(import.meta.url, figures);
  await pool.close();
  await harness.close();
  pc.closeSync();
  plain.closeSync();
} finally {
  await rm(root, { recursive: true, force: true });
}
