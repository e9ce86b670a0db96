import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startSimulator } from "@tenantlens/entra-sim";
import { cleanup, type NatsServer, startNats, stopAll, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { api, type QueryAnswer, type Replica, type ScaleSystem, scaleSystem } from "./system.js";

/**
 * Issue 17, point 5b: two gateways and two query services on one bus. Both gateways answer; with
 * either query replica killed the other answers every query; a killed gateway leaves the other
 * serving. The replicas share requests through their queue groups, so nothing but starting them is
 * configured (each query replica names itself in generation leases).
 */

const SQL = "SELECT user_type, count(*) AS n FROM azuread_user GROUP BY ALL ORDER BY 1";

interface IntegrationView {
  lastPoll: { pollId: string; status: string } | null;
}

describe("two replicas of the gateway and of query", { timeout: 600_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let nats: NatsServer;
  let sys: ScaleSystem;
  let gateways: Array<Replica & { baseUrl: string }> = [];
  let queries: Replica[] = [];
  let expected: unknown;

  const at = (g: { baseUrl: string }) => ({ baseUrl: g.baseUrl, apiKey: sys.apiKey });
  const ask = async (g: { baseUrl: string }) => {
    const res = await api<QueryAnswer>(at(g), "POST", "/api/query", { body: { sql: SQL } });
    assert.equal(res.status, 200, `${g.baseUrl}: ${JSON.stringify(res.body)}`);
    return res.body.rows;
  };

  before(async () => {
    sim = await startSimulator({ seed: 5, tenants: [{ users: 250 }] });
    nats = await startNats();
    sys = scaleSystem(nats, sim, { PAGE_SIZE: "200", POLL_RESOURCES: "users,groups" });
    await withServiceLogs(async () => {
      for (const name of ["auth", "store", "poller"]) await sys.start(name);
      queries = [
        await sys.start("query", { QUERY_READER_ID: "query-a", QUERY_WORKERS: "1" }),
        await sys.start("query", { QUERY_READER_ID: "query-b", QUERY_WORKERS: "1" }),
      ];
      gateways = [await sys.startGateway(), await sys.startGateway()];
    });
  });

  after(async () => {
    await sys?.stop();
    await stopAll();
    await sim?.stop();
    await cleanup();
  });

  it("an integration created through one gateway is collected and visible through the other", async () => {
    await withServiceLogs(async () => {
      const [g1, g2] = gateways as [Replica & { baseUrl: string }, Replica & { baseUrl: string }];
      const tenant = sim.tenants[0]!;
      const created = await api<{ id: string }>(at(g1), "POST", "/api/integrations", {
        body: {
          name: "Replicated tenant",
          tenantId: tenant.tenantId,
          auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const poll = await api<{ pollId: string }>(
        at(g2),
        "POST",
        `/api/integrations/${created.body.id}/polls`,
        {
          body: {},
        },
      );
      assert.equal(poll.status, 202, JSON.stringify(poll.body));
      await waitFor(
        async () => {
          const p = (await api<IntegrationView>(at(g1), "GET", `/api/integrations/${created.body.id}`)).body
            .lastPoll;
          if (p?.pollId === poll.body.pollId && p.status === "failed") throw new Error("poll failed");
          return p?.pollId === poll.body.pollId && p.status === "succeeded";
        },
        { timeoutMs: 300_000, intervalMs: 500, what: "the poll to be committed" },
      );
      const stats = await sim.control.request<{ users: { members: number; guests: number } }>(
        "GET",
        `/_sim/tenants/${tenant.tenantId}/stats`,
      );
      expected = [
        { user_type: "Guest", n: stats.users.guests },
        { user_type: "Member", n: stats.users.members },
      ].filter((r) => r.n > 0);
      const norm = (rows: Record<string, unknown>[]) =>
        rows.map((r) => ({ user_type: r.user_type, n: Number(r.n) }));
      assert.deepEqual(norm(await ask(g1)), expected);
      assert.deepEqual(norm(await ask(g2)), expected);
    });
  });

  it("each query replica alone answers every query", async () => {
    await withServiceLogs(async () => {
      const [qa, qb] = queries as [Replica, Replica];
      const [g1, g2] = gateways as [Replica & { baseUrl: string }, Replica & { baseUrl: string }];
      const reference = await ask(g1);
      // Only query-b runs: every query below is its answer.
      await qa.proc.stop();
      for (let i = 0; i < 4; i++) assert.deepEqual(await ask(i % 2 ? g1 : g2), reference);
      // Only query-a runs (started again): every query below is its answer.
      queries[0] = await sys.start("query", qa.env);
      await qb.proc.stop();
      for (let i = 0; i < 4; i++) assert.deepEqual(await ask(i % 2 ? g1 : g2), reference);
    });
  });

  it("a killed gateway leaves the other one serving", async () => {
    await withServiceLogs(async () => {
      const [g1, g2] = gateways as [Replica & { baseUrl: string }, Replica & { baseUrl: string }];
      const reference = await ask(g2);
      await g1.proc.kill();
      await assert.rejects(fetch(`${g1.baseUrl}/healthz`), "the killed gateway no longer answers");
      assert.deepEqual(await ask(g2), reference);
      const who = await api<{ workspaceId: string }>(at(g2), "GET", "/api/whoami");
      assert.equal(who.status, 200);
    });
  });
});
