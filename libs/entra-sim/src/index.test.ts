import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { appToken } from "./app-token.js";
import { parseResult, runChild } from "./identity/test-fixtures/run-child.js";
import { type Simulator, startSimulator } from "./index.js";
import { caFetch } from "./tls.js";

/** The two halves together: identity tokens accepted by the real Graph half, identity state seen by it. */

const GRAPH_CLIENT = fileURLToPath(new URL("./identity/test-fixtures/graph-client.ts", import.meta.url));
type Outcome = { ok: boolean; value?: unknown; statusCode?: number; code?: string };

let sim: Simulator;
let f: typeof fetch;

async function graphGet(
  path: string,
  token: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await f(`${sim.graphEndpoint}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function errorCode(body: Record<string, unknown>): unknown {
  return (body.error as { code?: unknown } | undefined)?.code;
}

describe("startSimulator (identity + directory + Graph)", () => {
  before(async () => {
    sim = await startSimulator({
      seed: 3,
      tenants: [{ users: 30 }, { users: 10, licences: { p1: false }, displayName: "Basic Co" }],
    });
    f = caFetch(readFileSync(sim.caCertPath, "utf8"));
  });
  after(() => sim?.stop());

  it("rejects invalid options with the field names", async () => {
    await assert.rejects(startSimulator({ port: -1 }), /port/);
    await assert.rejects(startSimulator({ tenants: [] }), /tenants/);
    await assert.rejects(startSimulator({ tenants: [{ users: 1.5 }] }), /tenants\.0\.users/);
  });

  it("msal-node and microsoft-graph-client in a child process page all users and honour licences", async () => {
    const out = await runChild(
      GRAPH_CLIENT,
      [
        JSON.stringify({
          authorityHost: sim.authorityHost,
          graphEndpoint: sim.graphEndpoint,
          tenants: sim.tenants,
        }),
      ],
      { caCertPath: sim.caCertPath },
    );
    const r = parseResult<Record<string, Outcome>>(out.stdout, out.stderr);
    const users = r["users-all-pages"];
    assert.ok(users?.ok, JSON.stringify(users));
    const { count, unique } = users.value as { count: number; unique: number };
    assert.equal(count, unique, "each user exactly once across pages");
    assert.ok(count >= 30, `expected at least the 30 generated users, got ${count}`);
    assert.equal(r["premium-signins"]?.ok, true, JSON.stringify(r["premium-signins"]));
    assert.equal(r["basic-signins"]?.statusCode, 403, JSON.stringify(r["basic-signins"]));
    assert.equal(r["basic-signins"]?.code, "Authentication_RequestFromNonPremiumTenantOrB2CTenant");
  });

  it("Graph sees identity changes at once: licences, revoked consent, expired tokens", async () => {
    const tenant = sim.tenants[0]!;
    const good = (await sim.control.mintToken(tenant.tenantId)).accessToken;
    assert.equal((await graphGet("/v1.0/auditLogs/signIns?$top=1", good)).status, 200);

    await sim.control.setLicences(tenant.tenantId, { p1: false });
    const gated = await graphGet("/v1.0/auditLogs/signIns?$top=1", good);
    assert.equal(gated.status, 403);
    assert.equal(errorCode(gated.body), "Authentication_RequestFromNonPremiumTenantOrB2CTenant");
    await sim.control.setLicences(tenant.tenantId, { p1: true });

    await sim.control.revokeConsent(tenant.tenantId);
    const roleless = await appToken(f, sim.authorityHost, tenant);
    const denied = await graphGet("/v1.0/users?$top=1", roleless);
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied.body), "Authorization_RequestDenied");
    await sim.control.restoreConsent(tenant.tenantId);

    const expired = (await sim.control.mintToken(tenant.tenantId, { expiresInSeconds: -5 })).accessToken;
    const unauth = await graphGet("/v1.0/users?$top=1", expired);
    assert.equal(unauth.status, 401);
    assert.equal(errorCode(unauth.body), "InvalidAuthenticationToken");

    const delegated = (await sim.control.mintToken(tenant.tenantId, { kind: "delegated" })).accessToken;
    assert.equal((await graphGet("/v1.0/users?$top=1", delegated)).status, 200);
    const otherTenant = (await sim.control.mintToken(sim.tenants[1]!.tenantId)).accessToken;
    const basicUsers = await graphGet("/v1.0/users?$top=999", otherTenant);
    assert.equal(basicUsers.status, 200);
    assert.ok(Array.isArray(basicUsers.body.value));
  });

  it("identity app changes reach Graph's /applications delta and /servicePrincipals over HTTPS", async () => {
    const tenant = sim.tenants[1]!;
    const token = (await sim.control.mintToken(tenant.tenantId)).accessToken;
    let link = "/v1.0/applications/delta?$select=appId,passwordCredentials";
    for (let i = 0; i < 50 && !link.includes("$deltatoken="); i++) {
      const page = await graphGet(link.replace(sim.graphEndpoint, ""), token);
      assert.equal(page.status, 200);
      link = String(page.body["@odata.nextLink"] ?? page.body["@odata.deltaLink"]);
    }
    const added = await sim.control.addSecret(tenant.tenantId, { displayName: "Added over HTTPS" });
    const next = await graphGet(link.replace(sim.graphEndpoint, ""), token);
    const items = next.body.value as {
      appId: string;
      passwordCredentials: { keyId: string; displayName: string }[];
    }[];
    assert.equal(items.length, 1);
    assert.equal(items[0]?.appId, tenant.clientId);
    assert.deepEqual(items[0]?.passwordCredentials.at(-1), {
      ...items[0]?.passwordCredentials.at(-1),
      keyId: added.keyId,
      displayName: "Added over HTTPS",
    });

    const sp = `/v1.0/servicePrincipals(appId='${tenant.clientId}')`;
    assert.equal((await graphGet(sp, token)).status, 200);
    await sim.control.deleteApp(tenant.tenantId);
    // Its own token, still unexpired, no longer gets in: the service principal is gone.
    const refused = await graphGet(sp, token);
    assert.equal(refused.status, 401);
    assert.equal(
      (refused.body.error as { code?: string } | undefined)?.code,
      "Authorization_IdentityNotFound",
    );
    await sim.control.restoreApp(tenant.tenantId);
    assert.equal((await graphGet(sp, token)).status, 200);
  });

  it("the typed control client reaches the directory half's /_sim/ routes", async () => {
    const c = sim.control;
    const tenantId = sim.tenants[1]!.tenantId;
    const stats = await c.stats(tenantId);
    assert.equal(stats.tenantId, tenantId);
    const { seq } = await c.changes(tenantId);
    const created = await c.createObject(tenantId, "user", {
      displayName: "Control Client",
      accountEnabled: true,
    });
    assert.equal(created.kind, "user");
    assert.equal((await c.getObject(tenantId, created.id)).object?.displayName, "Control Client");
    await c.updateObject(tenantId, created.id, { jobTitle: "Tester" });
    assert.equal((await c.deleteObject(tenantId, created.id)).state, "softDeleted");
    await c.restoreObject(tenantId, created.id);
    const after = await c.changes(tenantId, seq);
    assert.ok(after.changes.filter((e) => e.id === created.id).length >= 4, JSON.stringify(after.changes));

    await c.setFaults([{ type: "status", status: 503, count: 1 }], tenantId);
    assert.equal((await c.getFaults(tenantId)).rules.length, 1);
    await c.clearFaults(tenantId);
    assert.equal((await c.setThrottling({ enabled: true }, tenantId)).enabled, true);
    await c.resetThrottling(tenantId);
    assert.equal((await c.getThrottling()).enabled, false);
    assert.equal(typeof (await c.getDelta(tenantId)).replays, "boolean");
    const live = await c.setLive(tenantId, { enabled: false, tick: 2 });
    assert.equal(live.enabled, false);
    await assert.rejects(c.getObject(tenantId, "no-such-object"), /404/);
  });
});
