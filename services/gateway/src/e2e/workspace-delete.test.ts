import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import {
  AlertList,
  ChannelList,
  GenerationGet,
  IntegrationList,
  PollList,
  SavedQueryList,
  ViolationList,
} from "@tenantlens/contracts";
import { startSimulator } from "@tenantlens/entra-sim";
import { cleanup, connectTestBus, rowsByWorkspace, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { api, runCli, type System, startSystem } from "./system.js";

/**
 * Deleting a workspace on the real stack (every service its own process, the simulator as two
 * tenants): a second workspace with a key, an integration that collected, rules with violations,
 * a channel, an alert, a saved query and query history is deleted by the operator while the rules
 * service is down. Its keys fail at once; every other service purges it and says so; rules purges
 * it once restarted; nothing of it is left in any service's KV, DuckDB file or generation
 * directory, and the default workspace keeps everything.
 */

const WS = "acme";

interface WorkspaceView {
  id: string;
  status: "active" | "deleting" | "deleted";
  keys: number;
  integrations: number;
  purged: Record<string, { purgedAt: string; removed: Record<string, number> }>;
  awaiting: string[];
}

async function kvKeys(bus: Bus, bucket: string, filter = ">"): Promise<string[]> {
  return (await bus.kv(bucket)).list(filter);
}

/** API keys (by stored workspace) of one workspace. */
async function keysOf(bus: Bus, workspaceId: string): Promise<string[]> {
  const kv = await bus.kv("tl_api_keys");
  const out: string[] = [];
  for (const k of await kvKeys(bus, "tl_api_keys")) {
    const e = await kv.get(k);
    if (e?.operation === "PUT" && (e.json() as { workspaceId: string }).workspaceId === workspaceId)
      out.push(k);
  }
  return out;
}

describe("deleting a workspace, on the real stack", { timeout: 900_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let sys: System;
  let bus: Bus;
  let acmeKey = "";
  let acmeViewer = { id: "", key: "" };
  let acmeIntegration = "";
  let defaultIntegration = "";

  async function collected(key: string | undefined, integrationId: string): Promise<void> {
    await waitFor(
      async () => {
        const res = await api<{ lastPoll: { status: string } | null }>(
          sys,
          "GET",
          `/api/integrations/${integrationId}`,
          key ? { key } : {},
        );
        if (res.body.lastPoll?.status === "failed") throw new Error(`${integrationId}: poll failed`);
        return ["succeeded", "partial"].includes(res.body.lastPoll?.status ?? "") || undefined;
      },
      { timeoutMs: 240_000, intervalMs: 500, what: `the first poll of ${integrationId} to commit` },
    );
  }

  async function connect(key: string | undefined, tenant: (typeof sim.tenants)[number], name: string) {
    const res = await api<{ id: string }>(sys, "POST", "/api/integrations", {
      ...(key ? { key } : {}),
      body: {
        name,
        tenantId: tenant.tenantId,
        auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }

  async function waitViolation(key: string | undefined, name: string): Promise<void> {
    await waitFor(
      async () => {
        const res = await api<{ violations: { displayName: string | null }[] }>(
          sys,
          "GET",
          "/api/violations?rule=aad-disabled-accounts",
          key ? { key } : {},
        );
        return res.body.violations?.some((v) => v.displayName === name) || undefined;
      },
      { timeoutMs: 240_000, intervalMs: 500, what: `${name} to be a violation` },
    );
  }

  async function workspace(): Promise<WorkspaceView> {
    const res = await api<WorkspaceView>(sys, "GET", `/api/workspaces/${WS}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  before(async () => {
    sim = await startSimulator({ seed: 21, tenants: [{ users: 40 }, { users: 40 }] });
    const [home, acme] = sim.tenants;
    assert.ok(home && acme);
    for (const [tenant, name] of [
      [acme, "Acme Leaver"],
      [home, "Home Leaver"],
    ] as const) {
      await sim.control.createObject(tenant.tenantId, "user", {
        displayName: name,
        userType: "Member",
        accountEnabled: false,
      });
    }
    sys = await withServiceLogs(() =>
      startSystem(sim, {
        POLL_INTERVAL_SECONDS: "0",
        POLL_RESOURCES: "users,groups",
        GENERATION_DEBOUNCE_MS: "300",
      }),
    );
    bus = await connectTestBus(sys.nats, { service: "gateway", label: "workspace-delete-test" });

    // The default workspace: an integration, a saved query and a channel that must survive.
    defaultIntegration = await connect(undefined, home, "Home tenant");
    const created = await api<{ apiKey: { key: string } }>(sys, "POST", "/api/workspaces", {
      body: { id: WS, name: "Acme" },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    acmeKey = created.body.apiKey.key;
    const viewer = await api<{ id: string; key: string }>(sys, "POST", "/api/keys", {
      key: acmeKey,
      body: { name: "acme viewer", role: "viewer" },
    });
    assert.equal(viewer.status, 201);
    acmeViewer = viewer.body;
    acmeIntegration = await connect(acmeKey, acme, "Acme tenant");

    for (const key of [undefined, acmeKey]) {
      const as = key ? { key } : {};
      const saved = await api(sys, "POST", "/api/saved-queries", {
        ...as,
        body: { name: "guests", sql: "SELECT count(*) AS n FROM azuread_user WHERE user_type = 'Guest'" },
      });
      assert.equal(saved.status, 201, JSON.stringify(saved.body));
      const channel = await api<{ channel: { id: string } }>(sys, "POST", "/api/channels", {
        ...as,
        body: { kind: "email", name: "SOC", recipients: ["soc@example.test"] },
      });
      assert.equal(channel.status, 201, JSON.stringify(channel.body));
      const alert = await api(sys, "POST", "/api/alerts", {
        ...as,
        body: { kind: "rule", name: "Every rule", channelIds: [channel.body.channel.id], filters: {} },
      });
      assert.equal(alert.status, 201, JSON.stringify(alert.body));
    }
    await collected(undefined, defaultIntegration);
    await collected(acmeKey, acmeIntegration);

    // Both: a violation of a managed rule. Acme: a custom rule and query history too.
    await waitViolation(acmeKey, "Acme Leaver");
    await waitViolation(undefined, "Home Leaver");
    const rule = await api(sys, "POST", "/api/rules", {
      key: acmeKey,
      body: {
        title: "Acme disabled accounts",
        severity: "low",
        remediation: { text: "remove them" },
        queries: [{ sql: "SELECT id AS resource_id FROM azuread_user WHERE account_enabled = false" }],
      },
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    const q = await api(sys, "POST", "/api/query", {
      key: acmeKey,
      body: { sql: "SELECT count(*) AS n FROM azuread_user" },
    });
    assert.equal(q.status, 200, JSON.stringify(q.body));
  });

  let stopped = false;
  after(async () => {
    if (!stopped) {
      await bus?.drain().catch(() => undefined);
      await sys?.stop();
    }
    await sim?.stop();
    await cleanup();
  });

  it("lists workspaces for the operator only, refuses to delete the default one, revokes any key", () =>
    withServiceLogs(async () => {
      for (const [method, url] of [
        ["GET", "/api/workspaces"],
        ["GET", `/api/workspaces/${WS}`],
        ["DELETE", `/api/workspaces/${WS}`],
        ["GET", `/api/workspaces/${WS}/keys`],
        ["DELETE", `/api/workspaces/${WS}/keys/${acmeViewer.id}`],
      ] as const) {
        const res = await api<{ error: { code: string } }>(sys, method, url, { key: acmeKey });
        assert.equal(res.status, 403, `${method} ${url} with the workspace's own admin key`);
        assert.equal(res.body.error.code, "forbidden");
      }
      const listed = await api<{ workspaces: WorkspaceView[] }>(sys, "GET", "/api/workspaces");
      assert.equal(listed.status, 200);
      const acme = listed.body.workspaces.find((w) => w.id === WS);
      assert.deepEqual(
        { status: acme?.status, keys: acme?.keys, integrations: acme?.integrations },
        { status: "active", keys: 2, integrations: 1 },
      );
      assert.ok(listed.body.workspaces.some((w) => w.id === "default" && w.integrations === 1));

      const refused = await api<{ error: { code: string; message: string } }>(
        sys,
        "DELETE",
        "/api/workspaces/default",
      );
      assert.equal(refused.status, 409);
      assert.match(refused.body.error.message, /default workspace .*cannot be deleted/);
      assert.equal((await api(sys, "DELETE", "/api/workspaces/nosuch")).status, 404);

      const shown = await runCli(sys, ["workspaces"]);
      assert.equal(shown.code, 0, shown.err);
      assert.match(shown.out, /acme\W+Acme\W+active\W+2\W+1\W/);
      assert.equal((await api(sys, "GET", "/api/whoami", { key: acmeViewer.key })).status, 200);
      const revoked = await runCli(sys, ["revoke-key", WS, acmeViewer.id]);
      assert.equal(revoked.code, 0, revoked.err);
      assert.equal((await api(sys, "GET", "/api/whoami", { key: acmeViewer.key })).status, 401);
      const keys = await runCli(sys, ["workspace-keys", WS, "--format", "json"]);
      assert.equal(keys.code, 0, keys.err);
      assert.deepEqual(
        (JSON.parse(keys.out) as { keys: { role: string }[] }).keys.map((k) => k.role),
        ["admin"],
      );
    }));

  it("purges everything of the workspace, a service that was down included once it is back", () =>
    withServiceLogs(async () => {
      const generationsDir = path.join(sys.dataDir, "generations", WS);
      // Before: every service holds something of acme.
      assert.equal((await bus.request(IntegrationList, { workspaceId: WS })).integrations.length, 1);
      assert.ok((await bus.request(GenerationGet, { workspaceId: WS })).generation);
      assert.ok(existsSync(generationsDir));
      assert.equal((await bus.request(ChannelList, { workspaceId: WS })).channels.length, 1);
      assert.equal((await bus.request(AlertList, { workspaceId: WS })).alerts.length, 1);
      assert.equal((await bus.request(SavedQueryList, { workspaceId: WS })).savedQueries.length, 1);
      assert.ok((await bus.request(PollList, { workspaceId: WS, limit: 20 })).polls.length > 0);
      assert.ok((await kvKeys(bus, "tl_delta", `${acmeIntegration}.>`)).length > 0);
      assert.equal((await keysOf(bus, WS)).length, 1);

      // Rules is down while the workspace is deleted.
      await sys.services.get("rules")?.stop();
      const deleted = await runCli(sys, ["delete-workspace", WS, "--format", "json"]);
      assert.equal(deleted.code, 0, deleted.err);
      assert.equal((JSON.parse(deleted.out) as WorkspaceView).status, "deleting");
      // Its key fails at once, before any service purged anything.
      const gone = await api<{ error: { code: string } }>(sys, "GET", "/api/whoami", { key: acmeKey });
      assert.equal(gone.status, 401);

      // Every running service purges it and says so; rules is awaited.
      const partial = await waitFor(
        async () => {
          const ws = await workspace();
          return ws.awaiting.length === 1 ? ws : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 500, what: "every running service to purge acme" },
      );
      assert.equal(partial.status, "deleting");
      assert.deepEqual(partial.awaiting, ["rules"]);
      assert.equal(partial.purged.auth?.removed.integrations, 1);
      assert.equal(partial.purged.gateway?.removed.apiKeys, 1);
      assert.equal(partial.purged.query?.removed.savedQueries, 1);
      assert.equal(partial.purged.notifier?.removed.channels, 1);
      assert.equal(partial.purged.notifier?.removed.alerts, 1);
      assert.equal(partial.purged.notifier?.removed.integrationsSeen, 1);
      assert.ok((partial.purged.store?.removed.rows ?? 0) > 0);
      assert.ok((partial.purged.store?.removed.generations ?? 0) > 0);
      assert.equal(partial.keys, 0);
      assert.equal(partial.integrations, 0);

      // What each running service keeps of acme is gone.
      assert.deepEqual((await bus.request(IntegrationList, { workspaceId: WS })).integrations, []);
      assert.equal((await bus.request(GenerationGet, { workspaceId: WS })).generation, null);
      assert.ok(!existsSync(generationsDir), "the Parquet generations are removed");
      assert.deepEqual((await bus.request(ChannelList, { workspaceId: WS })).channels, []);
      assert.deepEqual((await bus.request(AlertList, { workspaceId: WS })).alerts, []);
      assert.deepEqual((await bus.request(SavedQueryList, { workspaceId: WS })).savedQueries, []);
      assert.deepEqual((await bus.request(PollList, { workspaceId: WS, limit: 20 })).polls, []);
      assert.deepEqual(await kvKeys(bus, "tl_delta", `${acmeIntegration}.>`), []);
      assert.deepEqual(await kvKeys(bus, "tl_saved_queries", `*.${WS}.*`), []);
      assert.deepEqual(await keysOf(bus, WS), []);

      // Rules comes back and purges what it kept.
      await sys.start("rules");
      const done = await waitFor(
        async () => {
          const ws = await workspace();
          return ws.status === "deleted" ? ws : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 500, what: "the restarted rules service to purge acme" },
      );
      assert.ok((done.purged.rules?.removed.violations ?? 0) > 0, JSON.stringify(done.purged.rules));
      assert.ok((done.purged.rules?.removed.rules ?? 0) > 0);
      assert.deepEqual((await bus.request(ViolationList, { workspaceId: WS, limit: 100 })).violations, []);
      // Its id is not reused.
      const again = await api(sys, "POST", "/api/workspaces", { body: { id: WS } });
      assert.equal(again.status, 409);
    }));

  it("leaves the default workspace untouched", () =>
    withServiceLogs(async () => {
      const users = await api<{ rows: { n: number }[] }>(sys, "POST", "/api/query", {
        body: { sql: "SELECT count(*)::INTEGER AS n FROM azuread_user" },
      });
      assert.equal(users.status, 200, JSON.stringify(users.body));
      assert.ok((users.body.rows[0]?.n ?? 0) > 0);
      assert.equal((await bus.request(IntegrationList, { workspaceId: "default" })).integrations.length, 1);
      assert.equal((await bus.request(ChannelList, { workspaceId: "default" })).channels.length, 1);
      assert.equal((await bus.request(AlertList, { workspaceId: "default" })).alerts.length, 1);
      assert.equal((await bus.request(SavedQueryList, { workspaceId: "default" })).savedQueries.length, 1);
      await waitViolation(undefined, "Home Leaver"); // still open, at once
      const status = await api<{ status: string }>(sys, "GET", "/api/workspaces/default");
      assert.equal(status.body.status, "active");
      assert.ok(existsSync(path.join(sys.dataDir, "generations", "default")));
    }));

  it("leaves no row of it in any service's DuckDB file", () =>
    withServiceLogs(async () => {
      stopped = true;
      await bus.drain();
      await sys.stop(); // every service checkpoints and closes its file
      const files = {
        warehouse: path.join(sys.dataDir, "warehouse", "warehouse.duckdb"),
        rules: path.join(sys.dataDir, "rules", "rules.duckdb"),
        notifier: path.join(sys.dataDir, "notifier", "notifier.duckdb"),
      };
      for (const [service, file] of Object.entries(files)) {
        const acme = await rowsByWorkspace(file, WS);
        const home = await rowsByWorkspace(file, "default");
        assert.ok(Object.keys(acme).length > 0, `${service}: tables with a workspace column`);
        // What remains is the record that it was deleted (one row, in the store and in rules).
        const tombstones = ["_tl_deleted_workspaces", "purged_workspaces"];
        const left = Object.entries(acme).filter(([table, n]) => n > 0 && !tombstones.includes(table));
        assert.deepEqual(left, [], `${service}: rows of the deleted workspace`);
        assert.ok(
          Object.values(home).some((n) => n > 0),
          `${service}: the default workspace still has rows`,
        );
      }
      assert.equal((await rowsByWorkspace(files.warehouse, WS))._tl_deleted_workspaces, 1);
      assert.equal((await rowsByWorkspace(files.rules, WS)).purged_workspaces, 1);
    }));
});
