import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_WORKSPACE, type Generation, GenerationGet } from "@tenantlens/contracts";
import { writeGeneration } from "@tenantlens/query/testing";
import { cleanup, type ServiceProcess, startService, tempDir, withServiceLogs } from "@tenantlens/testkit";
import { Hono } from "hono";
import { type Harness, readError, readOk, startHarness } from "../testing/harness.js";
import {
  createSavedQuery,
  deleteSavedQuery,
  formatFromAccept,
  listExamples,
  listSavedQueries,
  listTables,
  queryHistory,
  runQuery,
  updateSavedQuery,
} from "./query.js";

/** The format a request with this Accept header gets (or the error message). */
async function formatFor(accept: string | undefined): Promise<string> {
  const app = new Hono();
  app.get("/", (c) => {
    try {
      return c.text(formatFromAccept(c));
    } catch (err) {
      return c.text(`error: ${(err as Error).message}`);
    }
  });
  const res = await app.request("/", { headers: accept === undefined ? {} : { accept } });
  return res.text();
}

describe("formatFromAccept", () => {
  it("picks the best supported type", async () => {
    assert.equal(await formatFor(undefined), "json");
    assert.equal(await formatFor("*/*"), "json");
    assert.equal(await formatFor("text/csv"), "csv");
    assert.equal(await formatFor("application/x-ndjson"), "ndjson");
    assert.equal(await formatFor("application/vnd.apache.parquet"), "parquet");
    assert.equal(await formatFor("text/html,application/xhtml+xml,*/*;q=0.8"), "json");
    assert.equal(await formatFor("application/json;q=0.5, text/csv"), "csv");
    assert.equal(await formatFor("text/*"), "csv");
    assert.match(await formatFor("text/html"), /^error: cannot answer in text\/html/);
    assert.match(await formatFor("text/csv;q=0"), /^error: cannot answer/);
  });
});

