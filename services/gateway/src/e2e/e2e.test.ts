import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import { startSimulator } from "@tenantlens/entra-sim";
import { cleanup, connectTestBus, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { allRoutes } from "../routes/index.js";
import { fillPath, sampleBody } from "../testing/route-walk.js";
import { api, queryCounts, type System, startSystem } from "./system.js";

/**
 * Issue 3's proof: a tenant's users and groups flow from the simulator's Graph through the poller,
 * JetStream and the store into SQL, every service its own process; the answers match the
 * simulator's own counts, survive a kill -9 of the store in the middle of a poll, and another
 * workspace sees none of it.
 */

const USERS = 1500;
const USERS_SQL = "SELECT user_type, count(*) FROM azuread_user GROUP BY ALL";
// Agreed with the simulator's stats(): Microsoft 365 = groupTypes has Unified; mail-enabled
// security = securityEnabled and mailEnabled; everything else is a security group.
const GROUPS_SQL = `SELECT CASE
    WHEN list_contains(group_types, 'Unified') THEN 'microsoft365'
    WHEN security_enabled AND mail_enabled THEN 'mailEnabledSecurity'
    ELSE 'security' END AS group_type,
  count(*) AS groups
FROM azuread_group GROUP BY ALL`;

interface Stats {
  users: { total: number; members: number; guests: number };
  groups: { total: number; security: number; microsoft365: number; mailEnabledSecurity: number };
}

interface IntegrationView {
  id: string;
  status: string;
  lastPoll: {
    pollId: string;
    status: string;
    committedAt: string | null;
    resources: { resource: string; outcome: string; reason: string | null }[];
  } | null;
  counts: Record<string, number> | null;
}

function withoutZeros(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0));
}

