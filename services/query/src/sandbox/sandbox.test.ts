import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Generation } from "@tenantlens/contracts";
import { cleanup, tempDir } from "@tenantlens/testkit";
import { writeGeneration } from "../testing/generation-fixture.js";
import { sampleTables } from "../testing/sample-tenant.js";
import { SandboxHarness, specOf } from "../testing/sandbox-harness.js";
import type { GenerationSpec } from "./hardened-instance.js";

describe("sandbox", () => {
  let root: string;
  let alpha: Generation;
  let beta: Generation;
  let A: GenerationSpec;
  let h: SandboxHarness;

  before(async () => {
    root = tempDir("tl-query-sandbox");
    alpha = await writeGeneration({ root, workspaceId: "alpha", generationId: 1, tables: sampleTables() });
    beta = await writeGeneration({
      root,
      workspaceId: "beta",
      generationId: 1,
      tables: {
        azuread_user: [
          { id: "u-beta", display_name: "Beta Secret", tenant_id: "22222222-2222-4222-8222-222222222222" },
        ],
        beta_only: { sql: "SELECT 'beta row' AS note" },
      },
      schemas: { beta_only: [["note", "VARCHAR"]] },
    });
    A = specOf(alpha);
    h = await SandboxHarness.open(root);
  });

  after(async () => {
    await h.close();
    await cleanup();
  });

  it("answers with DuckDB type names and API JSON values (lists, JSON, timestamps, big integers)", async () => {
    const r = await h.run(
      A,
      `SELECT id, proxy_addresses, identities, created_date_time, account_enabled,
              9007199254740993::BIGINT AS big, 42::BIGINT AS small, {'a': 1, 'j': '{"x":[1]}'::JSON} AS st,
              1.25::DECIMAL(10,2) AS dec, DATE '2024-02-29' AS d, NULL AS nothing
         FROM azuread_user WHERE id = 'u-alice'`,
    );
    assert.ok(r.ok, !r.ok ? r.failure.message : "");
    assert.deepEqual(
      r.result.columns.map((c) => c.type),
      [
        "VARCHAR",
        "VARCHAR[]",
        "JSON",
        "TIMESTAMP WITH TIME ZONE",
        "BOOLEAN",
        "BIGINT",
        "BIGINT",
        'STRUCT("a" INTEGER, "j" JSON)',
        "DECIMAL(10,2)",
        "DATE",
        "INTEGER",
      ],
    );
    assert.equal(r.result.body.kind, "json");
    const [row] = JSON.parse(r.result.body.kind === "json" ? r.result.body.text : "[]") as Record<
      string,
      unknown
    >[];
    assert.deepEqual(row, {
      id: "u-alice",
      proxy_addresses: ["SMTP:alice@contoso.com", "smtp:a@contoso.com"],
      identities: [
        {
          signInType: "userPrincipalName",
          issuer: "contoso.onmicrosoft.com",
          issuerAssignedId: "alice@contoso.com",
        },
      ],
      created_date_time: "2020-01-01T09:00:00.000Z".replace(".000", ""),
      account_enabled: true,
      big: "9007199254740993",
      small: 42,
      st: { a: 1, j: { x: [1] } },
      dec: 1.25,
      d: "2024-02-29",
      nothing: null,
    });
  });

  it("caps rows and says so", async () => {
    const capped = await h.run(A, "SELECT * FROM range(25000)", { maxRows: 10_000 });
    assert.ok(capped.ok);
    assert.equal(capped.result.rowCount, 10_000);
    assert.equal(capped.result.truncated, true);
    const exact = await h.run(A, "SELECT * FROM range(2048)", { maxRows: 2048 });
    assert.ok(exact.ok);
    assert.equal(exact.result.rowCount, 2048);
    assert.equal(exact.result.truncated, false);
    const bytes = await h.run(A, "SELECT repeat('x', 1000) AS s FROM range(100)", { maxResultBytes: 10_000 });
    assert.ok(bytes.ok);
    assert.ok(bytes.result.rowCount < 100 && bytes.result.rowCount > 0);
    assert.equal(bytes.result.truncated, true);
  });

  it("runs every read-only statement kind, information_schema included", async () => {
    for (const sql of [
      "DESCRIBE azuread_user",
      "SHOW TABLES",
      "SUMMARIZE azuread_group",
      "EXPLAIN SELECT * FROM azuread_user",
      "EXPLAIN ANALYZE SELECT count(*) FROM azuread_user",
      "VALUES (1, 'a'), (2, 'b')",
      "FROM azuread_user LIMIT 1",
      "WITH g AS (SELECT * FROM azuread_group) SELECT count(*) FROM g",
      "PIVOT azuread_user ON user_type IN ('Member', 'Guest') USING count(*)",
      "/* leading comment */ -- and another\n SELECT 1;",
      "SELECT 1; -- a comment after the semicolon",
      "SELECT 1 -- a trailing line comment",
      "SELECT * FROM range(3) r, unnest([1, 2]) u, generate_series(1, 2) g",
      "SELECT * FROM json_each('{\"a\": 1}')",
      "SELECT row_number() OVER (ORDER BY id), count(*) OVER () FROM azuread_user",
      "SELECT upper(display_name) || '!', list_transform([1, 2], x -> x + 1), random() < 2 FROM azuread_user",
      "SELECT table_name FROM duckdb_tables UNION ALL SELECT column_name FROM duckdb_columns",
    ]) {
      const r = await h.run(A, sql);
      assert.ok(r.ok, `${sql}: ${!r.ok ? r.failure.message : ""}`);
    }
    // The statement runs as written: DuckDB's own SQL rewrite would turn this CROSS JOIN into a comma
    // join that binds after the LEFT JOIN and fails ("Non-inner join on correlated columns").
    const joined = await h.rows(
      A,
      `WITH p(k) AS (VALUES ('a'), ('b')), q(k, v) AS (VALUES ('a', 1))
       SELECT o.x, p.k, q.v FROM (SELECT 1 AS x) o CROSS JOIN p LEFT JOIN q ON q.k = p.k AND o.x = 1 ORDER BY p.k`,
    );
    assert.deepEqual(joined, [
      { x: 1, k: "a", v: 1 },
      { x: 1, k: "b", v: null },
    ]);
    const tables = await h.rows(
      A,
      "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1",
    );
    assert.deepEqual(
      tables.map((t) => t.table_name),
      alpha.tables.map((t) => t.name).sort(),
    );
    const cols = await h.rows(
      A,
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'azuread_organization' AND column_name = 'verified_domains'",
    );
    assert.deepEqual(cols, [{ column_name: "verified_domains", data_type: "JSON" }]);
  });

  it("refuses every hostile query with a clear error and keeps answering", async () => {
    const otherFile = beta.tables.find((t) => t.name === "azuread_user")?.file ?? "";
    const notAvailable = /The function \w+ is not available in Tenantlens queries/;
    const corpus: Array<[string, RegExp, "rejected" | "error"]> = [
      // Files: the table functions that read them are not on the allow-list; a path used as a table
      // is refused by DuckDB's own file-access lock.
      ["SELECT * FROM read_csv('/etc/passwd')", notAvailable, "rejected"],
      ["SELECT * FROM read_csv_auto('/etc/passwd')", notAvailable, "rejected"],
      ["SELECT * FROM read_text('/etc/passwd')", notAvailable, "rejected"],
      ["SELECT * FROM read_blob('/etc/hostname')", notAvailable, "rejected"],
      ["SELECT * FROM read_json('/proc/self/environ')", notAvailable, "rejected"],
      ["SELECT * FROM sniff_csv('/etc/passwd')", notAvailable, "rejected"],
      ["SELECT * FROM glob('/etc/*')", notAvailable, "rejected"],
      [`SELECT * FROM read_parquet('${otherFile}', filename=true)`, notAvailable, "rejected"],
      [`SELECT * FROM '${otherFile}'`, /Permission Error.*off limits/s, "rejected"],
      ["SELECT * FROM '/etc/passwd.csv'", /Permission Error/, "rejected"],
      [`SELECT * FROM parquet_metadata('${otherFile}')`, notAvailable, "rejected"],
      [`SELECT * FROM glob('${path.dirname(otherFile)}/*')`, notAvailable, "rejected"],
      // Calls that change DuckDB's state (enable_logging used to abort the worker on the next query).
      ["SELECT * FROM enable_logging(storage='file', storage_config={'path':'x'})", notAvailable, "rejected"],
      ["SELECT * FROM enable_profiling()", notAvailable, "rejected"],
      ["SELECT * FROM disable_logging()", notAvailable, "rejected"],
      ["SELECT * FROM truncate_duckdb_logs()", notAvailable, "rejected"],
      ["SELECT * FROM checkpoint()", notAvailable, "rejected"],
      ["SELECT * FROM force_checkpoint()", notAvailable, "rejected"],
      ["SELECT * FROM query('SELECT 42')", notAvailable, "rejected"],
      ["SELECT * FROM query_table('azuread_user')", notAvailable, "rejected"],
      ["SELECT * FROM json_execute_serialized_sql('{}')", notAvailable, "rejected"],
      ["SELECT sleep_ms(100000)", notAvailable, "rejected"],
      ["SELECT nextval('s')", notAvailable, "rejected"],
      ["SELECT write_log('x')", notAvailable, "rejected"],
      // Settings, secrets, logs and catalog text that would show server paths.
      ["SELECT * FROM duckdb_settings()", notAvailable, "rejected"],
      ["SELECT current_setting('temp_directory')", notAvailable, "rejected"],
      ["SELECT CURRENT_SETTING('TEMP_DIRECTORY')", notAvailable, "rejected"],
      ["SELECT getvariable('x')", notAvailable, "rejected"],
      ["SELECT * FROM duckdb_views()", notAvailable, "rejected"],
      ["SELECT * FROM duckdb_secrets()", notAvailable, "rejected"],
      ["SELECT * FROM which_secret('s3://x', 's3')", notAvailable, "rejected"],
      ["SELECT * FROM duckdb_logs()", notAvailable, "rejected"],
      ["SELECT * FROM duckdb_temporary_files()", notAvailable, "rejected"],
      ["SELECT * FROM duckdb_extensions()", notAvailable, "rejected"],
      ["SELECT pg_get_viewdef(1)", notAvailable, "rejected"],
      [
        "SELECT view_definition FROM information_schema.views",
        /information_schema\.views is not available/,
        "rejected",
      ],
      ["SELECT * FROM pg_catalog.pg_settings", /pg_catalog\.pg_settings is not available/, "rejected"],
      ["SELECT sql FROM duckdb_views", /duckdb_views is not available/, "rejected"],
      ["SELECT * FROM sqlite_master", /sqlite_master is not available/, "rejected"],
      ["SELECT * FROM pragma_database_list", /not available/, "rejected"],
      ["DESCRIBE SELECT * FROM duckdb_settings()", notAvailable, "rejected"],
      ["SELECT (SELECT current_setting('temp_directory'))", notAvailable, "rejected"],
      ["WITH s AS (SELECT * FROM duckdb_settings()) SELECT * FROM s", notAvailable, "rejected"],
      ["SELECT * FROM range(1) WHERE EXISTS (FROM duckdb_views())", notAvailable, "rejected"],
      [
        "COPY azuread_user TO '/tmp/tl-stolen.csv'",
        /Only a single read-only statement.*COPY statements are not allowed/,
        "rejected",
      ],
      ["COPY (SELECT 1) TO '/tmp/tl-stolen.parquet' (FORMAT parquet)", /read-only.*COPY/, "rejected"],
      ["EXPORT DATABASE '/tmp/tl-export'", /read-only.*EXPORT/, "rejected"],
      ["ATTACH '/tmp/tl-other.duckdb' AS other", /read-only.*ATTACH/, "rejected"],
      ["DETACH memory", /read-only.*DETACH/, "rejected"],
      ["INSTALL httpfs", /read-only.*INSTALL/, "rejected"],
      ["LOAD httpfs", /read-only.*LOAD/, "rejected"],
      ["FORCE INSTALL httpfs FROM community", /read-only/, "rejected"],
      ["SET enable_external_access = true", /read-only.*SET/, "rejected"],
      ["SET threads = 64", /read-only.*SET/, "rejected"],
      ["RESET memory_limit", /read-only.*RESET/, "rejected"],
      ["PRAGMA threads = 64", /read-only.*PRAGMA/, "rejected"],
      ["PRAGMA show_tables", /read-only.*PRAGMA/, "rejected"],
      ["SET VARIABLE x = 1", /read-only/, "rejected"],
      ["CALL pragma_version()", /read-only.*CALL/, "rejected"],
      ["CREATE TABLE stolen AS SELECT * FROM azuread_user", /read-only.*CREATE/, "rejected"],
      ["CREATE MACRO m() AS 1", /read-only.*CREATE/, "rejected"],
      ["DROP VIEW azuread_user", /read-only.*DROP/, "rejected"],
      ["INSERT INTO azuread_user (id) VALUES ('x')", /read-only.*INSERT/, "rejected"],
      ["UPDATE azuread_user SET display_name = 'x'", /read-only.*UPDATE/, "rejected"],
      ["DELETE FROM azuread_user", /read-only.*DELETE/, "rejected"],
      ["USE memory", /read-only.*USE/, "rejected"],
      ["BEGIN TRANSACTION", /read-only.*BEGIN/, "rejected"],
      ["CHECKPOINT", /read-only.*CHECKPOINT/, "rejected"],
      ["VACUUM", /read-only.*VACUUM/, "rejected"],
      ["EXPLAIN ANALYZE COPY azuread_user TO '/tmp/x.csv'", /read-only.*COPY/, "rejected"],
      [
        "SELECT 1; SELECT 2",
        /single read-only statement is allowed; the query holds 2 statements/,
        "rejected",
      ],
      ["SELECT 1; DROP VIEW azuread_user", /2 statements/, "rejected"],
      ["SELECT * FROM query('COPY azuread_user TO ''/tmp/x.csv''')", notAvailable, "rejected"],
      ["SELECT $1", /parameters/, "rejected"],
      ["   ", /empty/, "rejected"],
      ["SELEC oops", /Parser Error/, "rejected"],
      ["SELECT * FROM beta_only", /does not exist.*GET \/api\/tables/s, "error"],
      // error() changes nothing: it fails the query with the caller's own message.
      ["SELECT error('rule broke on purpose')", /rule broke on purpose/, "error"],
    ];
    for (const [sql, pattern, kind] of corpus) {
      const f = await h.failure(A, sql);
      assert.match(f.message, pattern, sql);
      assert.equal(f.code, "query_error", sql);
      assert.equal(f.kind, kind, `${sql}: ${f.message}`);
    }
    // Nothing was written or changed: the sandbox still answers with its own data, files stay locked.
    assert.deepEqual(await h.rows(A, "SELECT count(*) AS n FROM azuread_user"), [{ n: 6 }]);
    assert.match((await h.failure(A, `SELECT * FROM '${otherFile}'`)).message, /Permission Error/);
  });

  it("never shows another workspace's rows, by table name or by path", async () => {
    const rows = await h.rows(A, "SELECT id, display_name FROM azuread_user ORDER BY id");
    assert.ok(rows.every((r) => r.id !== "u-beta" && r.display_name !== "Beta Secret"));
    const B = specOf(beta);
    assert.deepEqual(await h.rows(B, "SELECT id FROM azuread_user"), [{ id: "u-beta" }]);
    for (const t of alpha.tables) {
      assert.match((await h.failure(B, `SELECT * FROM read_parquet('${t.file}')`)).message, /not available/);
      assert.match((await h.failure(B, `SELECT * FROM '${t.file}'`)).message, /Permission Error/);
    }
    const f = await h.failure(B, "SELECT * FROM azuread_group");
    assert.match(f.message, /azuread_group does not exist/);
  });

  it("explains an unknown table when nothing has been collected yet", async () => {
    const f = await h.failure(
      { workspaceId: "fresh", generationId: 0, tables: [] },
      "SELECT * FROM azuread_user",
    );
    assert.match(f.message, /No data has been collected for this workspace yet/);
    assert.deepEqual(await h.rows({ workspaceId: "fresh", generationId: 0, tables: [] }, "SELECT 1 AS one"), [
      { one: 1 },
    ]);
  });

  it("encodes CSV, NDJSON and Parquet downloads", async () => {
    const sql = `SELECT id, display_name, proxy_addresses, account_enabled FROM azuread_user WHERE id IN ('u-alice', 'u-bob') ORDER BY id`;
    const csv = await h.run(A, sql, { format: "csv" });
    assert.ok(csv.ok && csv.result.body.kind === "bytes");
    assert.equal(
      Buffer.from(csv.result.body.bytes).toString("utf8"),
      'id,display_name,proxy_addresses,account_enabled\r\nu-alice,Alice Admin,"[""SMTP:alice@contoso.com"",""smtp:a@contoso.com""]",true\r\nu-bob,Bob Former,"[""SMTP:bob@contoso.com""]",false\r\n',
    );
    const nd = await h.run(A, sql, { format: "ndjson" });
    assert.ok(nd.ok && nd.result.body.kind === "bytes");
    const lines = Buffer.from(nd.result.body.bytes).toString("utf8").trim().split("\n");
    assert.deepEqual(JSON.parse(lines[1] ?? ""), {
      id: "u-bob",
      display_name: "Bob Former",
      proxy_addresses: ["SMTP:bob@contoso.com"],
      account_enabled: false,
    });
    const pq = await h.run(A, "SELECT id, proxy_addresses, identities, created_date_time FROM azuread_user", {
      format: "parquet",
      maxRows: 4,
    });
    assert.ok(pq.ok && pq.result.body.kind === "bytes");
    assert.equal(pq.result.rowCount, 4);
    assert.equal(pq.result.truncated, true);
    const file = path.join(root, "check.parquet");
    await writeFile(file, pq.result.body.bytes);
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM '${file}'`))
      .getRowsJson()
      .map((r) => [r[0], r[1]]);
    assert.deepEqual(described, [
      ["id", "VARCHAR"],
      ["proxy_addresses", "VARCHAR[]"],
      ["identities", "JSON"],
      ["created_date_time", "TIMESTAMP WITH TIME ZONE"],
    ]);
    assert.deepEqual((await conn.runAndReadAll(`SELECT count(*) FROM '${file}'`)).getRowsJson(), [["4"]]);
    conn.closeSync();
    db.closeSync();
  });

  it("stops a runaway cross join when interrupted", async () => {
    const pending = h.run(A, "SELECT count(*) FROM range(1000000000) a, range(1000000000) b");
    // Interrupt as soon as the query's connection exists (what the worker does on a timeout).
    for (let i = 0; i < 200 && h.connections.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    for (const c of h.connections) c.interrupt();
    const r = await pending;
    assert.ok(!r.ok);
    assert.equal(r.failure.code, "query_timeout");
    assert.equal(r.failure.kind, "timeout");
    assert.deepEqual(await h.rows(A, "SELECT 1 AS ok"), [{ ok: 1 }]);
  });

  it("enforces the memory limit and stays usable", async () => {
    const small = await SandboxHarness.open(path.join(root, "small"), { memoryLimit: "64MB" });
    try {
      const f = await small.failure(A, "SELECT list(range) AS l FROM range(50000000)");
      assert.match(f.message, /Out of Memory Error.*memory limit of 64MB/s);
      assert.deepEqual(await small.rows(A, "SELECT count(*) AS n FROM azuread_group"), [{ n: 3 }]);
    } finally {
      await small.close();
    }
  });

  it("installs the generation's point-in-time macros when the store wrote them", async () => {
    const g = await writeGeneration({ root, workspaceId: "asof", generationId: 1, tables: sampleTables() });
    await writeFile(
      path.join(path.dirname(g.manifestPath), "as_of.sql"),
      "CREATE OR REPLACE MACRO azuread_user_as_of(ts) AS TABLE SELECT * FROM azuread_user WHERE created_date_time <= CAST(ts AS TIMESTAMPTZ);\n",
    );
    // Created when a statement names one, not with the instance (they cost as much as the views).
    const macros = async () => {
      const lease = await h.cache.acquire(specOf(g));
      const conn = await lease.instance.instance.connect();
      try {
        const r = await conn.runAndReadAll(
          "SELECT count(*)::INTEGER FROM duckdb_functions() WHERE function_name = 'azuread_user_as_of'",
        );
        return r.getRows()[0]?.[0];
      } finally {
        conn.closeSync();
        lease.release();
      }
    };
    assert.equal(await macros(), 0);
    assert.deepEqual(await h.rows(specOf(g), "SELECT count(*) AS n FROM azuread_user_as_of('2020-06-01')"), [
      { n: 3 },
    ]);
    assert.equal(await macros(), 1);
  });
});
