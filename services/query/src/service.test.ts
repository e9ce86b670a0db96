import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bus, connectBus } from "@tenantlens/bus";
import {
  AppError,
  type EventPayload,
  type Generation,
  GenerationCommitted,
  GenerationGet,
  QueryExamplesList,
  QueryExecute,
  QueryExecuted,
  QueryHistoryList,
  SavedQueryCreate,
  SavedQueryDelete,
  SavedQueryGet,
  SavedQueryList,
  SavedQueryUpdate,
  TablesList,
} from "@tenantlens/contracts";
import { createLogger } from "@tenantlens/telemetry";
import {
  cleanup,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  tempDir,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";
import { writeGeneration } from "./testing/generation-fixture.js";
import { sampleTables, sampleUsers } from "./testing/sample-tenant.js";

const RUNAWAY = "SELECT count(*) FROM range(1000000000) a, range(1000000000) b";

/**
 * The query service as its own process over a real nats-server. The test plays the store: it writes
 * Parquet generations, answers store.generation.get and publishes store.generation.committed.
 */
describe("query service (process)", () => {
  let nats: NatsServer;
  let bus: Bus;
  let svc: ServiceProcess;
  let root: string;
  const current = new Map<string, Generation>();
  /** Every generation written, as the store would answer for a pinned number. */
  const written = new Map<string, Generation>();
  const remember = (g: Generation) => {
    written.set(`${g.workspaceId}#${g.generationId}`, g);
    return g;
  };
  const executed: Array<EventPayload<typeof QueryExecuted>> = [];

  const query = (
    workspaceId: string,
    sql: string,
    extra: Partial<{
      maxRows: number;
      timeoutMs: number;
      format: "json" | "csv" | "ndjson" | "parquet";
      actor: string;
    }> = {},
  ) =>
    bus.request(
      QueryExecute,
      { workspaceId, sql, actor: "key_test", format: "json", ...extra },
      { timeoutMs: 30_000 },
    );

  async function refusal(p: Promise<unknown>): Promise<AppError> {
    try {
      await p;
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
    throw new Error("expected an error reply");
  }

  before(async () => {
    nats = await startNats();
    root = tempDir("tl-query-svc");
    bus = await connectBus({
      ...nats.client(),
      service: "gateway",
      logger: createLogger("query-test", {}, { level: "silent" }),
    });
    await bus.ensureStreams();
    bus.serve(GenerationGet, async ({ workspaceId, generationId }) => ({
      generation:
        generationId === undefined
          ? (current.get(workspaceId) ?? null)
          : (written.get(`${workspaceId}#${generationId}`) ?? null),
    }));
    bus.subscribe(QueryExecuted, async (e) => {
      executed.push(e);
    });
    current.set(
      "alpha",
      remember(
        await writeGeneration({ root, workspaceId: "alpha", generationId: 1, tables: sampleTables() }),
      ),
    );
    current.set(
      "beta",
      remember(
        await writeGeneration({
          root,
          workspaceId: "beta",
          generationId: 7,
          tables: {
            azuread_user: [{ id: "u-beta", display_name: "Beta Secret" }],
            beta_only: { sql: "SELECT 'beta row' AS note" },
          },
          schemas: { beta_only: [["note", "VARCHAR"]] },
        }),
      ),
    );
    svc = await startService("query", {
      NATS_URL: nats.url,
      TENANTLENS_DATA_DIR: tempDir("tl-query-data"),
      QUERY_WORKERS: "2",
      QUERY_THREADS: "1",
      QUERY_MEMORY_LIMIT: "256MB",
      QUERY_TIMEOUT_MS: "10s",
      QUERY_KILL_GRACE_MS: "2s",
      QUERY_READER_ID: "reader-test",
      QUERY_INLINE_MAX_BYTES: "50000",
    });
  });

  after(async () => {
    await svc?.stop();
    await bus?.drain();
    await nats?.stop();
    await cleanup();
  });

  it("answers SQL over the workspace's current generation", () =>
    withServiceLogs(async () => {
      const r = await query(
        "alpha",
        "SELECT user_type, count(*) AS n FROM azuread_user GROUP BY ALL ORDER BY 1",
      );
      assert.deepEqual(r.columns, [
        { name: "user_type", type: "VARCHAR" },
        { name: "n", type: "BIGINT" },
      ]);
      assert.deepEqual(r.rows, [
        { user_type: "Guest", n: 2 },
        { user_type: "Member", n: 4 },
      ]);
      assert.equal(r.rowCount, 2);
      assert.equal(r.truncated, false);
      assert.equal(r.generationId, 1);
      assert.match(r.queryId, /^q_/);
      const capped = await query("alpha", "SELECT * FROM range(50)", { maxRows: 10 });
      assert.equal(capped.rows?.length, 10);
      assert.equal(capped.truncated, true);
    }));

  it("works before anything was collected, with a clear message for unknown tables", () =>
    withServiceLogs(async () => {
      const ok = await query("fresh", "SELECT 1 AS one");
      assert.deepEqual(ok.rows, [{ one: 1 }]);
      assert.equal(ok.generationId, 0);
      const e = await refusal(query("fresh", "SELECT * FROM azuread_user"));
      assert.equal(e.code, "query_error");
      assert.match(e.message, /No data has been collected for this workspace yet/);
    }));

  it("keeps one workspace's rows away from another, by table and by path", () =>
    withServiceLogs(async () => {
      const alphaRows = await query("alpha", "SELECT display_name FROM azuread_user");
      assert.ok(alphaRows.rows?.every((r) => r.display_name !== "Beta Secret"));
      const betaRows = await query("beta", "SELECT display_name FROM azuread_user");
      assert.deepEqual(betaRows.rows, [{ display_name: "Beta Secret" }]);
      assert.match(
        (await refusal(query("alpha", "SELECT * FROM beta_only"))).message,
        /beta_only does not exist/,
      );
      for (const t of current.get("beta")?.tables ?? []) {
        const e = await refusal(query("alpha", `SELECT * FROM read_parquet('${t.file}')`));
        assert.match(e.message, /read_parquet is not available/);
      }
      for (const t of current.get("alpha")?.tables ?? []) {
        const e = await refusal(query("beta", `SELECT * FROM '${t.file}'`));
        assert.match(e.message, /Permission Error/);
      }
    }));

  it("refuses hostile queries and times out a runaway one while answering others", () =>
    withServiceLogs(async () => {
      const runaway = refusal(query("alpha", RUNAWAY, { timeoutMs: 1_500 }));
      const meanwhile = await query("alpha", "SELECT count(*) AS n FROM azuread_group");
      assert.deepEqual(meanwhile.rows, [{ n: 3 }]);
      for (const [sql, pattern] of [
        ["SELECT * FROM read_csv('/etc/passwd')", /read_csv is not available/],
        ["SELECT * FROM enable_logging(storage='file', storage_config={'path':'x'})", /not available/],
        ["SELECT current_setting('temp_directory')", /not available/],
        ["SELECT * FROM duckdb_settings()", /not available/],
        ["SELECT sql FROM duckdb_views()", /not available/],
        ["COPY azuread_user TO '/tmp/tl-x.csv'", /read-only.*COPY/],
        ["ATTACH '/tmp/tl-x.duckdb'", /read-only.*ATTACH/],
        ["INSTALL httpfs", /read-only.*INSTALL/],
        ["SET memory_limit = '100GB'", /read-only.*SET/],
        ["SELECT 1; SELECT 2", /2 statements/],
      ] as const) {
        const e = await refusal(query("alpha", sql));
        assert.equal(e.code, "query_error", sql);
        assert.match(e.message, pattern, sql);
      }
      const t = await runaway;
      assert.equal(t.code, "query_timeout");
      assert.deepEqual((await query("alpha", "SELECT 1 AS still")).rows, [{ still: 1 }]);
    }));

  it("keeps answering every workspace while one floods it with long queries", () =>
    withServiceLogs(async () => {
      const flood = ["key_1", "key_2", "key_3"].map((actor) =>
        refusal(query("alpha", RUNAWAY, { timeoutMs: 3_000, actor })),
      );
      const started = Date.now();
      const beta = await query("beta", "SELECT display_name FROM azuread_user", { timeoutMs: 2_000 });
      assert.deepEqual(beta.rows, [{ display_name: "Beta Secret" }]);
      assert.ok(Date.now() - started < 2_000, `beta waited ${Date.now() - started} ms`);
      const outcomes = await Promise.all(flood);
      assert.ok(outcomes.every((e) => e.code === "query_timeout"));
      // Only one of alpha's queries ran (its workspace limit); the others waited their turn and gave up.
      assert.equal(
        outcomes.filter((e) => /waited 3000 ms for a free query worker/.test(e.message)).length,
        2,
      );
    }));

  it("holds the byte cap for every row, the first included, and keeps answering", () =>
    withServiceLogs(async () => {
      // One value of 80 MB (over the 64 MiB cap): measured inside DuckDB, never converted, never stored.
      for (const format of ["json", "csv", "parquet"] as const) {
        const huge = await query("alpha", "SELECT repeat('x', 80000000) AS big", { format });
        assert.equal(huge.truncated, true, format);
        assert.equal(huge.rowCount, 0, format);
      }
      const some = await query("alpha", "SELECT i, repeat('y', 1000000) AS pad FROM range(200) t(i)");
      assert.equal(some.truncated, true);
      assert.ok(some.rowCount > 0 && some.rowCount < 200, String(some.rowCount));
      assert.deepEqual((await query("beta", "SELECT 1 AS still")).rows, [{ still: 1 }]);
      assert.deepEqual((await query("alpha", "SELECT 1 AS still")).rows, [{ still: 1 }]);
    }));

  it("serves downloads and large answers through the object store", () =>
    withServiceLogs(async () => {
      const csv = await query("alpha", "SELECT id, proxy_addresses FROM azuread_user WHERE id = 'u-bob'", {
        format: "csv",
      });
      assert.equal(csv.rows, undefined);
      assert.equal(csv.resultRef?.contentType, "text/csv; charset=utf-8");
      const csvBytes = await bus.getBlob(csv.resultRef?.bucket ?? "", csv.resultRef?.key ?? "");
      assert.equal(
        Buffer.from(csvBytes ?? []).toString(),
        'id,proxy_addresses\r\nu-bob,"[""SMTP:bob@contoso.com""]"\r\n',
      );
      const pq = await query("alpha", "SELECT * FROM azuread_user", { format: "parquet" });
      const pqBytes = await bus.getBlob(pq.resultRef?.bucket ?? "", pq.resultRef?.key ?? "");
      assert.equal(
        Buffer.from(pqBytes ?? [])
          .subarray(0, 4)
          .toString(),
        "PAR1",
      );
      assert.equal(pq.rowCount, sampleUsers.length);
      const big = await query("alpha", "SELECT range AS i, repeat('x', 100) AS pad FROM range(2000)");
      assert.equal(big.rows, undefined);
      assert.equal(big.resultRef?.contentType, "application/json");
      const bigRows = JSON.parse(
        Buffer.from(
          (await bus.getBlob(big.resultRef?.bucket ?? "", big.resultRef?.key ?? "")) ?? [],
        ).toString(),
      ) as unknown[];
      assert.equal(bigRows.length, 2000);
      assert.equal(big.rowCount, 2000);
    }));

  it("moves to a new generation atomically and leases the one it reads", () =>
    withServiceLogs(async () => {
      const leases = await bus.kv("tl_generation_leases", { ttlSeconds: 60 });
      await query("alpha", "SELECT 1");
      await waitFor(async () => (await leases.get("alpha.reader-test"))?.string() === "1", {
        what: "lease on generation 1",
      });
      const next = await writeGeneration({
        root,
        workspaceId: "alpha",
        generationId: 2,
        tables: {
          ...sampleTables(),
          azuread_user: [...sampleUsers, { id: "u-new", display_name: "New Hire", user_type: "Member" }],
        },
      });
      current.set("alpha", remember(next));
      await bus.publish(GenerationCommitted, next);
      const r = await waitFor(
        async () => {
          const a = await query("alpha", "SELECT count(*) AS n FROM azuread_user");
          return a.generationId === 2 ? a : undefined;
        },
        { what: "queries on generation 2" },
      );
      assert.deepEqual(r.rows, [{ n: sampleUsers.length + 1 }]);
      await waitFor(async () => (await leases.get("alpha.reader-test"))?.string() === "2", {
        what: "lease on generation 2",
      });
    }));

  it("reads a pinned generation, not_found once it is gone, and keeps system queries out of history", () =>
    withServiceLogs(async () => {
      // alpha is on generation 2 now (previous test); a rule pins the generation it judges.
      const old = await bus.request(
        QueryExecute,
        {
          workspaceId: "alpha",
          sql: "SELECT count(*) AS n FROM azuread_user",
          actor: "rules",
          format: "json",
          generationId: 1,
          history: false,
        },
        { timeoutMs: 30_000 },
      );
      assert.equal(old.generationId, 1);
      assert.deepEqual(old.rows, [{ n: sampleUsers.length }]);
      const now = await query("alpha", "SELECT count(*) AS n FROM azuread_user");
      assert.equal(now.generationId, 2, "the current generation is unchanged by a pinned read");

      const pinned = (workspaceId: string, generationId: number) =>
        refusal(
          bus.request(QueryExecute, {
            workspaceId,
            sql: "SELECT 1",
            actor: "rules",
            format: "json",
            generationId,
            history: false,
          }),
        );
      assert.equal((await pinned("alpha", 99)).code, "not_found");
      // Known to the store a moment ago, then collected: its files are gone.
      const doomed = remember(
        await writeGeneration({ root, workspaceId: "doomed", generationId: 3, tables: sampleTables() }),
      );
      await rm(path.dirname(doomed.manifestPath), { recursive: true, force: true });
      const e = await pinned("doomed", 3);
      assert.equal(e.code, "not_found");
      assert.match(e.message, /Generation 3 of workspace doomed/);

      // history:false leaves no trace; the normal query after it proves the events had their chance.
      await bus.request(QueryExecute, {
        workspaceId: "alpha",
        sql: "SELECT 'quiet' AS q",
        actor: "rules",
        format: "json",
        history: false,
      });
      await query("alpha", "SELECT 'loud' AS q");
      await waitFor(() => executed.some((x) => x.sql === "SELECT 'loud' AS q"), { what: "loud query" });
      assert.ok(!executed.some((x) => x.sql === "SELECT 'quiet' AS q"));
      assert.ok(!executed.some((x) => x.actor === "rules"));
    }));

  it("lists tables with types and descriptions", () =>
    withServiceLogs(async () => {
      const { tables } = await bus.request(TablesList, { workspaceId: "alpha" });
      const user = tables.find((t) => t.name === "azuread_user");
      assert.match(user?.description ?? "", /Users/);
      assert.deepEqual(
        user?.columns.find((c) => c.name === "account_enabled"),
        {
          name: "account_enabled",
          type: "BOOLEAN",
          description: "Whether the account can sign in",
        },
      );
      assert.equal(user?.columns.find((c) => c.name === "proxy_addresses")?.type, "VARCHAR[]");
      assert.match(
        tables.find((t) => t.name === "azuread_user_changes")?.description ?? "",
        /Change history/,
      );
      assert.match(
        tables.find((t) => t.name === "query_history")?.columns.find((c) => c.name === "outcome")
          ?.description ?? "",
        /rejected/,
      );
      assert.deepEqual((await bus.request(TablesList, { workspaceId: "fresh" })).tables, []);
    }));

  it("publishes every query to history and answers history from the generation", () =>
    withServiceLogs(async () => {
      await query("beta", "SELECT 'history probe' AS x");
      await refusal(query("beta", "DROP VIEW azuread_user"));
      await refusal(query("beta", "SELECT no_such_column FROM azuread_user"));
      const mine = await waitFor(
        () => {
          const e = executed.filter((x) => x.workspaceId === "beta" && x.actor === "key_test");
          return e.length >= 3 ? e : undefined;
        },
        { what: "QueryExecuted events" },
      );
      const byOutcome = new Map(mine.map((e) => [e.sql, e]));
      assert.equal(byOutcome.get("SELECT 'history probe' AS x")?.outcome, "ok");
      assert.equal(byOutcome.get("SELECT 'history probe' AS x")?.rowCount, 1);
      assert.equal(byOutcome.get("SELECT 'history probe' AS x")?.generationId, 7);
      assert.equal(byOutcome.get("DROP VIEW azuread_user")?.outcome, "rejected");
      assert.equal(byOutcome.get("SELECT no_such_column FROM azuread_user")?.outcome, "error");
      assert.match(byOutcome.get("SELECT no_such_column FROM azuread_user")?.error ?? "", /no_such_column/);
      assert.ok(executed.some((e) => e.outcome === "timeout" && e.workspaceId === "alpha"));

      const h = await bus.request(QueryHistoryList, { workspaceId: "alpha", limit: 10 });
      assert.deepEqual(
        h.entries.map((e) => e.queryId),
        ["q_3", "q_2", "q_1"],
      );
      const alice = await bus.request(QueryHistoryList, {
        workspaceId: "alpha",
        limit: 10,
        actor: "key_alice",
        outcome: "ok",
      });
      assert.deepEqual(
        alice.entries.map((e) => [e.queryId, e.rowCount]),
        [
          ["q_3", 6],
          ["q_1", 1],
        ],
      );
      assert.deepEqual(await bus.request(QueryHistoryList, { workspaceId: "beta", limit: 5 }), {
        entries: [],
        generationId: 7,
      });
    }));

  it("saves queries per workspace with unique names", () =>
    withServiceLogs(async () => {
      const { savedQuery } = await bus.request(SavedQueryCreate, {
        workspaceId: "alpha",
        actor: "key_test",
        name: "Disabled users",
        description: "",
        sql: "SELECT * FROM azuread_user WHERE NOT account_enabled",
      });
      assert.match(savedQuery.id, /^sq_/);
      const dup = await refusal(
        bus.request(SavedQueryCreate, {
          workspaceId: "alpha",
          actor: "k",
          name: "  disabled   USERS ",
          description: "",
          sql: "SELECT 1",
        }),
      );
      assert.equal(dup.code, "conflict");
      // Same name in another workspace is fine; that workspace cannot see alpha's query.
      await bus.request(SavedQueryCreate, {
        workspaceId: "beta",
        actor: "k",
        name: "Disabled users",
        description: "",
        sql: "SELECT 1",
      });
      assert.equal(
        (await refusal(bus.request(SavedQueryGet, { workspaceId: "beta", id: savedQuery.id }))).code,
        "not_found",
      );
      const bad = await refusal(
        bus.request(SavedQueryCreate, {
          workspaceId: "alpha",
          actor: "k",
          name: "Evil",
          description: "",
          sql: "COPY azuread_user TO '/tmp/x'",
        }),
      );
      assert.equal(bad.code, "query_error");
      const other = await bus.request(SavedQueryCreate, {
        workspaceId: "alpha",
        actor: "k",
        name: "Guests",
        description: "d",
        sql: "SELECT 2",
      });
      assert.equal(
        (
          await refusal(
            bus.request(SavedQueryUpdate, {
              workspaceId: "alpha",
              id: other.savedQuery.id,
              name: "DISABLED users",
            }),
          )
        ).code,
        "conflict",
      );
      const renamed = await bus.request(SavedQueryUpdate, {
        workspaceId: "alpha",
        id: savedQuery.id,
        name: "Disabled accounts",
        sql: "SELECT 3",
      });
      assert.equal(renamed.savedQuery.name, "Disabled accounts");
      assert.equal(renamed.savedQuery.sql, "SELECT 3");
      // The old name is free again.
      await bus.request(SavedQueryUpdate, {
        workspaceId: "alpha",
        id: other.savedQuery.id,
        name: "Disabled users",
      });
      const list = await bus.request(SavedQueryList, { workspaceId: "alpha" });
      assert.deepEqual(
        list.savedQueries.map((q) => q.name),
        ["Disabled accounts", "Disabled users"],
      );
      await bus.request(SavedQueryDelete, { workspaceId: "alpha", id: savedQuery.id });
      assert.equal(
        (await refusal(bus.request(SavedQueryGet, { workspaceId: "alpha", id: savedQuery.id }))).code,
        "not_found",
      );
      assert.equal((await bus.request(SavedQueryList, { workspaceId: "alpha" })).savedQueries.length, 1);
    }));

  it("lists the shipped examples", () =>
    withServiceLogs(async () => {
      const { examples } = await bus.request(QueryExamplesList, {});
      assert.equal(examples.length, 5);
      for (const ex of examples) {
        const r = await query("alpha", ex.sql);
        assert.ok(r.rowCount > 0, ex.id);
      }
    }));

  it("drains and exits cleanly on SIGTERM", () =>
    withServiceLogs(async () => {
      assert.equal(await svc.stop(), 0);
      await waitFor(
        async () =>
          (await (await bus.kv("tl_generation_leases")).get("alpha.reader-test"))?.operation !== "PUT",
        {
          what: "lease released",
        },
      );
    }));
});
