import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type ViolationChange, ViolationsChanged } from "@tenantlens/contracts";
import { tempDir } from "@tenantlens/testkit";
import { violationEvents } from "../adapters/run-writer.js";
import { summarize } from "../evaluator.js";
import { memoryReader } from "../testing/sandbox-executor.js";
import { coverageFrom, notEvaluable, tablesReadBy } from "./coverage.js";
import { payloadJson } from "./events.js";
import { judge, type QueryOutcome, recordsViolations, verdict } from "./judge.js";
import { MAX_DETAILS_CHARS, type ResultSource } from "./result-sql.js";
import { computeScores } from "./scores.js";

describe("results of a rule query", () => {
  let reader: Awaited<ReturnType<typeof memoryReader>>;
  let dir: string;
  const parquet = async (name: string, select: string): Promise<ResultSource> => {
    const file = path.join(dir, `${name}.parquet`);
    await reader.all(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
    const columns = (await reader.all(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map((c) => ({
      name: String(c.column_name),
      type: String(c.column_type),
    }));
    return { file, columns };
  };
  const ok = (s: ResultSource, truncated = false): Extract<QueryOutcome, { ok: true }> => ({
    ok: true,
    columns: [...s.columns],
    rowCount: 1,
    truncated,
    durationMs: 1,
    file: s.file,
  });
  const one = coverageFrom([{ integration_id: "int_a1234567", resource: "users", outcome: "complete" }]);
  const two = coverageFrom([
    { integration_id: "int_a1234567", resource: "users", outcome: "complete" },
    { integration_id: "int_c1234567", resource: "users", outcome: "complete" },
  ]);

  before(async () => {
    reader = await memoryReader();
    dir = tempDir("tl-rules-results");
  });
  after(() => reader?.close());

  it("needs resource_id, keeps the first of duplicates, makes the other columns details", async () => {
    const a = await parquet(
      "a",
      `SELECT * FROM (VALUES ('int_a1234567', 'u1', 'User 1', 'u1@x'), ('int_a1234567', 'u1', 'again', 'u1b@x'))
         t(integration_id, resource_id, display_name, upn)`,
    );
    const b = await parquet(
      "b",
      `SELECT 42 AS resource_id, 'azuread_user' AS "table", {'big': repeat('x', ${MAX_DETAILS_CHARS})} AS details`,
    );
    const { summary, candidates } = await summarize(reader, [ok(a), ok(b)], one);
    assert.ok("counts" in summary);
    assert.deepEqual([...summary.counts], [["int_a1234567", 2]]);
    assert.equal(summary.complete, true);
    const rows = await reader.all(
      `SELECT resource_id, resource_table, display_name, CAST(details AS VARCHAR) AS details FROM (${candidates}) ORDER BY resource_id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.resource_id, r.resource_table, r.display_name]),
      [
        ["42", "azuread_user", null],
        ["u1", "", "User 1"],
      ],
    );
    assert.deepEqual(JSON.parse(String(rows[1]?.details)), { upn: "u1@x" });
    const big = JSON.parse(String(rows[0]?.details)) as { truncated: boolean; preview: string };
    assert.equal(big.truncated, true);
    assert.equal(big.preview.length, 1_000);

    const cut = await summarize(reader, [ok(a, true)], one);
    assert.ok("counts" in cut.summary && !cut.summary.complete);
  });

  it("refuses results without resource_id, with empty ids, or unattributed among several integrations", async () => {
    const noColumn = await parquet("c", "SELECT 'x' AS id");
    const r1 = await summarize(reader, [ok(noColumn)], one);
    assert.match("error" in r1.summary ? r1.summary.error : "", /no resource_id column/);
    const noId = await parquet("d", "SELECT CAST(NULL AS VARCHAR) AS resource_id");
    const r2 = await summarize(reader, [ok(noId)], one);
    assert.match("error" in r2.summary ? r2.summary.error : "", /has no resource_id/);
    const bare = await parquet("e", "SELECT 'u1' AS resource_id");
    assert.ok("counts" in (await summarize(reader, [ok(bare)], one)).summary);
    const r3 = await summarize(reader, [ok(bare)], two);
    assert.match("error" in r3.summary ? r3.summary.error : "", /without integration_id/);
    const r4 = await summarize(
      reader,
      [ok(bare), { ok: false, error: "Binder Error: nope", durationMs: 1 }],
      one,
    );
    assert.deepEqual(r4.summary, { error: "Query 2: Binder Error: nope" });
    const noRows = await summarize(reader, [{ ...ok(bare), rowCount: 0, file: null }], two);
    assert.deepEqual(noRows, { summary: { counts: new Map(), complete: true }, candidates: null });
  });
});

describe("coverage", () => {
  const coverage = coverageFrom([
    { integration_id: "int_a1234567", resource: "users", outcome: "complete", reason: null },
    {
      integration_id: "int_a1234567",
      resource: "conditionalAccessPolicies",
      outcome: "not_collected",
      reason: "no P1",
    },
    { integration_id: "int_b1234567", resource: "users", outcome: "partial", reason: "429" },
  ]);

  it("finds the catalog tables a query reads, history twins and as-of macros included", () => {
    assert.deepEqual(
      tablesReadBy([
        "SELECT * FROM azuread_user_changes JOIN azuread_user_sign_in_activity s ON true",
      ]).sort(),
      ["azuread_user", "azuread_user_sign_in_activity"],
    );
    assert.deepEqual(tablesReadBy(["SELECT * FROM azuread_group_as_of(now())"]), ["azuread_group"]);
    assert.deepEqual(tablesReadBy(["SELECT 1"]), []);
  });

  it("judges an integration only on completely read tables", () => {
    assert.deepEqual(coverage.integrations, ["int_a1234567", "int_b1234567"]);
    assert.equal(notEvaluable(coverage, "int_a1234567", ["azuread_user"]), null);
    assert.match(
      notEvaluable(coverage, "int_b1234567", ["azuread_user"]) ?? "",
      /partial in the last poll: 429/,
    );
    assert.match(
      notEvaluable(coverage, "int_a1234567", ["azuread_conditional_access_policy"]) ?? "",
      /not collected/,
    );
    assert.equal(
      notEvaluable(
        coverage,
        "int_a1234567",
        ["azuread_conditional_access_policy"],
        ["azuread_conditional_access_policy"],
      ),
      null,
    );
    assert.match(notEvaluable(coverage, "int_a1234567", ["azuread_device"]) ?? "", /not been collected yet/);
  });

  it("turns results into judgements: skipped, error, verdict", () => {
    const rule = {
      id: "r",
      queries: [{ sql: "SELECT * FROM azuread_user" }],
      evaluation: { kind: "any_row" as const },
    };
    const j = judge(rule, coverage, { counts: new Map([["int_a1234567", 3]]), complete: true });
    assert.deepEqual(
      j.map((x) => [x.integrationId, x.kind, x.kind === "verdict" ? x.count : null]),
      [
        ["int_b1234567", "skipped", null],
        ["int_a1234567", "verdict", 3],
      ],
    );
    const failed = judge(rule, coverage, { error: "Binder Error: nope" });
    assert.deepEqual(
      failed.map((x) => [x.integrationId, x.kind, x.kind === "error" ? x.error : null]),
      [
        ["int_b1234567", "skipped", null],
        ["int_a1234567", "error", "Binder Error: nope"],
      ],
    );
  });
});

describe("verdicts, parts and scores", () => {
  it("compares the rows that are not suppressed", () => {
    assert.equal(verdict({ kind: "any_row" }, 0), "passing");
    assert.equal(verdict({ kind: "any_row" }, 1), "failing");
    assert.equal(verdict({ kind: "threshold", op: "gt", value: 8 }, 8), "passing");
    assert.equal(verdict({ kind: "threshold", op: "gt", value: 8 }, 9), "failing");
    assert.equal(verdict({ kind: "threshold", op: "lt", value: 2 }, 1), "failing");
    assert.equal(verdict({ kind: "threshold", op: "ne", value: 0 }, 0), "passing");
    assert.equal(recordsViolations({ kind: "threshold", op: "gt", value: 8 }, "passing"), false);
    assert.equal(recordsViolations({ kind: "any_row" }, "passing"), true);
  });

  it("splits violation changes (JSON texts) into parts under the message size", () => {
    const change = (i: number): ViolationChange => ({
      resourceId: `u${i}`,
      table: "azuread_user",
      displayName: "x".repeat(200),
      transition: "opened",
      state: "open",
      firstSeenAt: "2025-01-01T00:00:00Z",
      lastSeenAt: "2025-01-01T00:00:00Z",
      resolvedAt: null,
      actor: null,
      reason: null,
      expiresAt: null,
    });
    const changes = Array.from({ length: 100 }, (_, i) => change(i));
    const head = {
      workspaceId: "ws",
      integrationId: "int_a1234567",
      runId: "run_1",
      generationId: 3,
      at: "2025-01-01T00:00:00.000Z",
      ruleId: "rule-1",
      title: "R",
      severity: "high",
      packs: ["pack-1"],
      managed: false,
    };
    const events = violationEvents(
      head,
      changes.map((c) => JSON.stringify(c)),
      10_000,
    );
    assert.ok(events.length > 1);
    const payloads = events.map((e) => ViolationsChanged.schema.parse(JSON.parse(payloadJson(e))));
    assert.deepEqual(
      payloads.flatMap((p) => p.changes),
      changes,
    );
    assert.deepEqual(
      payloads.map((p) => [p.part, p.parts]),
      payloads.map((_, i) => [i, events.length]),
    );
    for (const e of events) assert.ok(Buffer.byteLength(payloadJson(e)) <= 10_000);
  });

  it("scores passing ÷ (passing + failing) per pack and integration", () => {
    const scores = computeScores(
      [
        { packId: "p", title: "P" },
        { packId: "q", title: "Q" },
      ],
      new Map([
        ["r1", ["p"]],
        ["r2", ["p"]],
        ["r3", ["p", "q"]],
      ]),
      [
        { ruleId: "r1", integrationId: "int_a1234567", status: "passing" },
        { ruleId: "r2", integrationId: "int_a1234567", status: "failing" },
        { ruleId: "r3", integrationId: "int_a1234567", status: "error" },
      ],
    );
    assert.deepEqual(
      scores.map((s) => [s.packId, s.score, s.passing, s.failing, s.errors, s.evaluated]),
      [["p", 50, 1, 1, 1, 2]],
    );
  });
});
