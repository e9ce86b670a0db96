import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startSimulator } from "@tenantlens/entra-sim";
import {
  cleanup,
  type NatsServer,
  rowsByWorkspace,
  startNats,
  stopAll,
  tempDir,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";
import { shardOf } from "../../services/store/src/domain/shard.js";
import { api, type QueryAnswer, type Replica, type ScaleSystem, scaleSystem } from "./system.js";

/**
 * Issue 17, point 5c: the store sharded by workspace across two processes (STORE_SHARD=0/2 and 1/2),
 * each with a data directory of its own. Two workspaces that hash to different shards each collect
 * a tenant; each workspace's rows and generations land only in its shard's directory, and both
 * shards answer: the gateway shows each poll (store.poll.list) and each workspace's SQL (query reads
 * the generation its shard announced) with the simulator's numbers.
 */

const SQL = "SELECT count(*) AS users, count(DISTINCT id) AS ids FROM azuread_user";

interface IntegrationView {
  lastPoll: { pollId: string; status: string } | null;
  counts: Record<string, number> | null;
}

describe("the store sharded by workspace across two processes", { timeout: 600_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let nats: NatsServer;
  let sys: ScaleSystem;
  let gw = "";
  const shardDirs = [tempDir("tl-shard0"), tempDir("tl-shard1")];
  const stores: Replica[] = [];
  // "default" and a workspace that hashes to the other shard.
  const other = ["ws-blue", "ws-green", "ws-red", "ws-amber", "ws-teal"].find(
    (id) => shardOf(id, 2) !== shardOf("default", 2),
  ) as string;
  const workspaces = ["default", other];
  const keys: Record<string, string> = {};

  before(async () => {
    sim = await startSimulator({ seed: 29, tenants: [{ users: 150 }, { users: 220 }] });
    nats = await startNats();
    sys = scaleSystem(nats, sim, { PAGE_SIZE: "200", POLL_RESOURCES: "users,groups" });
    await withServiceLogs(async () => {
      await sys.start("auth");
      for (const i of [0, 1])
        stores.push(
          await sys.start("store", { STORE_SHARD: `${i}/2`, TENANTLENS_DATA_DIR: shardDirs[i] as string }),
        );
      for (const name of ["query", "poller"]) await sys.start(name);
      gw = (await sys.startGateway()).baseUrl;
    });
    keys.default = sys.apiKey;
    const created = await api<{ apiKey: { key: string } }>(
      { baseUrl: gw, apiKey: sys.apiKey },
      "POST",
      "/api/workspaces",
      {
        body: { id: other },
      },
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    keys[other] = created.body.apiKey.key;
  });

  after(async () => {
    await sys?.stop();
    await stopAll();
    await sim?.stop();
    await cleanup();
  });

  it("the two workspaces belong to different shards", () => {
    assert.notEqual(shardOf(workspaces[0] as string, 2), shardOf(workspaces[1] as string, 2));
  });

  it("each workspace's poll is committed and answered by its own shard", async () => {
    await withServiceLogs(async () => {
      for (const [i, ws] of workspaces.entries()) {
        const at = { baseUrl: gw, apiKey: keys[ws] as string };
        const tenant = sim.tenants[i]!;
        const created = await api<{ id: string }>(at, "POST", "/api/integrations", {
          body: {
            name: `Tenant of ${ws}`,
            tenantId: tenant.tenantId,
            auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
          },
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const poll = await api<{ pollId: string }>(at, "POST", `/api/integrations/${created.body.id}/polls`, {
          body: {},
        });
        assert.equal(poll.status, 202, JSON.stringify(poll.body));
        const stats = await sim.control.request<{ users: { total: number } }>(
          "GET",
          `/_sim/tenants/${tenant.tenantId}/stats`,
        );
        const view = await waitFor(
          async () => {
            const v = (await api<IntegrationView>(at, "GET", `/api/integrations/${created.body.id}`)).body;
            if (v.lastPoll?.pollId === poll.body.pollId && v.lastPoll.status === "failed")
              throw new Error("poll failed");
            return v.lastPoll?.pollId === poll.body.pollId && v.lastPoll.status === "succeeded"
              ? v
              : undefined;
          },
          { timeoutMs: 300_000, intervalMs: 500, what: `${ws}'s poll to be committed` },
        );
        assert.equal(view.counts?.azuread_user, stats.users.total, `${ws}: counts from its shard`);
        const res = await api<QueryAnswer>(at, "POST", "/api/query", { body: { sql: SQL } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(
          Number(res.body.rows[0]?.users),
          stats.users.total,
          `${ws}: SQL over its shard's generation`,
        );
        assert.equal(Number(res.body.rows[0]?.ids), stats.users.total);
      }
    });
  });

  it("each workspace's data is only in its shard's data directory", async () => {
    for (const s of stores) {
      process.kill(s.proc.pid, "SIGTERM");
      assert.equal(await s.proc.exited, 0, "the shard stopped cleanly");
    }
    for (const ws of workspaces) {
      const mine = shardOf(ws, 2);
      const theirs = 1 - mine;
      const gens = (i: number) => path.join(shardDirs[i] as string, "generations", ws);
      assert.ok(
        existsSync(gens(mine)) && readdirSync(gens(mine)).length > 0,
        `${ws}: generations in shard ${mine}`,
      );
      assert.equal(existsSync(gens(theirs)), false, `${ws}: no generation in shard ${theirs}`);
      const file = (i: number) => path.join(shardDirs[i] as string, "warehouse", "warehouse.duckdb");
      const own = await rowsByWorkspace(file(mine), ws);
      assert.ok((own.azuread_user ?? 0) > 0, `${ws}: users in shard ${mine}`);
      const foreign = await rowsByWorkspace(file(theirs), ws);
      const leaked = Object.entries(foreign).filter(([, n]) => n > 0);
      assert.deepEqual(leaked, [], `${ws}: nothing in shard ${theirs}`);
    }
  });
});
