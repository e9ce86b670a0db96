import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GUID_RE } from "./ids.js";
import { APPLICATION_PERMISSIONS } from "./permissions.js";
import { parseScopes } from "./scopes.js";
import { buildTenants } from "./tenants.js";

const now = new Date("2025-01-01T00:00:00Z");

describe("seeded tenant identities", () => {
  it("are deterministic per seed and differ across seeds", () => {
    const a = buildTenants({ seed: 1, tenants: [{}, {}], redirectUris: [], now });
    const b = buildTenants({ seed: 1, tenants: [{}, {}], redirectUris: [], now });
    const c = buildTenants({ seed: 2, tenants: [{}, {}], redirectUris: [], now });
    assert.deepEqual(a, b);
    assert.notEqual(a[0]?.tenantId, c[0]?.tenantId);
    assert.notEqual(a[0]?.apps[0]?.secrets[0]?.value, c[0]?.apps[0]?.secrets[0]?.value);
    assert.notEqual(a[0]?.tenantId, a[1]?.tenantId);
  });

  it("have GUID ids, Entra-shaped secrets, the catalog's permissions and unique domains", () => {
    const tenants = buildTenants({
      seed: 5,
      tenants: Array.from({ length: 12 }, () => ({})),
      redirectUris: ["https://x/cb"],
      now,
    });
    const domains = new Set(tenants.map((t) => t.initialDomain));
    assert.equal(domains.size, 12);
    for (const t of tenants) {
      assert.match(t.tenantId, GUID_RE);
      const app = t.apps[0];
      assert.ok(app);
      assert.match(app.clientId, GUID_RE);
      assert.match(app.secrets[0]?.value ?? "", /^[\w.~-]{3}8Q~[\w.~-]{34}$/);
      assert.equal(app.secrets[0]?.endDateTime, "2027-01-01T00:00:00.000Z");
      assert.deepEqual(app.applicationPermissions, APPLICATION_PERMISSIONS);
      assert.ok(app.redirectUris.includes("https://x/cb"));
      assert.ok(app.redirectUris.includes("http://localhost/oauth/callback"));
      assert.deepEqual(t.licences, { p1: true, p2: true, intune: true });
      assert.equal(t.adminUser.userPrincipalName, `admin@${t.initialDomain}`);
    }
    assert.equal(tenants[10]?.displayName, "Contoso 2");
  });

  it("a non-premium tenant has neither P1 nor P2 unless P2 is asked for", () => {
    const [basic, odd] = buildTenants({
      seed: 1,
      tenants: [{ licences: { p1: false } }, { licences: { p1: false, p2: true } }],
      redirectUris: [],
      now,
    });
    assert.deepEqual(basic?.licences, { p1: false, p2: false, intune: true });
    assert.deepEqual(odd?.licences, { p1: false, p2: true, intune: true });
  });
});

describe("scope parsing", () => {
  it("recognises Graph by URL, app id, simulator endpoint or no prefix", () => {
    const p = parseScopes(
      "openid https://graph.microsoft.com/User.Read.All 00000003-0000-0000-c000-000000000000/Group.Read.All https://localhost:1/AuditLog.Read.All Domain.Read.All OFFLINE_ACCESS",
      ["https://localhost:1"],
    );
    assert.deepEqual(p.oidc, ["openid", "offline_access"]);
    assert.deepEqual(p.graph, ["User.Read.All", "Group.Read.All", "AuditLog.Read.All", "Domain.Read.All"]);
    assert.equal(p.graphDefault, false);
    assert.equal(p.foreignResource, undefined);
    assert.equal(parseScopes("https://graph.microsoft.com//.default", []).graphDefault, true);
    assert.equal(parseScopes("api://other/.default", []).foreignResource, "api://other");
  });
});
