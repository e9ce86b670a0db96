import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Integration } from "@tenantlens/contracts";
import { catalog } from "@tenantlens/graph";
import { countTables, listPolls } from "./adapters/reads.js";
import { integrationsTable, queryHistoryTable } from "./domain/system-tables.js";
import {
  msgRef,
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  userObject,
} from "./testing/fixtures.js";
import { openTempWarehouse } from "./testing/temp-warehouse.js";
import type { Warehouse } from "./warehouse.js";

describe("system tables and reads", () => {
  let wh: Warehouse;
  let close: () => Promise<void>;
  before(async () => {
    ({ wh, close } = await openTempWarehouse());
  });
  after(() => close());

  const integration = (ref: ReturnType<typeof newRef>, o: Partial<Integration> = {}): Integration => ({
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
    ...o,
  });

  it("upserts integrations, ignores an older event arriving late, purges current rows on delete", async () => {
    const ref = newRef();
    const ev = (change: "created" | "updated" | "deleted", o: Partial<Integration>, at: string) => ({
      change,
      integration: integration(ref, o),
      at,
    });
    await wh.systemEvent(integrationsTable, ev("created", {}, "2025-01-01T00:00:00Z"), msgRef("i1"));
    await wh.systemEvent(
      integrationsTable,
      ev(
        "updated",
        { status: "broken", statusReason: "secret expired", updatedAt: "2025-01-03T00:00:00.000Z" },
        "2025-01-03T00:00:00Z",
      ),
      msgRef("i2"),
    );
    const late = await wh.systemEvent(
      integrationsTable,
      ev("updated", { name: "stale", updatedAt: "2025-01-02T00:00:00.000Z" }, "2025-01-02T00:00:00Z"),
      msgRef("i3"),
    );
    assert.deepEqual(late, { status: "applied" });
    const read = () =>
      wh.db
        .read()
        .all(
          `SELECT name, status, status_reason, deleted_at IS NOT NULL AS deleted FROM integrations WHERE integration_id = $i`,
          {
            i: ref.integrationId,
          },
        );
    assert.deepEqual(await read(), [
      { name: "Contoso", status: "broken", status_reason: "secret expired", deleted: false },
    ]);

    const pollId = newPollId();
    await wh.pageCollected(
      page(ref, pollId, { objects: [userObject(1)], at: "2025-01-03T00:00:00Z" }),
      msgRef(`${pollId}.p`),
    );
    const del = await wh.systemEvent(
      integrationsTable,
      ev("deleted", { updatedAt: "2025-01-03T00:00:00.000Z", status: "broken" }, "2025-01-04T00:00:00Z"),
      msgRef("i4"),
    );
    assert.deepEqual(del, { status: "applied", generation: { workspaceId: ref.workspaceId, kind: "poll" } });
    assert.deepEqual(await read(), [
      { name: "Contoso", status: "broken", status_reason: null, deleted: true },
    ]);
    const counts = await countTables(wh.db.read(), wh.schema, ref);
    assert.equal(counts.find((c) => c.table === "azuread_user")?.rows, 0);
    const history = await wh.db
      .read()
      .all(`SELECT count(*) AS n FROM azuread_user_changes WHERE integration_id = $i`, {
        i: ref.integrationId,
      });
    assert.equal(history[0]?.n, "1", "history stays");
  });

  it("appends query history once per query id", async () => {
    const ref = newRef();
    const q = {
      queryId: "q-1",
      workspaceId: ref.workspaceId,
      actor: "key_1",
      sql: "SELECT count(*) FROM azuread_user",
      startedAt: "2025-01-01T00:00:00Z",
      durationMs: 12.5,
      rowCount: 1,
      outcome: "ok",
      error: null,
      generationId: 3,
    };
    await wh.systemEvent(queryHistoryTable, q, msgRef("q1"));
    // Published twice under another message id: still one row.
    assert.deepEqual(await wh.systemEvent(queryHistoryTable, q, msgRef("q1-again")), { status: "applied" });
    const rows = await wh.db
      .read()
      .all(
        `SELECT actor, duration_ms, row_count, generation_id FROM query_history WHERE _tl_workspace_id = $ws`,
        { ws: ref.workspaceId },
      );
    assert.deepEqual(rows, [{ actor: "key_1", duration_ms: 12.5, row_count: "1", generation_id: "3" }]);
  });

  it("lists polls and counts tables per integration", async () => {
    const ref = newRef();
    const p1 = newPollId();
    await wh.pollStarted(pollStarted(ref, p1, "2025-01-01T00:00:00Z"), msgRef(`${p1}.s`));
    await wh.pageCollected(
      page(ref, p1, { objects: [userObject(1), userObject(2)], at: "2025-01-01T00:00:01Z" }),
      msgRef(`${p1}.p`),
    );
    await wh.pollCompleted(
      pollCompleted(ref, p1, { startedAt: "2025-01-01T00:00:00Z", at: "2025-01-01T00:00:02Z" }),
      msgRef(`${p1}.c`),
    );
    const p2 = newPollId();
    await wh.pollStarted(pollStarted(ref, p2, "2025-01-02T00:00:00Z"), msgRef(`${p2}.s`));

    const polls = await listPolls(wh.db.read(), { workspaceId: ref.workspaceId, limit: 10 });
    assert.deepEqual(
      polls.map((p) => [p.pollId, p.status, p.changes.added]),
      [
        [p2, "running", 0],
        [p1, "succeeded", 2],
      ],
    );
    assert.equal(polls[1]?.startedAt, "2025-01-01T00:00:00.000Z");
    assert.equal(polls[1]?.completedAt, "2025-01-01T00:00:02.000Z");
    assert.equal(polls[1]?.resources[0]?.resource, "users");
    const one = await listPolls(wh.db.read(), { workspaceId: ref.workspaceId, pollId: p1, limit: 10 });
    assert.equal(one.length, 1);
    const other = await listPolls(wh.db.read(), { workspaceId: "someone-else", limit: 10 });
    assert.deepEqual(other, []);

    const counts = await countTables(wh.db.read(), wh.schema, ref);
    assert.equal(counts.length, catalog.length);
    assert.deepEqual(
      counts.find((c) => c.resource === "users"),
      { resource: "users", table: "azuread_user", rows: 2 },
    );
  });
});
