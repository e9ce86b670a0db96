import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ViolationChange } from "@tenantlens/contracts";
import { coverageFrom, notEvaluable, tablesReadBy } from "./coverage.js";
import { chunkChanges } from "./events.js";
import { judge, recordsViolations, verdict } from "./judge.js";
import { MAX_DETAILS_CHARS, parseRows } from "./rows.js";
import { computeScores } from "./scores.js";

describe("rows of a rule query", () => {
  it("needs resource_id, keeps the first of duplicates, makes the other columns details", () => {
    const parsed = parseRows(
      [
        { integration_id: "int_a1234567", resource_id: "u1", display_name: "User 1", upn: "u1@x" },
        { integration_id: "int_a1234567", resource_id: "u1", display_name: "again" },
        { resource_id: 42, table: "azuread_user", details: { big: "x".repeat(MAX_DETAILS_CHARS) } },
      ],
      ["integration_id", "resource_id", "display_name", "upn", "table", "details"],
    );
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.candidates.map((c) => [c.integrationId, c.resourceId, c.displayName]),
      [
        ["int_a1234567", "u1", "User 1"],
        [null, "42", null],
      ],
    );
    assert.deepEqual(parsed.candidates[0]?.details, { upn: "u1@x" });
    assert.deepEqual(parsed.candidates[1]?.details, {
      truncated: true,
      preview: JSON.stringify({ big: "x".repeat(MAX_DETAILS_CHARS) }).slice(0, 1_000),
    });
    const noColumn = parseRows([], ["id"]);
    assert.ok(!noColumn.ok && /no resource_id column/.test(noColumn.error));
    const noId = parseRows([{ resource_id: null }], ["resource_id"]);
    assert.equal(noId.ok, false);
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

  it("turns outcomes into judgements: skipped, error, verdict; unattributed rows need one integration", () => {
    const rule = {
      id: "r",
      queries: [{ sql: "SELECT * FROM azuread_user" }],
      evaluation: { kind: "any_row" as const },
    };
    const ok = {
      ok: true as const,
      rows: [{ resource_id: "u1" }],
      columns: ["resource_id"],
      truncated: false,
      durationMs: 1,
    };
    const j = judge(
      rule,
      [{ ...ok, rows: [{ integration_id: "int_a1234567", resource_id: "u1" }] }],
      coverage,
    );
    assert.deepEqual(
      j.map((x) => [x.integrationId, x.kind]),
      [
        ["int_b1234567", "skipped"],
        ["int_a1234567", "verdict"],
      ],
    );
    const two = coverageFrom([
      { integration_id: "int_a1234567", resource: "users", outcome: "complete" },
      { integration_id: "int_c1234567", resource: "users", outcome: "complete" },
    ]);
    const err = judge(rule, [ok], two);
    assert.ok(err.every((x) => x.kind === "error" && /integration_id/.test(x.error)));
    const failed = judge(rule, [{ ok: false, error: "Binder Error: nope", durationMs: 1 }], two);
    assert.ok(failed.every((x) => x.kind === "error" && x.error === "Binder Error: nope"));
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

  it("splits violation changes under the message size", () => {
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
    const parts = chunkChanges(changes, 10_000, 500);
    assert.ok(parts.length > 1);
    assert.deepEqual(parts.flat(), changes);
    for (const p of parts) assert.ok(JSON.stringify(p).length <= 9_500 + p.length);
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