describe("end to end: Graph → poller → JetStream → store → SQL", { timeout: 600_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let sys: System;
  let bus: Bus;
  let integrationId = "";
  let stats: Stats;
  let firstAnswers: { users: Record<string, number>; groups: Record<string, number>; changes: number };

  before(async () => {
    sim = await startSimulator({ seed: 3, tenants: [{ users: USERS }] });
    // No schedule (only on-create and manual polls) and small pages, so a poll spans many messages.
    sys = await withServiceLogs(() => startSystem(sim, { POLL_INTERVAL_SECONDS: "0", PAGE_SIZE: "100" }));
    bus = await connectTestBus(sys.nats, { service: "gateway", label: "e2e" });
    const tenant = sim.tenants[0]!;
    stats = await sim.control.request<Stats>("GET", `/_sim/tenants/${tenant.tenantId}/stats`);
  });

  after(async () => {
    await bus?.drain();
    await sys?.stop();
    await sim?.stop();
    await cleanup();
  });

  async function waitCommitted(pollId: string, timeoutMs = 180_000): Promise<IntegrationView> {
    return waitFor(
      async () => {
        const res = await api<IntegrationView>(sys, "GET", `/api/integrations/${integrationId}`);
        const p = res.body.lastPoll;
        if (p?.pollId === pollId && p.status === "failed") throw new Error(`poll ${pollId} failed`);
        return p?.pollId === pollId && (p.status === "succeeded" || p.status === "partial")
          ? res.body
          : undefined;
      },
      { timeoutMs, intervalMs: 250, what: `poll ${pollId} to be committed` },
    );
  }

  it("creates an integration over REST and collects the tenant", async () => {
    await withServiceLogs(async () => {
      const tenant = sim.tenants[0]!;
      const created = await api<{ id: string; status: string }>(sys, "POST", "/api/integrations", {
        body: {
          name: "E2E tenant",
          tenantId: tenant.tenantId,
          auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, "active");
      integrationId = created.body.id;

      const poll = await api<{ pollId: string }>(sys, "POST", `/api/integrations/${integrationId}/polls`, {
        body: {},
      });
      assert.equal(poll.status, 202, JSON.stringify(poll.body));
      const view = await waitCommitted(poll.body.pollId);
      const outcome = (r: string) => view.lastPoll?.resources.find((x) => x.resource === r)?.outcome;
      assert.equal(outcome("users"), "complete");
      assert.equal(outcome("groups"), "complete");
      assert.equal(view.counts?.azuread_user, stats.users.total);
      assert.equal(view.counts?.azuread_group, stats.groups.total);
      const notComplete = view.lastPoll?.resources.filter((r) => r.outcome !== "complete");
      assert.equal(
        view.lastPoll?.status,
        "succeeded",
        `resources not complete: ${JSON.stringify(notComplete)}`,
      );
    });
  });

  it("answers exactly the simulator's numbers for users and groups by type", async () => {
    await withServiceLogs(async () => {
      const users = await queryCounts(sys, USERS_SQL);
      assert.deepEqual(users, withoutZeros({ Member: stats.users.members, Guest: stats.users.guests }));
      const groups = await queryCounts(sys, GROUPS_SQL);
      assert.deepEqual(
        groups,
        withoutZeros({
          security: stats.groups.security,
          microsoft365: stats.groups.microsoft365,
          mailEnabledSecurity: stats.groups.mailEnabledSecurity,
        }),
      );
      const changes = await queryCounts(
        sys,
        "SELECT change_type, count(*) FROM azuread_user_changes GROUP BY ALL",
      );
      assert.deepEqual(changes, { added: stats.users.total });
      firstAnswers = { users, groups, changes: changes.added ?? 0 };
    });
  });

  it("another workspace sees and changes none of it, on every route of the real stack", async () => {
    await withServiceLogs(async () => {
      const ws = await api<{ apiKey: { key: string } }>(sys, "POST", "/api/workspaces", {
        body: { id: "e2e-other" },
      });
      assert.equal(ws.status, 201, JSON.stringify(ws.body));
      const otherKey = ws.body.apiKey.key;
      // Real objects of the default workspace, and words only its data contains.
      const saved = await api<{ id: string }>(sys, "POST", "/api/saved-queries", {
        body: { name: "E2E guests", sql: "SELECT display_name FROM azuread_user WHERE user_type = 'Guest'" },
      });
      assert.equal(saved.status, 201, JSON.stringify(saved.body));
      const me = await api<{ keyId: string }>(sys, "GET", "/api/whoami");
      const names = await api<{ rows: { display_name: string; user_principal_name: string }[] }>(
        sys,
        "POST",
        "/api/query",
        { body: { sql: "SELECT display_name, user_principal_name FROM azuread_user ORDER BY id LIMIT 5" } },
      );
      const secrets = [
        "E2E tenant",
        "E2E guests",
        sim.tenants[0]!.tenantId,
        sim.tenants[0]!.clientId,
        ...names.body.rows.flatMap((r) => [r.display_name, r.user_principal_name]),
      ];
      const ids = { id: integrationId, keyId: me.body.keyId };
      const routes = allRoutes.filter((r) => r.access !== "public");
      for (const r of routes) {
        for (const path of new Set([
          fillPath(r.path, ids),
          fillPath(r.path, { ...ids, id: saved.body.id }),
        ])) {
          const res = await api<unknown>(sys, r.method, path, {
            key: otherKey,
            body: sampleBody(r.method, r.path),
          });
          const text = JSON.stringify(res.body);
          const where = `${r.method} ${path} → ${res.status} ${text.slice(0, 200)}`;
          assert.ok(res.status < 500, where);
          for (const secret of secrets) assert.ok(!text.includes(secret), `leaks "${secret}": ${where}`);
          // Console pages take a session, never an API key: without one they answer the sign-in page
          // (401); their workspace checks are the same /api routes, walked here, run in process.
          if (!r.path.startsWith("/api/")) assert.equal(res.status, 401, where);
          else if (r.path.includes(":")) assert.ok([403, 404].includes(res.status), where);
        }
      }
      // The queries ran against the other workspace's (empty) data, never the default's.
      const q = await api<{ rows?: Record<string, unknown>[] }>(sys, "POST", "/api/query", {
        key: otherKey,
        body: { sql: "SELECT count(*) AS n FROM azuread_user" },
      });
      if (q.status === 200) assert.equal(Number(q.body.rows?.[0]?.n), 0);
      else assert.ok([400, 404].includes(q.status), JSON.stringify(q.body));
      // Nothing of the default workspace changed.
      const mine = await api<IntegrationView & { enabled: boolean; name: string }>(
        sys,
        "GET",
        `/api/integrations/${integrationId}`,
      );
      assert.equal(mine.body.enabled, true);
      assert.equal(mine.body.name, "E2E tenant");
      assert.equal((await api(sys, "GET", `/api/saved-queries/${saved.body.id}`)).status, 200);
      assert.deepEqual(await queryCounts(sys, USERS_SQL), firstAnswers.users);
    });
  });

  it("a kill -9 of the store in the middle of a full poll changes nothing", async () => {
    await withServiceLogs(async () => {
      const jsm = bus.jsm;
      const tenantId = sim.tenants[0]!.tenantId;
      // Slow user pages down so the poll is still streaming when the store dies.
      await sim.control.request("PUT", `/_sim/tenants/${tenantId}/faults`, {
        rules: [{ type: "slow", delayMs: 250, rate: 1, pathPrefix: "/users" }],
      });
      const before = (await jsm.streams.info("TL_COLLECT")).state.last_seq;
      const poll = await api<{ pollId: string }>(sys, "POST", `/api/integrations/${integrationId}/polls`, {
        body: { full: true },
      });
      assert.equal(poll.status, 202, JSON.stringify(poll.body));
      // Kill once the store has been handed this poll's first pages (its durable consumer,
      // "store-collect", delivered past them) while the poll is still streaming.
      await waitFor(
        async () =>
          (await jsm.consumers.info("TL_COLLECT", "store-collect")).delivered.stream_seq > before + 2,
        { timeoutMs: 60_000, intervalMs: 10, what: "the store to receive the second poll's first pages" },
      );
      const atKill = await api<IntegrationView>(sys, "GET", `/api/integrations/${integrationId}`);
      assert.equal(atKill.body.lastPoll?.pollId, poll.body.pollId);
      assert.equal(atKill.body.lastPoll?.status, "running", "the kill lands before the poll is committed");
      await sys.services.get("store")!.kill();
      await sys.start("store");
      await sim.control.request("DELETE", `/_sim/tenants/${tenantId}/faults`);

      await waitCommitted(poll.body.pollId);
      assert.deepEqual(await queryCounts(sys, USERS_SQL), firstAnswers.users);
      assert.deepEqual(await queryCounts(sys, GROUPS_SQL), firstAnswers.groups);

      const dup = await api<{ rows: Record<string, unknown>[] }>(sys, "POST", "/api/query", {
        body: {
          sql: `SELECT (SELECT count(*) FROM azuread_user) AS users,
                       (SELECT count(DISTINCT id) FROM azuread_user) AS distinct_users,
                       (SELECT count(*) FROM azuread_group) AS groups,
                       (SELECT count(DISTINCT id) FROM azuread_group) AS distinct_groups,
                       (SELECT count(*) FROM azuread_user_changes) AS changes,
                       (SELECT count(DISTINCT change_id) FROM azuread_user_changes) AS distinct_changes`,
        },
      });
      assert.equal(dup.status, 200, JSON.stringify(dup.body));
      const r = dup.body.rows[0] ?? {};
      assert.equal(Number(r.users), stats.users.total);
      assert.equal(Number(r.distinct_users), stats.users.total);
      assert.equal(Number(r.groups), stats.groups.total);
      assert.equal(Number(r.distinct_groups), stats.groups.total);
      // Nothing changed in the tenant, so the full re-read recorded no change at all.
      assert.equal(Number(r.changes), firstAnswers.changes);
      assert.equal(Number(r.distinct_changes), firstAnswers.changes);
    });
  });
});