/** The query routes over the real query service process; the test plays the store (generations). */
describe("query routes", () => {
  let h: Harness;
  let svc: ServiceProcess;
  const generations = new Map<string, Generation>();

  before(async () => {
    h = await startHarness({ standIns: false });
    const root = tempDir("tl-gw-query");
    generations.set(
      DEFAULT_WORKSPACE,
      await writeGeneration({
        root,
        workspaceId: DEFAULT_WORKSPACE,
        generationId: 3,
        tables: {
          azuread_user: [
            {
              id: "u1",
              display_name: "Ada",
              user_type: "Member",
              account_enabled: true,
              proxy_addresses: ["SMTP:ada@x.test"],
            },
            {
              id: "u2",
              display_name: "Grace",
              user_type: "Guest",
              account_enabled: false,
              proxy_addresses: [],
            },
          ],
        },
      }),
    );
    h.bus.serve(GenerationGet, async ({ workspaceId }) => ({
      generation: generations.get(workspaceId) ?? null,
    }));
    svc = await startService("query", {
      NATS_URL: h.nats.url,
      TENANTLENS_DATA_DIR: tempDir("tl-gw-query-data"),
      QUERY_WORKERS: "1",
      QUERY_THREADS: "1",
      QUERY_INLINE_MAX_BYTES: "20000",
      QUERY_KILL_GRACE_MS: "2s",
    });
  });

  after(async () => {
    await svc?.stop();
    await h?.stop();
    await cleanup();
  });

  const post = (body: unknown, headers: Record<string, string> = {}, key?: string) =>
    h.call("POST", "/api/query", { body, headers, ...(key ? { key } : {}) });

  it("answers JSON in the documented shape, keys in the documented order", () =>
    withServiceLogs(async () => {
      const res = await post({
        sql: "SELECT id, display_name, proxy_addresses FROM azuread_user ORDER BY id",
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-generation-id"), "3");
      assert.match(res.headers.get("x-query-id") ?? "", /^q_/);
      const raw = (await res.clone().json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(raw), ["columns", "rows", "rowCount", "truncated", "durationMs"]);
      const body = await readOk(runQuery, res);
      assert.deepEqual(body.columns, [
        { name: "id", type: "VARCHAR" },
        { name: "display_name", type: "VARCHAR" },
        { name: "proxy_addresses", type: "VARCHAR[]" },
      ]);
      assert.deepEqual(body.rows, [
        { id: "u1", display_name: "Ada", proxy_addresses: ["SMTP:ada@x.test"] },
        { id: "u2", display_name: "Grace", proxy_addresses: [] },
      ]);
      assert.equal(body.rowCount, 2);
      assert.equal(body.truncated, false);
      const capped = await readOk(runQuery, await post({ sql: "SELECT * FROM range(100)", maxRows: 5 }));
      assert.equal(capped.rows.length, 5);
      assert.equal(capped.truncated, true);
    }));

  it("streams large JSON answers from the object store", () =>
    withServiceLogs(async () => {
      const res = await post({ sql: "SELECT range AS i, repeat('y', 50) AS pad FROM range(3000)" });
      const body = await readOk(runQuery, res);
      assert.equal(body.rows.length, 3000);
      assert.equal(body.rows[2999]?.i, 2999);
      assert.equal(body.rowCount, 3000);
      assert.equal(body.columns.length, 2);
    }));

  it("streams answers longer than one part, in order and complete", () =>
    withServiceLogs(async () => {
      // ~1.6 MB of JSON: several parts of the query service's stream.
      const sql = "SELECT range AS i, repeat('z', 60) AS pad FROM range(20000) ORDER BY i";
      const res = await post({ sql, maxRows: 20_000 });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-row-count"), null);
      const body = await readOk(runQuery, res);
      assert.equal(body.rows.length, 20_000);
      assert.ok(body.rows.every((r, k) => r.i === k && r.pad === "z".repeat(60)));
      assert.equal(body.rowCount, 20_000);
      assert.equal(body.truncated, false);
      const capped = await readOk(runQuery, await post({ sql, maxRows: 15_000 }));
      assert.equal(capped.rows.length, 15_000);
      assert.equal(capped.truncated, true);
      const csv = await post({ sql, maxRows: 20_000 }, { accept: "text/csv" });
      const lines = (await csv.text()).split("\r\n");
      assert.equal(lines[0], "i,pad");
      assert.equal(lines[20_000], `19999,${"z".repeat(60)}`);
      assert.equal(lines.length, 20_002);
    }));

  it("downloads CSV, NDJSON and Parquet by Accept", () =>
    withServiceLogs(async () => {
      const sql = "SELECT id, user_type FROM azuread_user ORDER BY id";
      const csv = await post({ sql }, { accept: "text/csv" });
      assert.equal(csv.status, 200);
      assert.equal(csv.headers.get("content-type"), "text/csv; charset=utf-8");
      assert.match(
        csv.headers.get("content-disposition") ?? "",
        /attachment; filename="query-q_[0-9a-f]+\.csv"/,
      );
      assert.equal(await csv.text(), "id,user_type\r\nu1,Member\r\nu2,Guest\r\n");
      const nd = await post({ sql }, { accept: "application/x-ndjson" });
      assert.equal(await nd.text(), '{"id":"u1","user_type":"Member"}\n{"id":"u2","user_type":"Guest"}\n');
      const pq = await post({ sql }, { accept: "application/vnd.apache.parquet" });
      assert.equal(pq.headers.get("content-type"), "application/vnd.apache.parquet");
      assert.equal(
        Buffer.from(await pq.arrayBuffer())
          .subarray(0, 4)
          .toString(),
        "PAR1",
      );
      assert.equal(pq.headers.get("x-row-count"), "2");
      const bad = await post({ sql }, { accept: "text/html" });
      assert.equal(bad.status, 400);
    }));

  it("maps refusals, errors and timeouts to the error vocabulary", () =>
    withServiceLogs(async () => {
      const cases: Array<[unknown, number, string, RegExp]> = [
        [{ sql: "COPY azuread_user TO '/tmp/x.csv'" }, 400, "query_error", /read-only.*COPY/],
        [{ sql: "SELECT * FROM read_csv('/etc/passwd')" }, 400, "query_error", /read_csv is not available/],
        [{ sql: "SELECT * FROM nope" }, 400, "query_error", /nope does not exist/],
        [
          { sql: "SELECT count(*) FROM range(1000000000) a, range(1000000000) b", timeoutMs: 500 },
          408,
          "query_timeout",
          /time limit/,
        ],
        [{ sql: "" }, 400, "bad_request", /sql/],
        [{ sql: "SELECT 1", workspaceId: "other" }, 400, "bad_request", /workspaceId/],
        [{ sql: "SELECT 1", maxRows: 0 }, 400, "bad_request", /maxRows/],
      ];
      for (const [body, status, code, pattern] of cases) {
        const res = await post(body);
        assert.equal(res.status, status, JSON.stringify(body));
        const err = await readError(res);
        assert.equal(err.code, code);
        assert.match(err.message, pattern);
        assert.equal(err.requestId, res.headers.get("x-request-id"));
      }
    }));

  it("keeps non-admin keys to the members' longest time limit", () =>
    withServiceLogs(async () => {
      const long = await post({ sql: "SELECT 1", timeoutMs: 120_000 }, {}, h.memberKey);
      assert.equal(long.status, 400);
      assert.match((await readError(long)).message, /at most 60000 ms/);
      const ok = await post({ sql: "SELECT 1 AS one", timeoutMs: 30_000 }, {}, h.memberKey);
      assert.deepEqual((await readOk(runQuery, ok)).rows, [{ one: 1 }]);
      const admin = await post({ sql: "SELECT 1 AS one", timeoutMs: 120_000 });
      assert.equal(admin.status, 200);
    }));

  it("scopes everything to the key's workspace", () =>
    withServiceLogs(async () => {
      const res = await post({ sql: "SELECT * FROM azuread_user" }, {}, h.otherKey);
      assert.equal(res.status, 400);
      assert.match((await readError(res)).message, /No data has been collected/);
      for (const file of generations.get(DEFAULT_WORKSPACE)?.tables.map((t) => t.file) ?? []) {
        const steal = await post({ sql: `SELECT * FROM read_parquet('${file}')` }, {}, h.otherKey);
        assert.equal(steal.status, 400);
        assert.doesNotMatch(await steal.text(), /Ada|Grace/);
      }
      const tables = await readOk(listTables, await h.call("GET", "/api/tables", { key: h.otherKey }));
      assert.deepEqual(tables.tables, []);
    }));

  it("lists tables, examples and history", () =>
    withServiceLogs(async () => {
      const t = await readOk(listTables, await h.call("GET", "/api/tables"));
      const users = t.tables.find((x) => x.name === "azuread_user");
      assert.ok(users?.description);
      assert.deepEqual(
        users?.columns.find((c) => c.name === "user_type"),
        {
          name: "user_type",
          type: "VARCHAR",
          description: "'Member' or 'Guest'",
        },
      );
      const ex = await readOk(listExamples, await h.call("GET", "/api/examples"));
      assert.equal(ex.examples.length, 5);
      const hist = await h.call("GET", "/api/queries/history?limit=5");
      assert.deepEqual(await readOk(queryHistory, hist), { entries: [], generationId: 3 });
      assert.equal((await h.call("GET", "/api/queries/history?limit=0")).status, 400);
      assert.equal((await h.call("GET", "/api/queries/history?outcome=maybe")).status, 400);
    }));

  it("creates, reads, updates and deletes saved queries per workspace", () =>
    withServiceLogs(async () => {
      const created = await h.call("POST", "/api/saved-queries", {
        body: {
          name: "Guests",
          description: "B2B accounts",
          sql: "SELECT * FROM azuread_user WHERE user_type = 'Guest'",
        },
      });
      const q = await readOk(createSavedQuery, created);
      assert.match(q.id, /^sq_/);
      const dup = await h.call("POST", "/api/saved-queries", { body: { name: "guests", sql: "SELECT 1" } });
      assert.equal(dup.status, 409);
      const evil = await h.call("POST", "/api/saved-queries", { body: { name: "evil", sql: "ATTACH '/x'" } });
      assert.equal(evil.status, 400);
      assert.equal((await h.call("GET", `/api/saved-queries/${q.id}`)).status, 200);
      assert.equal((await h.call("GET", `/api/saved-queries/${q.id}`, { key: h.otherKey })).status, 404);
      assert.equal((await h.call("DELETE", `/api/saved-queries/${q.id}`, { key: h.otherKey })).status, 404);
      assert.equal(
        (await h.call("PATCH", `/api/saved-queries/${q.id}`, { key: h.otherKey, body: { name: "mine" } }))
          .status,
        404,
      );
      assert.equal((await h.call("GET", "/api/saved-queries/not-an-id")).status, 404);
      const patched = await h.call("PATCH", `/api/saved-queries/${q.id}`, {
        body: { description: "guests only" },
      });
      assert.equal((await readOk(updateSavedQuery, patched)).description, "guests only");
      assert.equal((await h.call("PATCH", `/api/saved-queries/${q.id}`, { body: {} })).status, 400);
      const list = await readOk(listSavedQueries, await h.call("GET", "/api/saved-queries"));
      assert.deepEqual(
        list.savedQueries.map((s) => s.id),
        [q.id],
      );
      const others = await readOk(
        listSavedQueries,
        await h.call("GET", "/api/saved-queries", { key: h.otherKey }),
      );
      assert.deepEqual(others.savedQueries, []);
      assert.deepEqual(await readOk(deleteSavedQuery, await h.call("DELETE", `/api/saved-queries/${q.id}`)), {
        deleted: true,
      });
      assert.equal((await h.call("GET", `/api/saved-queries/${q.id}`)).status, 404);
    }));
});
