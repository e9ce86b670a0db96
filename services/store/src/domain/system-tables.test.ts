import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IntegrationChanged, QueryExecuted } from "@tenantlens/contracts";
import { defineSystemTable, integrationsTable, systemTables } from "./system-tables.js";

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
