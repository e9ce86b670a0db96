import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeliveryRecorded, IntegrationChanged, QueryExecuted } from "@tenantlens/contracts";
import { defineSystemTable, integrationsTable, notificationsTable, systemTables } from "./system-tables.js";

describe("system table registry", () => {
  it("declares the system tables with workspace-internal columns", () => {
    assert.deepEqual(
      systemTables.map((s) => s.table.name),
      [
        "integrations",
        "polls",
        "query_history",
        "rules",
        "rule_evaluations",
        "rule_violations",
        "rule_violation_events",
        "rule_suppressions",
        "compliance_scores",
        "notifications",
        "provisioning_operations",
      ],
    );
    for (const s of systemTables)
      assert.deepEqual(
        s.table.internal.map((c) => c.name),
        ["_tl_workspace_id"],
      );
  });

  it("maps an integration event to its row and a purge on delete", () => {
    const integration = {
      id: "int_abcdefgh12",
      workspaceId: "default",
      name: "Contoso",
      tenantId: "6f0d8a7e-4c57-4f7a-9a1c-8a3c2b1d0e9f",
      authMode: "app" as const,
      clientId: "c",
      status: "active" as const,
      statusReason: null,
      enabled: true,
      createdAt: "2025-01-01T00:00:00Z",
      updatedAt: "2025-01-02T00:00:00Z",
    };
    const payload = IntegrationChanged.schema.parse({
      change: "deleted",
      integration,
      at: "2025-01-03T00:00:00Z",
    });
    const [row] = integrationsTable.source?.toRows(payload) ?? [];
    assert.equal(row?.workspaceId, "default");
    assert.equal(row?.values.deleted_at, "2025-01-03T00:00:00Z");
    assert.equal(row?.values.updated_at, "2025-01-03T00:00:00Z");
    assert.deepEqual(integrationsTable.source?.effects?.(payload), [
      { kind: "purge_integration", workspaceId: "default", integrationId: "int_abcdefgh12" },
    ]);
  });

  it("maps a delivery record to the latest-state row of its notification", () => {
    const payload = DeliveryRecorded.schema.parse({
      id: "msg_abcdefgh12345678",
      workspaceId: "default",
      alertId: "al_abcdefgh12",
      alertName: "Critical violations",
      alertKind: "rule",
      channelId: "ch_abcdefgh12",
      channelKind: "webhook",
      eventType: "rule.results_changed",
      summary: "2 violations opened",
      itemCount: 2,
      status: "retrying",
      attempts: 2,
      responseCode: 503,
      error: "HTTP 503",
      createdAt: "2025-01-01T00:00:00Z",
      updatedAt: "2025-01-01T00:00:05Z",
      lastAttemptAt: "2025-01-01T00:00:05Z",
      nextAttemptAt: "2025-01-01T00:05:05Z",
      deliveredAt: null,
    });
    const [row] = notificationsTable.source?.toRows(payload) ?? [];
    assert.equal(notificationsTable.source?.mode, "upsert");
    assert.equal(notificationsTable.source?.newerBy, "updated_at");
    assert.equal(row?.workspaceId, "default");
    assert.equal(row?.values.notification_id, "msg_abcdefgh12345678");
    assert.equal(row?.values.status, "retrying");
    assert.equal(row?.values.response_code, 503);
    for (const c of notificationsTable.table.columns) assert.ok(c.name in (row?.values ?? {}), c.name);
  });

  it("rejects a declaration whose key is not a column", () => {
    assert.throws(
      () =>
        defineSystemTable({
          schema: {
            name: "x",
            description: "",
            columns: [{ name: "a", property: null, type: "VARCHAR", description: "" }],
          },
          key: ["b"],
          source: {
            event: QueryExecuted,
            mode: "append",
            toRows: (q) => [{ workspaceId: q.workspaceId, values: {} }],
          },
        }),
      /unknown column b/,
    );
  });
});
