import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alertFilterSchemas, WebhookBody } from "@tenantlens/contracts";
import { changeItem, changeSql, FilterError, normalizeChangeFilters } from "./change-sql.js";
import { emailView } from "./email-view.js";
import { complianceItems, dedupKey, integrationStatusItems, pollFailedItems, rowHash } from "./match.js";
import { buildMessage, MAX_ITEMS } from "./messages.js";
import { diffRows } from "./query-diff.js";
import { sign, webhookHeaders } from "./signature.js";

const at = "2025-03-04T10:00:00.000Z";
const score = (s: number, prev: number | null) => ({
  workspaceId: "default",
  integrationId: "int_abcdefgh12",
  runId: "run_1",
  generationId: 3,
  at,
  packId: "baseline",
  packTitle: "Baseline",
  score: s,
  previousScore: prev,
  passing: 8,
  failing: 2,
  errors: 0,
  evaluated: 10,
});

describe("matching", () => {
  it("tells a compliance score once when it falls below the threshold", () => {
    const f = alertFilterSchemas.compliance.parse({ threshold: 80 });
    assert.equal(complianceItems(f, score(75, 85)).length, 1);
    assert.equal(complianceItems(f, score(75, null)).length, 1, "first score already below");
    assert.equal(complianceItems(f, score(70, 75)).length, 0, "still below: not again");
    assert.equal(complianceItems(f, score(85, 70)).length, 0, "back above");
    assert.equal(
      complianceItems(
        alertFilterSchemas.compliance.parse({ threshold: 80, packIds: ["other"] }),
        score(75, 85),
      ).length,
      0,
    );
  });

  it("tells integration status changes to the watched statuses and failed polls", () => {
    const f = alertFilterSchemas.integration.parse({});
    const ev = (status: "active" | "broken", change: "updated" | "deleted" = "updated") => ({
      change,
      at,
      integration: {
        id: "int_abcdefgh12",
        workspaceId: "default",
        name: "Contoso",
        tenantId: null,
        authMode: "app" as const,
        clientId: null,
        status,
        statusReason: status === "broken" ? "consent revoked" : null,
        enabled: true,
        createdAt: at,
        updatedAt: at,
      },
    });
    assert.equal(integrationStatusItems(f, ev("broken"), "active")[0]?.reason, "consent revoked");
    assert.equal(integrationStatusItems(f, ev("broken"), "broken").length, 0, "no change");
    assert.equal(
      integrationStatusItems(f, ev("active"), "broken").length,
      0,
      "active is not watched by default",
    );
    assert.equal(integrationStatusItems(f, ev("broken", "deleted"), "active").length, 0);
    const poll = {
      pollId: "poll_abcdefgh12",
      workspaceId: "default",
      integrationId: "int_abcdefgh12",
      tenantId: "6f0d8a7e-4c57-4f7a-9a1c-8a3c2b1d0e9f",
      outcome: "failed" as const,
      error: "Graph answered 503",
      startedAt: at,
      completedAt: at,
      resources: [],
    };
    assert.equal(pollFailedItems(f, poll, "Contoso")[0]?.event, "poll_failed");
    assert.equal(
      pollFailedItems(alertFilterSchemas.integration.parse({ pollFailed: false }), poll, null).length,
      0,
    );
    assert.equal(pollFailedItems(f, { ...poll, outcome: "partial" }, null).length, 0);
  });

  it("dedup keys name the thing, not the moment", () => {
    const row = { a: 1, b: [1, 2] };
    assert.equal(rowHash(row), rowHash({ b: [1, 2], a: 1 }));
    assert.equal(
      dedupKey("query", { change: "added", row }),
      dedupKey("query", { change: "added", row: { b: [1, 2], a: 1 } }),
    );
    assert.notEqual(
      dedupKey("query", { change: "added", row }),
      dedupKey("query", { change: "removed", row }),
    );
  });
});

describe("query alert diff", () => {
  it("sets a baseline first, then reports rows added and removed", () => {
    const first = diffRows(null, [{ u: "a" }, { u: "b" }], ["rows_added", "rows_removed"]);
    assert.deepEqual([first.added, first.removed], [[], []]);
    const next = diffRows(first.rows, [{ u: "b" }, { u: "c" }, { u: "c" }], ["rows_added", "rows_removed"]);
    assert.deepEqual(next.added, [{ change: "added", row: { u: "c" } }]);
    assert.deepEqual(next.removed, [{ change: "removed", row: { u: "a" } }]);
    assert.equal(diffRows(first.rows, [], ["rows_added"]).removed.length, 0);
  });
});

