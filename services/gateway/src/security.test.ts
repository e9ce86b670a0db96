import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { allows } from "./http/route.js";
import { allRoutes } from "./routes/index.js";
import { type Harness, readError, startHarness } from "./testing/harness.js";
import { apiRoutesOf, fillPath, sampleBody } from "./testing/route-walk.js";

/**
 * The shared security suite: every /api route registered on the app — whether declared with
 * defineRoute or not — rejects a missing key, a wrong key, and never shows or changes another
 * workspace's data.
 */

const TENANT = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

describe("every /api route", () => {
  let h: Harness;
  let routes: { method: string; path: string }[];
  let victim: { integrationId: string; name: string; memberKeyId: string };

  before(async () => {
    h = await startHarness({ real: ["query", "notifier", "rules", "provisioner"] });
    routes = apiRoutesOf(h.app.routes);
    const name = `victim-${Date.now()}`;
    const created = (await (
      await h.call("POST", "/api/integrations", {
        body: {
          name,
          tenantId: TENANT,
          auth: { mode: "app", clientId: "victim-client", clientSecret: "victim-secret" },
        },
      })
    ).json()) as { id: string };
    await h.call("POST", `/api/integrations/${created.id}/polls`);
    h.standIns.commitLatest(created.id, { azuread_user: 7 });
    const member = (await (await h.call("GET", "/api/whoami", { key: h.memberKey })).json()) as {
      keyId: string;
    };
    victim = { integrationId: created.id, name, memberKeyId: member.keyId };
  });
  after(async () => {
    await h.stop();
  });

  // Parameters point at the default workspace's real objects, so "other workspace" really tries them.
  const concrete = (path: string) => fillPath(path, { id: victim.integrationId, keyId: victim.memberKeyId });
  const bodyFor = sampleBody;

  it("covers the routes the gateway must protect", () => {
    const listed = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const r of [
      "POST /api/integrations",
      "GET /api/integrations",
      "GET /api/integrations/:id",
      "POST /api/integrations/:id/polls",
      "GET /api/integrations/:id/polls",
      "POST /api/integrations/:id/disable",
      "POST /api/integrations/:id/enable",
      "DELETE /api/integrations/:id",
      "POST /api/keys",
      "POST /api/workspaces",
    ]) {
      assert.ok(listed.has(r), `${r} is not registered`);
    }
  });

  it("rejects a missing key with 401 and WWW-Authenticate", async () => {
    for (const r of routes) {
      const res = await h.call(r.method, concrete(r.path), { key: null, body: bodyFor(r.method, r.path) });
      assert.equal(res.status, 401, `${r.method} ${r.path}`);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/, `${r.method} ${r.path}`);
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      assert.equal(body.error.code, "unauthorized");
      assert.equal(body.error.requestId, res.headers.get("x-request-id"));
    }
  });

  it("rejects wrong keys with 401", async () => {
    const wrong = [
      "not-a-key",
      `tl_${"a".repeat(16)}_${"0".repeat(64)}`,
      // the right key id with a wrong secret
      `tl_${victim.memberKeyId}_${"f".repeat(64)}`,
      `${h.adminKey}x`,
    ];
    for (const r of routes) {
      for (const key of wrong) {
        const res = await h.call(r.method, concrete(r.path), { key, body: bodyFor(r.method, r.path) });
        assert.equal(res.status, 401, `${r.method} ${r.path} with ${key}`);
      }
      const basic = await h.call(r.method, concrete(r.path), {
        key: null,
        headers: { authorization: `Basic ${Buffer.from(`x:${h.adminKey}`).toString("base64")}` },
      });
      assert.equal(basic.status, 401, `${r.method} ${r.path} with Basic auth`);
    }
  });

  it("never shows or changes another workspace's data", async () => {
    for (const r of routes) {
      const res = await h.call(r.method, concrete(r.path), {
        key: h.otherKey,
        body: bodyFor(r.method, r.path),
      });
      const text = await res.text();
      const where = `${r.method} ${r.path} → ${res.status} ${text.slice(0, 200)}`;
      assert.ok(res.status < 500, where);
      // A route with :id may echo the id the caller sent ("no integration <id>"); others must not know it.
      if (!r.path.includes(":id"))
        assert.ok(!text.includes(victim.integrationId), `leaks the integration id: ${where}`);
      assert.ok(!text.includes(victim.name), `leaks the integration name: ${where}`);
      assert.ok(!text.includes("victim-client"), `leaks the client id: ${where}`);
      if (r.path.includes(":id") || r.path.includes(":keyId")) {
        assert.ok([403, 404].includes(res.status), `another workspace's object must be 404/403: ${where}`);
      }
    }
    // Nothing of the default workspace changed.
    const still = (await (await h.call("GET", `/api/integrations/${victim.integrationId}`)).json()) as {
      enabled: boolean;
    };
    assert.equal(still.enabled, true);
    assert.equal((await h.call("GET", "/api/whoami", { key: h.memberKey })).status, 200);
    const other = (await (await h.call("GET", "/api/integrations", { key: h.otherKey })).json()) as {
      integrations: { workspaceId: string }[];
    };
    assert.ok(other.integrations.every((i) => i.workspaceId === "other"));
  });

  it("enforces each route's role for every key role: viewer < analyst < admin", async () => {
    const keys = { viewer: h.viewerKey, analyst: h.memberKey, admin: h.adminKey } as const;
    const declared = new Map(allRoutes.map((r) => [`${r.method} ${r.path}`, r]));
    for (const r of routes) {
      const route = declared.get(`${r.method} ${r.path}`);
      assert.ok(route, `${r.method} ${r.path} is declared`);
      for (const [role, key] of Object.entries(keys) as [keyof typeof keys, string][]) {
        // Paths point at objects of another workspace's id space, so nothing is changed.
        const res = await h.call(r.method, r.path.replace(/:[A-Za-z0-9_]+/g, "x1"), {
          key,
          body: bodyFor(r.method, r.path),
        });
        const allowed = allows(route.access, { workspaceId: "default", keyId: "k", role });
        const where = `${role} → ${r.method} ${r.path}: ${res.status}`;
        if (allowed) assert.notEqual(res.status, 403, where);
        else {
          assert.equal(res.status, 403, where);
          assert.equal((await readError(res)).code, "forbidden", where);
        }
      }
    }
    assert.ok(!allows("analyst", { workspaceId: "default", keyId: "k", role: "viewer" }));
    assert.ok(allows("analyst", { workspaceId: "default", keyId: "k", role: "admin" }));
    assert.ok(!allows("operator", { workspaceId: "other", keyId: "k", role: "admin" }));
  });
});
