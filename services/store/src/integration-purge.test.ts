import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EventPayload, Integration, RuleEvaluated } from "@tenantlens/contracts";
import { integrationsTable, ruleEvaluationsTable } from "./domain/system-tables.js";
import {
  msgRef,
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  type Ref,
  userObject,
} from "./testing/fixtures.js";
import { openTempWarehouse } from "./testing/temp-warehouse.js";
import type { Warehouse } from "./warehouse.js";

/**
 * Deleting an integration with `purgeData` on a real warehouse file: its current rows, change
 * history, polls and rule results go in the same transaction as the deletion (and a generation that
 * re-exports the collected tables is requested); another integration of the same workspace keeps
 * everything; without `purgeData` the history stays.
 */
describe("deleting an integration with purgeData", () => {
  let wh: Warehouse;
  let close: () => Promise<void>;
  before(async () => {
    ({ wh, close } = await openTempWarehouse());
  });
  after(() => close());

  const integration = (ref: Ref): Integration => ({
    id: ref.integrationId,
    workspaceId: ref.workspaceId,
    name: "Contoso",
    tenantId: ref.tenantId,
    authMode: "app",
    clientId: "client",
    status: "active",
    statusReason: null,
    enabled: true,
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
  });

  const evaluated = (ref: Ref): EventPayload<typeof RuleEvaluated> => ({
    workspaceId: ref.workspaceId,
    integrationId: ref.integrationId,
    runId: `run-${ref.integrationId}`,
    generationId: 1,
    at: "2025-01-02T00:00:00.000Z",
    ruleId: "aad-disabled-users",
    title: "Disabled accounts",
    severity: "low",
    packs: ["essentials"],
    managed: true,
    status: "failing",
    violationCount: 1,
    durationMs: 1,
    error: null,
  });

  async function collected(ref: Ref, users: number): Promise<void> {
    await wh.systemEvent(
      integrationsTable,
      { change: "created", integration: integration(ref), at: "2025-01-01T00:00:00.000Z" },
      msgRef(`${ref.integrationId}.created`),
    );
    const pollId = newPollId();
    const at = "2025-01-01T00:00:00.000Z";
    await wh.pollStarted(pollStarted(ref, pollId, at), msgRef(`${pollId}.started`));
    const objects = Array.from({ length: users }, (_, i) => userObject(i));
    await wh.pageCollected(page(ref, pollId, { objects, at }), msgRef(`${pollId}.users`));
    await wh.pollCompleted(pollCompleted(ref, pollId, { startedAt: at, at }), msgRef(`${pollId}.completed`));
    await wh.systemEvent(ruleEvaluationsTable, evaluated(ref), msgRef(`${ref.integrationId}.evaluated`));
  }

  async function rows(table: string, ref: Ref): Promise<number> {
    const r = await wh.db
      .read()
      .all(`SELECT count(*)::INTEGER AS n FROM ${table} WHERE integration_id = $i`, { i: ref.integrationId });
    return Number(r[0]?.n ?? 0);
  }

  const tables = ["azuread_user", "azuread_user_changes", "polls", "rule_evaluations"];

  async function all(ref: Ref): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = await rows(t, ref);
    return out;
  }

  function deleted(ref: Ref, purgeData?: boolean) {
    return {
      change: "deleted" as const,
      integration: { ...integration(ref), updatedAt: "2025-01-03T00:00:00.000Z" },
      at: "2025-01-03T00:00:00.000Z",
      ...(purgeData === undefined ? {} : { purgeData }),
    };
  }

  it("removes every row of the integration, keeps the other's and its own integrations row", async () => {
    const purged = newRef();
    const kept = newRef(purged.workspaceId);
    await collected(purged, 3);
    await collected(kept, 2);
    assert.deepEqual(await all(purged), {
      azuread_user: 3,
      azuread_user_changes: 3,
      polls: 1,
      rule_evaluations: 1,
    });
    const before = await all(kept);

    const res = await wh.systemEvent(integrationsTable, deleted(purged, true), msgRef("purge"));
    assert.deepEqual(res, {
      status: "applied",
      generation: { workspaceId: purged.workspaceId, kind: "poll" },
    });
    assert.deepEqual(await all(purged), {
      azuread_user: 0,
      azuread_user_changes: 0,
      polls: 0,
      rule_evaluations: 0,
    });
    assert.deepEqual(await all(kept), before);
    const own = await wh.db
      .read()
      .all(`SELECT deleted_at IS NOT NULL AS deleted FROM integrations WHERE integration_id = $i`, {
        i: purged.integrationId,
      });
    assert.deepEqual(
      own.map((r) => r.deleted),
      [true],
    );
    // A generation is due for the workspace: the next one no longer holds the purged rows.
    const due = await wh.db
      .read()
      .all(
        `SELECT kind FROM _tl_generation_requests WHERE workspace_id = $ws AND request_id = 'purge#${purged.workspaceId}'`,
        {
          ws: purged.workspaceId,
        },
      );
    assert.deepEqual(
      due.map((r) => r.kind),
      ["poll"],
    );
  });

  it("without purgeData only the current rows go: history, polls and rule results stay", async () => {
    const ref = newRef();
    await collected(ref, 2);
    await wh.systemEvent(integrationsTable, deleted(ref), msgRef("plain"));
    assert.deepEqual(await all(ref), {
      azuread_user: 0,
      azuread_user_changes: 2,
      polls: 1,
      rule_evaluations: 1,
    });
  });
});
