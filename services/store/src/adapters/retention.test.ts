import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queryHistoryTable } from "../domain/system-tables.js";
import { msgRef, newPollId, newRef, page, userObject } from "../testing/fixtures.js";
import { openTempWarehouse } from "../testing/temp-warehouse.js";
import type { Warehouse } from "../warehouse.js";
import { pruneHistory } from "./retention.js";

describe("history retention", () => {
  let wh: Warehouse;
  let close: () => Promise<void>;
  before(async () => {
    ({ wh, close } = await openTempWarehouse());
  });
  after(() => close());

  it("prunes change rows and query history older than the window, keeps the rest and the current state", async () => {
    const ref = newRef();
    const old = newPollId();
    const recent = newPollId();
    await wh.pageCollected(
      page(ref, old, { objects: [userObject(1), userObject(2)], at: "2024-01-01T00:00:00Z" }),
      msgRef(`${old}.0`),
    );
    await wh.pageCollected(
      page(ref, recent, {
        objects: [userObject(1, { displayName: "New" }), userObject(3)],
        at: "2025-06-01T00:00:00Z",
      }),
      msgRef(`${recent}.0`),
    );
    for (const [id, startedAt] of [
      ["q-old", "2024-01-01T00:00:00Z"],
      ["q-new", "2025-06-01T00:00:00Z"],
    ] as const) {
      await wh.systemEvent(
        queryHistoryTable,
        {
          queryId: id,
          workspaceId: ref.workspaceId,
          actor: "a",
          sql: "SELECT 1",
          startedAt,
          durationMs: 1,
          rowCount: 1,
          outcome: "ok",
          error: null,
          generationId: null,
        },
        msgRef(id),
      );
    }
    const versionsBefore = await wh.db
      .read()
      .all(`SELECT table_name, version FROM _tl_table_versions WHERE workspace_id = $ws ORDER BY 1`, {
        ws: ref.workspaceId,
      });

    const r = await pruneHistory(wh.db, wh.schema, { days: 365, now: new Date("2025-07-01T00:00:00Z") });
    assert.equal(r.deleted, 3, "two 'added' rows of 2024 and one query");

    const read = wh.db.read();
    const changes = await read.all(
      `SELECT resource_id, change_type FROM azuread_user_changes WHERE integration_id = $i ORDER BY resource_id`,
      { i: ref.integrationId },
    );
    assert.deepEqual(
      changes.map((c) => [String(c.resource_id).slice(-1), c.change_type]),
      [
        ["1", "modified"],
        ["3", "added"],
      ],
    );
    const queries = await read.all(`SELECT query_id FROM query_history WHERE _tl_workspace_id = $ws`, {
      ws: ref.workspaceId,
    });
    assert.deepEqual(queries, [{ query_id: "q-new" }]);
    const current = await read.all(`SELECT count(*) AS n FROM azuread_user WHERE integration_id = $i`, {
      i: ref.integrationId,
    });
    assert.equal(current[0]?.n, "3", "the current state is never pruned");

    const versionsAfter = await read.all(
      `SELECT table_name, version FROM _tl_table_versions WHERE workspace_id = $ws ORDER BY 1`,
      { ws: ref.workspaceId },
    );
    const v = (rows: typeof versionsAfter, name: string) =>
      Number(rows.find((x) => x.table_name === name)?.version);
    assert.equal(v(versionsAfter, "azuread_user_changes"), v(versionsBefore, "azuread_user_changes") + 1);
    assert.equal(v(versionsAfter, "query_history"), v(versionsBefore, "query_history") + 1);
    assert.equal(v(versionsAfter, "azuread_user"), v(versionsBefore, "azuread_user"));

    // Nothing left to prune: a second run is a no-op.
    assert.equal(
      (await pruneHistory(wh.db, wh.schema, { days: 365, now: new Date("2025-07-01T00:00:00Z") })).deleted,
      0,
    );
  });

  it("refuses a retention under one day", async () => {
    await assert.rejects(pruneHistory(wh.db, wh.schema, { days: 0 }), /at least one day/);
  });
});
