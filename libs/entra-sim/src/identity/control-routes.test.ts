import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { appToken, requestAppToken } from "../app-token.js";
import { SimControlClient, SimControlError } from "../control-client.js";
import type { Simulator, SimulatorTenant } from "../server.js";
import { startIdentitySim } from "./test-fixtures/stub-sim.js";

let sim: Simulator;
let f: typeof fetch;
let tenant: SimulatorTenant;

async function rejectsWith(
  p: Promise<unknown>,
  status: number,
  code: string,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SimControlError, String(e));
    assert.equal(e.status, status);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe("identity control API (/_sim/)", () => {
  before(async () => {
    ({ sim, fetch: f } = await startIdentitySim({
      tenants: [{}, { displayName: "Basic Co", licences: { p1: false } }],
    }));
    tenant = sim.tenants[0]!;
  });
  after(() => sim.stop());

  it("rejects a missing or wrong admin key on every /_sim/ path, identity and directory alike", async () => {
    for (const path of [
      "/_sim/tenants",
      "/_sim/identity/settings",
      "/_sim/faults",
      "/_sim",
      "/_sim/tenants/x/users",
    ]) {
      const keys: Array<Record<string, string>> = [
        {},
        { "x-sim-key": "wrong" },
        { "x-sim-key": `${sim.adminKey}x` },
      ];
      for (const headers of keys) {
        const res = await f(`${sim.graphEndpoint}${path}`, { headers });
        assert.equal(res.status, 401, `${path} ${JSON.stringify(headers)}`);
        const body = (await res.json()) as { error: { code: string } };
        assert.equal(body.error.code, "Unauthorized");
      }
    }
    const wrong = new SimControlClient({ baseUrl: sim.graphEndpoint, adminKey: "nope", fetch: f });
    await rejectsWith(wrong.listTenants(), 401, "Unauthorized");
  });

  it("lists tenants with credentials that work", async () => {
    const tenants = await sim.control.listTenants();
    assert.equal(tenants.length, 2);
    assert.deepEqual(
      tenants.map((t) => [t.tenantId, t.clientId, t.clientSecret]),
      sim.tenants.map((t) => [t.tenantId, t.clientId, t.clientSecret]),
    );
    assert.deepEqual(tenants[1]?.licences, { p1: false, p2: false, intune: true });
    assert.equal(tenants[1]?.displayName, "Basic Co");
    assert.equal(tenants[1]?.initialDomain, "basicco.onmicrosoft.com");
  });

  it("validates bodies with a clear 400 and answers 404 for unknown tenants and apps", async () => {
    await rejectsWith(sim.control.setLicences(tenant.tenantId, {}), 400, "BadRequest", /at least one/);
    await rejectsWith(sim.control.setTokenLifetime(0), 400, "BadRequest", /accessTokenLifetimeSeconds/);
    await rejectsWith(
      sim.control.request("PUT", `/_sim/identity/tenants/${tenant.tenantId}/licences`, { p1: "yes" }),
      400,
      "BadRequest",
      /p1/,
    );
    await rejectsWith(
      sim.control.request("POST", `/_sim/identity/tenants/${tenant.tenantId}/permissions`, {
        kind: "application",
      }),
      400,
      "BadRequest",
      /permission/,
    );
    await rejectsWith(
      sim.control.request("POST", `/_sim/identity/tenants/${tenant.tenantId}/consent/revoke`, { extra: 1 }),
      400,
      "BadRequest",
    );
    const raw = await f(`${sim.graphEndpoint}/_sim/identity/tenants/${tenant.tenantId}/secrets`, {
      method: "POST",
      headers: { "x-sim-key": sim.adminKey, "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(raw.status, 400);
    assert.match(((await raw.json()) as { error: { message: string } }).error.message, /not valid JSON/);
    await rejectsWith(sim.control.revokeConsent("00000000-0000-4000-8000-000000000000"), 404, "NotFound");
    await rejectsWith(
      sim.control.revokeConsent(tenant.tenantId, { clientId: "33333333-3333-4333-8333-333333333333" }),
      404,
      "NotFound",
    );
  });

  it("sets licences and permissions, and tokens follow", async () => {
    assert.deepEqual(await sim.control.setLicences(tenant.tenantId, { p1: false }), {
      p1: false,
      p2: true,
      intune: true,
    });
    assert.equal(sim.identity.tenant(tenant.tenantId)?.licences.p1, false);
    await sim.control.setLicences(tenant.tenantId, { p1: true });

    const app = await sim.control.setPermission(tenant.tenantId, {
      kind: "application",
      permission: "AuditLog.Read.All",
      granted: false,
    });
    assert.equal(app.applicationPermissions.includes("AuditLog.Read.All"), false);
    const token = await appToken(f, sim.authorityHost, tenant);
    const check = await sim.identity.verifyAccessToken(token);
    assert.ok(check.ok);
    assert.equal(check.claims.roles?.includes("AuditLog.Read.All"), false);
    assert.equal(check.claims.roles?.includes("User.Read.All"), true);
    await sim.control.setPermission(tenant.tenantId, {
      kind: "application",
      permission: "AuditLog.Read.All",
      granted: true,
    });
  });

  it("adds, expires and rotates secrets", async () => {
    const added = await sim.control.addSecret(tenant.tenantId, { expiresInDays: 30 });
    assert.match(added.value, /^.{3}8Q~.{34}$/);
    const identity = await sim.control.getTenantIdentity(tenant.tenantId);
    assert.equal(identity.apps[0]?.secrets.length, 2);
    const { expired } = await sim.control.expireSecrets(tenant.tenantId, { keyId: added.keyId });
    assert.deepEqual(expired, [added.keyId]);
    await rejectsWith(sim.control.expireSecrets(tenant.tenantId, { keyId: "nope" }), 404, "NotFound");
    const rotated = await sim.control.rotateSecret(tenant.tenantId);
    assert.deepEqual((await sim.control.getTenantIdentity(tenant.tenantId)).apps[0]?.secrets, [rotated]);
    const listed = await sim.control.listTenants();
    assert.equal(listed[0]?.clientSecret, rotated.value);
  });

  it("mints tokens for tests, including already-expired ones", async () => {
    const app = await sim.control.mintToken(tenant.tenantId, { roles: ["User.Read.All"] });
    const okCheck = await sim.identity.verifyAccessToken(app.accessToken);
    assert.ok(okCheck.ok);
    assert.deepEqual(okCheck.claims.roles, ["User.Read.All"]);

    const delegated = await sim.control.mintToken(tenant.tenantId, {
      kind: "delegated",
      scopes: ["User.Read.All"],
    });
    const dCheck = await sim.identity.verifyAccessToken(delegated.accessToken);
    assert.ok(dCheck.ok);
    assert.equal(dCheck.claims.scp, "User.Read.All");
    assert.equal(dCheck.claims.oid, (await sim.control.getTenantIdentity(tenant.tenantId)).adminUser.id);

    const expired = await sim.control.mintToken(tenant.tenantId, { expiresInSeconds: -60 });
    assert.deepEqual(await sim.identity.verifyAccessToken(expired.accessToken), {
      ok: false,
      code: "InvalidAuthenticationToken",
      message: "Lifetime validation failed, the token is expired.",
    });
    const otherAud = await sim.control.mintToken(tenant.tenantId, {
      audience: "https://management.azure.com",
    });
    const audCheck = await sim.identity.verifyAccessToken(otherAud.accessToken);
    assert.equal(audCheck.ok, false);
    assert.match(audCheck.ok ? "" : audCheck.message, /Invalid audience/);
  });

  it("rejects tampered and malformed bearer tokens", async () => {
    const { accessToken } = await sim.control.mintToken(tenant.tenantId);
    const [h, p, s] = accessToken.split(".");
    const payload = JSON.parse(Buffer.from(p ?? "", "base64url").toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ["Directory.ReadWrite.All"] })).toString("base64url")}.${s}`;
    for (const bad of [forged, "", "abc", "a.b.c", `${h}.${p}.`]) {
      const check = await sim.identity.verifyAccessToken(bad);
      assert.equal(check.ok, false, bad);
    }
  });

  it("slows the token endpoint down on request", async () => {
    await sim.control.updateIdentitySettings({ tokenDelayMs: 300 });
    try {
      const began = Date.now();
      // Any answer will do (an earlier test rotated this tenant's secret): only its delay counts.
      await requestAppToken(f, sim.authorityHost, tenant);
      assert.ok(Date.now() - began >= 300, `answered after ${Date.now() - began} ms`);
    } finally {
      await sim.control.updateIdentitySettings({ tokenDelayMs: 0 });
    }
  });

  it("toggles auto-approve", async () => {
    assert.deepEqual(await sim.control.updateIdentitySettings({ autoApprove: true }), {
      accessTokenLifetimeSeconds: 3600,
      autoApprove: true,
      tokenDelayMs: 0,
    });
    const u = new URL(`${sim.authorityHost}/${tenant.tenantId}/oauth2/v2.0/authorize`);
    u.searchParams.set("client_id", tenant.clientId);
    u.searchParams.set("response_type", "code");
    u.searchParams.set("redirect_uri", "http://127.0.0.1:8080/oauth/callback");
    u.searchParams.set("scope", "openid offline_access");
    const res = await f(u);
    assert.equal(res.status, 302);
    assert.ok(new URL(res.headers.get("location") ?? "").searchParams.get("code"));
    await sim.control.updateIdentitySettings({ autoApprove: false });
  });
});
