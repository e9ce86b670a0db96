import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { tempDuckDbPath } from "@tenantlens/testkit";
import { StateDb } from "./state-db.js";
import { isPurged, purgeWorkspaceState } from "./workspace-purge.js";

/** The rules state of a deleted workspace goes, in one transaction, once; the other stays. */
describe("purging a workspace from the rules state", () => {
  let db: StateDb;

  before(async () => {
    db = await StateDb.open(tempDuckDbPath("rules.duckdb"));
    await db.transaction(async (sql) => {
      for (const ws of ["gone", "kept"]) {
        await sql.run("INSERT INTO workspaces VALUES ($ws, 0, now())", { ws });
        await sql.run(
          `INSERT INTO rules (workspace_id, rule_id, managed, enabled) VALUES ($ws, 'r1', true, true), ($ws, 'r2', false, true)`,
          { ws },
        );
        await sql.run(
          `INSERT INTO violations (workspace_id, integration_id, rule_id, resource_id, state) VALUES ($ws, 'int_x', 'r1', 'u1', 'open')`,
          { ws },
        );
        await sql.run(`INSERT INTO suppressions (suppression_id, workspace_id) VALUES ($id, $ws)`, {
          id: `sup-${ws}`,
          ws,
        });
        await sql.run("INSERT INTO outbox VALUES (1, 'rules.run.completed', $p::JSON, now())", {
          p: JSON.stringify({ workspaceId: ws, runId: "x" }),
        });
        await sql.run("INSERT INTO outbox VALUES (2, 'rules.rule.changed', $p::JSON, now())", {
          p: JSON.stringify({ rule: { workspaceId: ws } }),
        });
      }
    });
  });
  after(() => db.close());

  const count = async (table: string, ws: string) =>
    Number(
      (await db.read().all(`SELECT count(*)::INTEGER AS n FROM ${table} WHERE workspace_id = $ws`, { ws }))[0]
        ?.n,
    );

  it("removes every row of the workspace and its pending events, then finds nothing", async () => {
    const removed = await db.transaction((sql) => purgeWorkspaceState(sql, "gone", new Date().toISOString()));
    assert.equal(removed.rules, 2);
    assert.equal(removed.violations, 1);
    assert.equal(removed.suppressions, 1);
    assert.equal(removed.workspaces, 1);
    assert.equal(removed.outbox, 2);
    for (const t of ["rules", "violations", "suppressions", "workspaces"]) {
      assert.equal(await count(t, "gone"), 0, t);
      assert.ok((await count(t, "kept")) > 0, t);
    }
    const outbox = await db.read().all("SELECT count(*)::INTEGER AS n FROM outbox");
    assert.equal(Number(outbox[0]?.n), 2, "the other workspace's events stay");
    assert.ok(await isPurged(db.read(), "gone"));
    assert.ok(!(await isPurged(db.read(), "kept")));

    const again = await db.transaction((sql) => purgeWorkspaceState(sql, "gone", new Date().toISOString()));
    assert.ok(
      Object.values(again).every((n) => n === 0),
      JSON.stringify(again),
    );
    assert.equal(await count("purged_workspaces", "gone"), 1);
  });
});
