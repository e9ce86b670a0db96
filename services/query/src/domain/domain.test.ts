import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isoFromMicros } from "../sandbox/json-values.js";
import { csvField, csvHeader, csvRow, ndjsonRow } from "./csv.js";
import { explainDuckDbError } from "./error-messages.js";
import { historyEntries, historyQuery } from "./history.js";
import { applyPatch, nameToken, newSavedQueryId, normalizeName } from "./saved-queries.js";
import { explainTarget, firstKeyword, notReadOnlyMessage, stripLeadingComments } from "./statement-policy.js";
import { documentTable, tableDoc } from "./table-docs.js";

describe("statement policy", () => {
  it("strips leading comments and finds the first keyword", () => {
    assert.equal(stripLeadingComments("  -- hi\n/* x */ select 1"), "select 1");
    assert.equal(firstKeyword("/* a */ copy t to 'x'"), "COPY");
    assert.equal(firstKeyword("  "), null);
  });

  it("unwraps EXPLAIN [ANALYZE] [(options)]", () => {
    assert.equal(explainTarget("EXPLAIN SELECT 1"), "SELECT 1");
    assert.equal(explainTarget("explain analyze  COPY t TO 'x'"), "COPY t TO 'x'");
    assert.equal(explainTarget("EXPLAIN (FORMAT json) SELECT 1"), "SELECT 1");
    assert.equal(explainTarget("SELECT 1"), null);
  });

  it("names the refused statement", () => {
    assert.match(
      notReadOnlyMessage("ATTACH 'x'"),
      /^Only a single read-only statement is allowed \(.*\); ATTACH statements are not allowed\.$/,
    );
  });
});

describe("error messages", () => {
  const ctx = { noGeneration: false, memoryLimit: "1GB" };
  it("adds what an analyst needs to know", () => {
    assert.match(explainDuckDbError('Permission Error: Cannot access file "/etc/passwd"', ctx), /off limits/);
    assert.match(
      explainDuckDbError("Catalog Error: Table with name x does not exist!", ctx),
      /GET \/api\/tables/,
    );
    assert.match(
      explainDuckDbError("Catalog Error: Table with name x does not exist!", { ...ctx, noGeneration: true }),
      /No data has been collected/,
    );
    assert.match(explainDuckDbError("Out of Memory Error: failed", ctx), /memory limit of 1GB/);
    assert.equal(explainDuckDbError("Binder Error: nope", ctx), "Binder Error: nope");
  });
});

describe("csv and ndjson", () => {
  it("quotes per RFC 4180 and writes nested values as JSON", () => {
    assert.equal(csvHeader(["a", "b,c"]), 'a,"b,c"\r\n');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("line\nbreak"), '"line\nbreak"');
    assert.equal(csvField(null), "");
    assert.equal(csvField(["x", 1]), '"[""x"",1]"');
    assert.equal(csvField(" padded"), '" padded"');
    assert.equal(csvRow(["a", "b"], { a: 1, b: true }), "1,true\r\n");
    assert.equal(ndjsonRow({ a: [1] }), '{"a":[1]}\n');
  });
});

describe("timestamps", () => {
  it("renders ISO 8601 with micro digits only when present", () => {
    assert.equal(isoFromMicros(0n, "Z"), "1970-01-01T00:00:00Z");
    assert.equal(isoFromMicros(1_500_000n, "Z"), "1970-01-01T00:00:01.500Z");
    assert.equal(isoFromMicros(1_000_001n, ""), "1970-01-01T00:00:01.000001");
    assert.equal(isoFromMicros(-1n, "Z"), "1969-12-31T23:59:59.999999Z");
    assert.equal(isoFromMicros(9_223_372_036_854_775_807n, "Z"), "infinity");
    assert.equal(isoFromMicros(-9_223_372_036_854_775_807n, "Z"), "-infinity");
  });
});

describe("table docs", () => {
  it("describes resource, change and system tables from the catalog", () => {
    assert.match(tableDoc("azuread_user")?.description ?? "", /Users/);
    assert.equal(tableDoc("azuread_user")?.columns[0]?.name, "integration_id");
    assert.match(tableDoc("azuread_group_changes")?.description ?? "", /Change history of azuread_group/);
    assert.match(tableDoc("query_history")?.description ?? "", /analyst query/);
    assert.equal(tableDoc("nope"), undefined);
  });

  it("keeps real columns and types and adds descriptions", () => {
    const t = documentTable("azuread_user", [
      { name: "display_name", type: "VARCHAR" },
      { name: "brand_new_column", type: "BIGINT" },
      { name: "_raw", type: "JSON" },
    ]);
    assert.deepEqual(t.columns, [
      { name: "display_name", type: "VARCHAR", description: "Name shown in the directory" },
      { name: "brand_new_column", type: "BIGINT", description: "" },
      { name: "_raw", type: "JSON", description: "The object exactly as Graph returned it" },
    ]);
    assert.equal(
      documentTable("mystery", [{ name: "tenant_id", type: "VARCHAR" }]).columns[0]?.description,
      "Entra tenant id",
    );
  });
});

describe("history", () => {
  it("binds filters as parameters and maps rows", () => {
    const q = historyQuery({ limit: 5, actor: "key_a" });
    assert.deepEqual(q.params, ["key_a", null, 5]);
    assert.doesNotMatch(q.sql, /key_a/);
    const entries = historyEntries([
      {
        query_id: "q1",
        actor: "a",
        sql: "SELECT 1",
        started_at: "2025-01-01T00:00:00Z",
        duration_ms: 1.5,
        row_count: 1,
        outcome: "ok",
        error: null,
        generation_id: 3,
      },
      { query_id: "q2", outcome: "weird" },
    ]);
    assert.deepEqual(entries, [
      {
        queryId: "q1",
        actor: "a",
        sql: "SELECT 1",
        startedAt: "2025-01-01T00:00:00Z",
        durationMs: 1.5,
        rowCount: 1,
        outcome: "ok",
        error: null,
        generationId: 3,
      },
    ]);
  });
});

describe("saved queries", () => {
  it("normalizes names for uniqueness and applies patches", () => {
    assert.equal(normalizeName("  Guest   Users "), "guest users");
    assert.equal(nameToken("Guest users"), nameToken("guest  USERS"));
    assert.notEqual(nameToken("Guest users"), nameToken("Guest user"));
    assert.match(newSavedQueryId(), /^sq_[a-z2-7]{20}$/);
    const q = {
      id: "sq_aaaaaaaaaaaaaaaaaaaa",
      workspaceId: "w",
      name: "n",
      description: "d",
      sql: "SELECT 1",
      createdBy: "k",
      createdAt: "2025-01-01T00:00:00.000Z",
      updatedAt: "2025-01-01T00:00:00.000Z",
    };
    assert.deepEqual(applyPatch(q, { sql: "SELECT 2" }, "2025-02-01T00:00:00.000Z"), {
      ...q,
      sql: "SELECT 2",
      updatedAt: "2025-02-01T00:00:00.000Z",
    });
  });
});