describe("change alert SQL", () => {
  it("maps column names to Graph properties and refuses what the catalog does not have", () => {
    const f = normalizeChangeFilters(
      alertFilterSchemas.change.parse({ table: "azuread_user", fields: ["account_enabled", "displayName"] }),
    );
    assert.deepEqual(f.fields, ["accountEnabled", "displayName"]);
    assert.throws(
      () => normalizeChangeFilters(alertFilterSchemas.change.parse({ table: "azuread_nope" })),
      FilterError,
    );
    assert.throws(
      () =>
        normalizeChangeFilters(
          alertFilterSchemas.change.parse({ table: "azuread_user", fields: ["shoe_size"] }),
        ),
      /azuread_user has no field shoe_size; known: .*account_enabled/,
    );
    assert.throws(
      () =>
        normalizeChangeFilters(
          alertFilterSchemas.change.parse({ table: "azuread_user", condition: "role_assignable_group" }),
        ),
      /applies to azuread_group_member/,
    );
  });

  it("quotes every literal and caps the rows", () => {
    const sql = changeSql(
      alertFilterSchemas.change.parse({ table: "azuread_user", fields: ["accountEnabled"] }),
      ["poll_a'b"],
    );
    assert.match(sql, /'poll_a''b'/);
    assert.match(sql, /FROM "azuread_user_changes" c/);
    assert.match(sql, new RegExp(`LIMIT ${MAX_ITEMS}$`));
  });

  it("shows the before and after of the changed properties", () => {
    const item = changeItem("azuread_user", {
      change_id: "c1",
      integration_id: "int_1",
      resource_id: "u1",
      change_type: "modified",
      fields: ["accountEnabled"],
      before: { displayName: "Ann", accountEnabled: true },
      after: JSON.stringify({ displayName: "Ann", accountEnabled: false, big: "x".repeat(5_000) }),
      recorded_at: "2025-03-04 10:00:00+00",
      poll_id: "poll_1",
      group_id: null,
    });
    assert.equal(item.displayName, "Ann");
    assert.deepEqual(item.changes, [{ field: "accountEnabled", before: true, after: false }]);
    assert.equal(item.recordedAt, "2025-03-04T10:00:00.000Z");
  });
});

describe("messages", () => {
  it("builds a body that matches its documented schema, capped at 100 items, and an email view of it", () => {
    const items = Array.from({ length: 130 }, (_, i) => ({
      integrationId: "int_abcdefgh12",
      integrationName: "Contoso",
      event: "poll_failed" as const,
      from: null,
      to: null,
      reason: `error ${i}`,
      pollId: "poll_abcdefgh12",
      at: new Date(Date.parse(at) + i).toISOString(),
    }));
    const msg = buildMessage({
      workspaceId: "default",
      alert: { id: "al_abcdefgh12", name: "Polls", kind: "integration" },
      items,
      context: { kind: "integration" },
      heldBack: { delayed: 3, duplicates: 2, since: at },
      consoleUrl: "https://tl.example.com/",
      timestamp: at,
    });
    const body = WebhookBody.parse(msg.body);
    assert.equal(body.type, "integration.status_changed");
    if (body.type !== "integration.status_changed") return;
    assert.equal(body.data.items.length, 100);
    assert.equal(body.data.total, 130);
    assert.equal(body.data.omitted, 30);
    assert.equal(msg.summary, "130 integration events");
    const view = emailView(body);
    assert.equal(view.subject, "[Tenantlens] Polls: 130 integration events");
    assert.equal(view.more, "… and 30 more (130 in all)");
    assert.match(view.heldBack ?? "", /3 item\(s\) were held back.*2 repeated item\(s\)/);
  });
});

describe("signatures", () => {
  it("signs id.timestamp.body with the decoded secret (a known vector)", () => {
    // The Standard Webhooks specification's example secret and message.
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = '{"test": 2432232314}';
    assert.equal(
      sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
    const h = webhookHeaders([secret, secret], "msg_1", 1, "{}");
    assert.equal(h["webhook-signature"]?.split(" ").length, 2);
  });
});
