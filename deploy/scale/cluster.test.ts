import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import { startSimulator } from "@tenantlens/entra-sim";
import {
  cleanup,
  connectTestBus,
  type NatsCluster,
  startNatsCluster,
  stopAll,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";
import { api, type QueryAnswer, type ScaleSystem, scaleSystem } from "./system.js";

/**
 * Issue 17, point 5a: three nats-server processes as one cluster, every stream, KV bucket and object
 * store created with three replicas (TL_STREAM_REPLICAS=3). The server leading the collection stream
 * is SIGKILLed while a poll's pages flow; the poll still completes and the warehouse holds exactly
 * the simulator's users and groups, each once.
 */

const USERS = 1200;

interface Stats {
  users: { total: number };
  groups: { total: number };
}

interface IntegrationView {
  lastPoll: { pollId: string; status: string } | null;
  counts: Record<string, number> | null;
}

describe("a three-server NATS cluster loses a server mid-poll", { timeout: 600_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let cluster: NatsCluster;
  let sys: ScaleSystem;
  let gw = { baseUrl: "", apiKey: "" };
  let bus: Bus;
  let stats: Stats;

  before(async () => {
    sim = await startSimulator({ seed: 17, tenants: [{ users: USERS }] });
    cluster = await startNatsCluster({ size: 3 });
    sys = scaleSystem(cluster, sim, {
      TL_STREAM_REPLICAS: "3",
      PAGE_SIZE: "100",
      POLL_RESOURCES: "users,groups",
    });
    await withServiceLogs(async () => {
      for (const name of ["auth", "store", "query", "poller"]) await sys.start(name);
      const g = await sys.startGateway();
      gw = { baseUrl: g.baseUrl, apiKey: sys.apiKey };
    });
    bus = await connectTestBus(cluster, { service: "gateway", label: "cluster-test" });
    const tenant = sim.tenants[0]!;
    stats = await sim.control.request<Stats>("GET", `/_sim/tenants/${tenant.tenantId}/stats`);
  });

  after(async () => {
    await bus?.drain().catch(() => {});
    await sys?.stop();
    await stopAll();
    await sim?.stop();
    await cleanup();
  });

  it("creates every stream and bucket with three replicas", async () => {
    for (const stream of ["TL_COLLECT", "TL_AUTH", "TL_STORE", "KV_tl_integrations", "KV_tl_api_keys"]) {
      const info = await bus.jsm.streams.info(stream);
      assert.equal(info.config.num_replicas, 3, stream);
      assert.equal((info.cluster?.replicas ?? []).length, 2, `${stream}: two followers besides the leader`);
    }
  });

  it("SIGKILL of the collection stream's leader mid-poll: the poll completes, nothing is lost", async () => {
    await withServiceLogs(async () => {
      const tenant = sim.tenants[0]!;
      // Slow pages, so the poll is still streaming when the server dies.
      await sim.control.request("PUT", `/_sim/tenants/${tenant.tenantId}/faults`, {
        rules: [{ type: "slow", delayMs: 200, rate: 1, pathPrefix: "/users" }],
      });
      const created = await api<{ id: string }>(gw, "POST", "/api/integrations", {
        body: {
          name: "Cluster tenant",
          tenantId: tenant.tenantId,
          auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id;
      const poll = await api<{ pollId: string }>(gw, "POST", `/api/integrations/${id}/polls`, { body: {} });
      assert.equal(poll.status, 202, JSON.stringify(poll.body));

      // Pages are flowing: the store has been handed some of them.
      await waitFor(
        async () => (await bus.jsm.consumers.info("TL_COLLECT", "store-collect")).delivered.stream_seq > 4,
        {
          timeoutMs: 120_000,
          intervalMs: 50,
          what: "the store to receive the poll's first pages",
        },
      );
      const leader = (await bus.jsm.streams.info("TL_COLLECT")).cluster?.leader;
      assert.ok(leader, "TL_COLLECT has a leader");
      const atKill = await api<IntegrationView>(gw, "GET", `/api/integrations/${id}`);
      assert.equal(atKill.body.lastPoll?.status, "running", "the kill lands while the poll runs");
      await cluster.node(leader).kill();

      // Another server takes the stream over.
      const newLeader = await waitFor(
        async () => {
          const l = (await bus.jsm.streams.info("TL_COLLECT")).cluster?.leader;
          return l && l !== leader ? l : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: "a new TL_COLLECT leader" },
      );
      assert.notEqual(newLeader, leader);
      await sim.control.request("DELETE", `/_sim/tenants/${tenant.tenantId}/faults`);

      const view = await waitFor(
        async () => {
          const res = await api<IntegrationView>(gw, "GET", `/api/integrations/${id}`);
          const p = res.body.lastPoll;
          const ended = p?.status === "succeeded" || p?.status === "partial" || p?.status === "failed";
          return p?.pollId === poll.body.pollId && ended ? res.body : undefined;
        },
        { timeoutMs: 300_000, intervalMs: 500, what: "the poll to end" },
      );
      assert.equal(view.lastPoll?.status, "succeeded", JSON.stringify(view));
      assert.equal(view.counts?.azuread_user, stats.users.total);
      assert.equal(view.counts?.azuread_group, stats.groups.total);

      const res = await api<QueryAnswer>(gw, "POST", "/api/query", {
        body: {
          sql: `SELECT (SELECT count(*) FROM azuread_user) AS users,
                       (SELECT count(DISTINCT id) FROM azuread_user) AS distinct_users,
                       (SELECT count(*) FROM azuread_group) AS groups,
                       (SELECT count(*) FROM azuread_user_changes) AS user_changes`,
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const r = res.body.rows[0] ?? {};
      assert.equal(Number(r.users), stats.users.total);
      assert.equal(Number(r.distinct_users), stats.users.total);
      assert.equal(Number(r.groups), stats.groups.total);
      // Each user was added exactly once: no page was applied twice or lost.
      assert.equal(Number(r.user_changes), stats.users.total);
    });
  });
});
