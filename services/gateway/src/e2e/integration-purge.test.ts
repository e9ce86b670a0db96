import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Simulator, type SimulatorTenant, startSimulator } from "@tenantlens/entra-sim";
import { cleanup, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { api, type QueryAnswer, type System, startSystem } from "./system.js";

/**
 * Deleting an integration through every real service: with `purgeData=true` its rows, change
 * history, polls and rule results leave the warehouse in the next generation while another
 * integration of the same workspace keeps everything; without it only the current rows go.
 */

interface Integration {
  id: string;
  lastPoll?: { pollId: string; status: string } | null;
}

describe("end to end: purge on delete", { timeout: 590_000 }, () => {
  let sim: Simulator;
  let sys: System;
  /** keep: stays through the purge, then is deleted without purgeData; purge: deleted with it. */
  const ids = { keep: "", purge: "" };

  const tenant = (i: number): SimulatorTenant => {
    const t = sim.tenants[i];
    if (!t) throw new Error(`simulator tenant ${i} missing`);
    return t;
  };

  async function count(sql: string): Promise<number> {
    const res = await api<QueryAnswer>(sys, "POST", "/api/query", { body: { sql } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return Number(res.body.rows[0]?.n ?? 0);
  }

  const of = (table: string, integration: string) =>
    count(`SELECT count(*) AS n FROM ${table} WHERE integration_id = '${integration}'`);

  async function committedPoll(id: string): Promise<string> {
    return waitFor(
      async () => {
        const res = await api<Integration>(sys, "GET", `/api/integrations/${id}`);
        const p = res.body.lastPoll;
        if (p?.status === "failed") throw new Error(`poll ${p.pollId} failed: ${JSON.stringify(res.body)}`);
        return p && (p.status === "succeeded" || p.status === "partial") ? p.pollId : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 500, what: `a committed poll of ${id}` },
    );
  }

  async function connect(name: string, t: SimulatorTenant): Promise<string> {
    const created = await api<Integration>(sys, "POST", "/api/integrations", {
      body: {
        name,
        tenantId: t.tenantId,
        auth: { mode: "app", clientId: t.clientId, clientSecret: t.clientSecret },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  before(async () => {
    sim = await startSimulator({ seed: 13, tenants: [{ users: 8 }, { users: 6 }] });
    sys = await withServiceLogs(() =>
      startSystem(sim, { POLL_INTERVAL_SECONDS: "3600", POLL_RESOURCES: "users,groups" }),
    );
    // Both are collected at once, in one workspace.
    ids.keep = await connect("Keep", tenant(0));
    ids.purge = await connect("Purge", tenant(1));
    await Promise.all(Object.values(ids).map((id) => committedPoll(id)));
  });

  after(async () => {
    await sys?.stop();
    await sim?.stop();
    await cleanup();
  });

  it("deletes with purgeData=true: its rows and history leave the warehouse, another integration's stay", () =>
    withServiceLogs(async () => {
      const id = ids.purge;
      assert.ok((await of("azuread_user", id)) > 0);
      assert.ok((await of("azuread_user_changes", id)) > 0, "the first poll recorded its objects as added");
      assert.ok((await of("polls", id)) > 0);
      // Rule results are not asserted here: a rules run still in flight when the integration is
      // deleted may record them after the purge (a known gap); the store-level test covers their purge.
      const keptUsers = await of("azuread_user", ids.keep);
      const keptChanges = await of("azuread_user_changes", ids.keep);
      assert.ok(keptUsers > 0 && keptChanges > 0);

      const bad = await api(sys, "DELETE", `/api/integrations/${id}?purgeData=maybe`);
      assert.equal(bad.status, 400);
      const deleted = await api<{
        deleted: boolean;
        purgeData: boolean;
        revokeConsent: { summary: string; clientId: string; steps: string[] };
      }>(sys, "DELETE", `/api/integrations/${id}?purgeData=true`);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.equal(deleted.body.purgeData, true);
      assert.equal(deleted.body.revokeConsent.clientId, tenant(1).clientId);
      assert.ok(deleted.body.revokeConsent.steps.some((s) => /Enterprise applications/.test(s)));

      const tables = ["azuread_user", "azuread_user_changes", "azuread_group_changes", "polls"];
      await waitFor(
        async () => {
          for (const table of tables) if ((await of(table, id)) > 0) return false;
          return true;
        },
        { timeoutMs: 120_000, intervalMs: 500, what: "the purged integration's rows gone from every table" },
      );
      // The integration itself stays listed, as deleted, in `integrations`.
      assert.equal(
        await count(
          `SELECT count(*) AS n FROM integrations WHERE integration_id = '${id}' AND deleted_at IS NOT NULL`,
        ),
        1,
      );
      assert.equal(await of("azuread_user", ids.keep), keptUsers);
      assert.ok((await of("azuread_user_changes", ids.keep)) >= keptChanges);
      assert.ok((await of("polls", ids.keep)) > 0);
    }));

  it("deletes without purgeData: the current rows go, the history stays (as before)", () =>
    withServiceLogs(async () => {
      const id = ids.keep;
      const history = await of("azuread_user_changes", id);
      assert.ok(history > 0);
      const deleted = await api<{ purgeData: boolean }>(sys, "DELETE", `/api/integrations/${id}`);
      assert.equal(deleted.status, 200);
      assert.equal(deleted.body.purgeData, false);
      await waitFor(async () => (await of("azuread_user", id)) === 0, {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: "the current rows gone",
      });
      assert.equal(await of("azuread_user_changes", id), history);
      assert.ok((await of("polls", id)) > 0);
    }));
});
