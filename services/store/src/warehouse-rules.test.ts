import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EventPayload, RuleEvaluated, ViolationChange, ViolationsChanged } from "@tenantlens/contracts";
import {
  complianceScoresTable,
  ruleEvaluationsTable,
  ruleSuppressionsTable,
  rulesTable,
  ruleViolationEventsTable,
  ruleViolationsTable,
} from "./domain/system-tables.js";
import { msgRef, newRef } from "./testing/fixtures.js";
import { openTempWarehouse } from "./testing/temp-warehouse.js";
import type { Warehouse } from "./warehouse.js";

/** The rules service's events written into the six rule tables, many rows per message, exactly once. */
describe("rule system tables", () => {
  let wh: Warehouse;
  let close: () => Promise<void>;
  before(async () => {
    ({ wh, close } = await openTempWarehouse());
  });
  after(() => close());

  const violations = [ruleViolationsTable, ruleViolationEventsTable];
  const read = (sql: string, params: Record<string, string>) => wh.db.read().all(sql, params);

  const change = (resourceId: string, o: Partial<ViolationChange> = {}): ViolationChange => ({
    resourceId,
    table: "azuread_user",
    displayName: `User ${resourceId}`,
    details: { upn: `${resourceId}@contoso.test` },
    transition: "opened",
    state: "open",
    firstSeenAt: "2025-03-01T00:00:00.000Z",
    lastSeenAt: "2025-03-01T00:00:00.000Z",
    resolvedAt: null,
    actor: null,
    reason: null,
    expiresAt: null,
    ...o,
  });

  const changed = (
    ref: ReturnType<typeof newRef>,
    runId: string,
    at: string,
    changes: ViolationChange[],
  ): EventPayload<typeof ViolationsChanged> => ({
    workspaceId: ref.workspaceId,
    integrationId: ref.integrationId,
    runId,
    generationId: 4,
    at,
    ruleId: "aad-disabled-users",
    title: "Disabled accounts",
    severity: "low",
    packs: ["essentials"],
    managed: true,
    part: 0,
    parts: 1,
    changes,
  });

  const evaluated = (
    ref: ReturnType<typeof newRef>,
    runId: string,
    at: string,
    status: "passing" | "failing" | "error",
  ): EventPayload<typeof RuleEvaluated> => ({
    workspaceId: ref.workspaceId,
    integrationId: ref.integrationId,
    runId,
    generationId: 5,
    at,
    ruleId: "aad-disabled-users",
    title: "Disabled accounts",
    severity: "low",
    packs: ["essentials"],
    managed: true,
    status,
    violationCount: 1,
    durationMs: 12.5,
    error: status === "error" ? "Binder Error: column x" : null,
  });

  it("writes every change of one message into current state and history, once", async () => {
    const ref = newRef();
    const opened = changed(ref, "run-1", "2025-03-01T00:00:00.000Z", [
      change("u1"),
      change("u2"),
      change("u3"),
    ]);
    const first = await wh.systemEvent(violations, opened, msgRef("v1"));
    assert.deepEqual(first, {
      status: "applied",
      generation: { workspaceId: ref.workspaceId, kind: "system" },
    });
    assert.deepEqual(await wh.systemEvent(violations, opened, msgRef("v1")), { status: "duplicate" });
    // Republished under another message id: the same keys, no second row anywhere.
    assert.equal((await wh.systemEvent(violations, opened, msgRef("v1-again"))).status, "applied");

    const resolved = changed(ref, "run-2", "2025-03-02T00:00:00.000Z", [
      change("u2", {
        transition: "resolved",
        state: "resolved",
        lastSeenAt: "2025-03-01T00:00:00.000Z",
        resolvedAt: "2025-03-02T00:00:00.000Z",
      }),
    ]);
    await wh.systemEvent(violations, resolved, msgRef("v2"));
    // An old message arriving late does not move u2 back to open.
    await wh.systemEvent(
      violations,
      changed(ref, "run-0", "2025-02-28T00:00:00.000Z", [change("u2")]),
      msgRef("v0"),
    );

    const current = await read(
      `SELECT resource_id, state, display_name, details->>'upn' AS upn, CAST(resolved_at AS VARCHAR) AS resolved
       FROM rule_violations WHERE _tl_workspace_id = $ws ORDER BY 1`,
      { ws: ref.workspaceId },
    );
    assert.deepEqual(current, [
      { resource_id: "u1", state: "open", display_name: "User u1", upn: "u1@contoso.test", resolved: null },
      {
        resource_id: "u2",
        state: "resolved",
        display_name: "User u2",
        upn: "u2@contoso.test",
        resolved: "2025-03-02 00:00:00+00",
      },
      { resource_id: "u3", state: "open", display_name: "User u3", upn: "u3@contoso.test", resolved: null },
    ]);
    const events = await read(
      `SELECT run_id, resource_id, transition FROM rule_violation_events WHERE _tl_workspace_id = $ws ORDER BY occurred_at, resource_id`,
      { ws: ref.workspaceId },
    );
    assert.deepEqual(
      events.map((e) => `${e.run_id}:${e.resource_id}:${e.transition}`),
      ["run-0:u2:opened", "run-1:u1:opened", "run-1:u2:opened", "run-1:u3:opened", "run-2:u2:resolved"],
    );
  });

  it("stamps last_seen_at of open violations from an evaluation with a verdict, not from an error", async () => {
    const ref = newRef();
    await wh.systemEvent(
      violations,
      changed(ref, "run-1", "2025-03-01T00:00:00.000Z", [
        change("a"),
        change("b", { transition: "resolved", state: "resolved", resolvedAt: "2025-03-01T00:00:00.000Z" }),
      ]),
      msgRef(`${ref.workspaceId}-v`),
    );
    const lastSeen = async () =>
      Object.fromEntries(
        (
          await read(
            `SELECT resource_id, CAST(last_seen_at AS VARCHAR) AS seen FROM rule_violations WHERE _tl_workspace_id = $ws`,
            { ws: ref.workspaceId },
          )
        ).map((r) => [String(r.resource_id), String(r.seen)]),
      );
    await wh.systemEvent(
      ruleEvaluationsTable,
      evaluated(ref, "run-2", "2025-03-05T00:00:00.000Z", "error"),
      msgRef(`${ref.workspaceId}-e1`),
    );
    assert.deepEqual(await lastSeen(), { a: "2025-03-01 00:00:00+00", b: "2025-03-01 00:00:00+00" });
    await wh.systemEvent(
      ruleEvaluationsTable,
      evaluated(ref, "run-3", "2025-03-06T00:00:00.000Z", "failing"),
      msgRef(`${ref.workspaceId}-e2`),
    );
    assert.deepEqual(await lastSeen(), { a: "2025-03-06 00:00:00+00", b: "2025-03-01 00:00:00+00" });
    const evals = await read(
      `SELECT run_id, status, error FROM rule_evaluations WHERE _tl_workspace_id = $ws ORDER BY run_id`,
      { ws: ref.workspaceId },
    );
    assert.deepEqual(evals, [
      { run_id: "run-2", status: "error", error: "Binder Error: column x" },
      { run_id: "run-3", status: "failing", error: null },
    ]);
  });

  it("keeps rules, suppressions and scores", async () => {
    const ref = newRef();
    const rule = {
      id: "rule_custom0001",
      workspaceId: ref.workspaceId,
      title: "No test users",
      description: "",
      rationale: "",
      severity: "medium" as const,
      tags: ["hygiene"],
      remediation: { text: "Delete them" },
      references: [{ framework: "CIS", id: "5.1.2.3" }],
      queries: [{ sql: "SELECT 1" }],
      evaluation: { kind: "any_row" as const },
      packs: ["hygiene"],
      managed: false,
      enabled: true,
      version: "1",
      createdAt: "2025-03-01T00:00:00.000Z",
      updatedAt: "2025-03-01T00:00:00.000Z",
      updatedBy: "key_1",
    };
    await wh.systemEvent(
      rulesTable,
      { change: "created", rule, at: rule.createdAt },
      msgRef(`${ref.workspaceId}-r1`),
    );
    await wh.systemEvent(
      rulesTable,
      { change: "deleted", rule, at: "2025-03-02T00:00:00.000Z" },
      msgRef(`${ref.workspaceId}-r2`),
    );
    const rules = await read(
      `SELECT rule_id, packs, framework_references->>'$[0].id' AS ref, CAST(deleted_at AS VARCHAR) AS deleted FROM rules WHERE _tl_workspace_id = $ws`,
      { ws: ref.workspaceId },
    );
    assert.deepEqual(rules, [
      { rule_id: "rule_custom0001", packs: ["hygiene"], ref: "5.1.2.3", deleted: "2025-03-02 00:00:00+00" },
    ]);

    const suppression = {
      suppressionId: "sup_abcdefgh01",
      workspaceId: ref.workspaceId,
      scope: "resource" as const,
      integrationId: null,
      ruleId: null,
      resourceId: "u-breakglass",
      reason: "emergency account",
      actor: "key_1",
      createdAt: "2025-03-01T00:00:00.000Z",
      expiresAt: null,
      state: "active" as const,
      endedAt: null,
      endedBy: null,
    };
    await wh.systemEvent(
      ruleSuppressionsTable,
      { change: "created", suppression, at: "2025-03-01T00:00:00.000Z" },
      msgRef(`${ref.workspaceId}-s1`),
    );
    await wh.systemEvent(
      ruleSuppressionsTable,
      {
        change: "lifted",
        suppression: {
          ...suppression,
          state: "lifted",
          endedAt: "2025-03-03T00:00:00.000Z",
          endedBy: "key_2",
        },
        at: "2025-03-03T00:00:00.000Z",
      },
      msgRef(`${ref.workspaceId}-s2`),
    );
    assert.deepEqual(
      await read(`SELECT state, ended_by FROM rule_suppressions WHERE _tl_workspace_id = $ws`, {
        ws: ref.workspaceId,
      }),
      [{ state: "lifted", ended_by: "key_2" }],
    );

    const score = {
      workspaceId: ref.workspaceId,
      integrationId: ref.integrationId,
      runId: "run-9",
      generationId: 9,
      at: "2025-03-04T00:00:00.000Z",
      packId: "eidsca",
      packTitle: "EIDSCA",
      score: 62.5,
      previousScore: null,
      passing: 25,
      failing: 15,
      errors: 1,
      evaluated: 40,
    };
    await wh.systemEvent(complianceScoresTable, score, msgRef(`${ref.workspaceId}-c1`));
    assert.deepEqual(
      await read(`SELECT pack_id, score, evaluated FROM compliance_scores WHERE _tl_workspace_id = $ws`, {
        ws: ref.workspaceId,
      }),
      [{ pack_id: "eidsca", score: 62.5, evaluated: "40" }],
    );
  });
});
