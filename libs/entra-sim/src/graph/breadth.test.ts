import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GraphFixture, graphFixture, pages } from "./test-helpers.js";

/**
 * The collections added for the catalog's breadth: seeded so a fresh tenant shows rows, paged like
 * Graph, refused without their permission or licence, and /me reads only for a signed-in user.
 */
describe("catalog breadth endpoints", () => {
  let f: GraphFixture;
  let tid: string;
  before(async () => {
    f = await graphFixture({
      tenants: [{ sizes: { users: 40 } }, { sizes: { users: 10 }, licences: { intune: false } }],
    });
    tid = f.tenants[0]!.tenantId;
  });
  after(() => f.stop());

  it("lists cross-tenant partners without ids (keyed by tenantId), paged with $top", async () => {
    const all = await pages(f, "/v1.0/policies/crossTenantAccessPolicy/partners?$top=1");
    assert.equal(all.length, 2, "two pages of one");
    const partners = all.flatMap((p) => p.value as Array<Record<string, unknown>>);
    assert.equal(partners.length, 2);
    for (const p of partners) {
      assert.equal(p.id, undefined);
      assert.match(String(p.tenantId), /^[0-9a-f-]{36}$/);
    }
  });

  it("seeds the STS policy collections and the device registration join settings", async () => {
    const claims = await f.call("/v1.0/policies/claimsMappingPolicies");
    assert.equal(claims.status, 200);
    const [policy] = claims.json.value as Array<Record<string, unknown>>;
    const definition = policy?.definition;
    assert.ok(Array.isArray(definition));
    assert.ok(JSON.parse(String(definition[0])).ClaimsMappingPolicy);
    const timeouts = await f.call("/v1.0/policies/activityBasedTimeoutPolicies");
    assert.equal((timeouts.json.value as unknown[]).length, 1);
    const reg = await f.call("/beta/policies/deviceRegistrationPolicy");
    assert.equal(reg.status, 200);
    assert.ok(reg.json.azureADJoin && reg.json.azureADRegistration && reg.json.localAdminPassword);
  });

  it("serves /me/contacts to a signed-in user only", async () => {
    const delegated = await f.token(tid, { scp: "Contacts.Read" });
    const mine = await f.call("/v1.0/me/contacts", { token: delegated });
    assert.equal(mine.status, 200);
    assert.equal((mine.json.value as unknown[]).length, 3);
    const app = await f.call("/v1.0/me/contacts");
    assert.equal(app.status, 400);
    assert.match(app.text, /only valid with delegated authentication flow/);
  });

  it("refuses a missing permission with Authorization_RequestDenied, and accepts Graph's narrower ones", async () => {
    const teams = await f.call("/v1.0/teams?$select=id");
    const team = (teams.json.value as Array<{ id: string }>)[0]!.id;
    const channels = await f.call(`/v1.0/teams/${team}/channels`);
    const channel = (channels.json.value as Array<{ id: string }>)[0]!.id;
    const path = `/v1.0/teams/${team}/channels/${encodeURIComponent(channel)}/members`;
    assert.equal((await f.call(path)).status, 200);
    const without = await f.token(tid, { roles: ["Channel.ReadBasic.All", "TeamMember.Read.All"] });
    const refused = await f.call(path, { token: without });
    assert.equal(refused.status, 403);
    assert.equal((refused.json.error as { code: string }).code, "Authorization_RequestDenied");
    const narrow = await f.token(tid, { roles: ["Policy.Read.PermissionGrant"] });
    assert.equal((await f.call("/v1.0/policies/permissionGrantPolicies", { token: narrow })).status, 200);
  });

  it("answers Intune and Cloud PC reads of a tenant without Intune with the licence error", async () => {
    const other = f.tenants[1]!.tenantId;
    const token = await f.token(other);
    for (const path of [
      "/v1.0/deviceManagement/virtualEndpoint/cloudPCs",
      "/v1.0/deviceManagement/managedDevices",
    ]) {
      const res = await f.call(path, { token });
      assert.equal(res.status, 403, path);
      assert.equal(
        (res.json.error as { code: string }).code,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        path,
      );
    }
  });
});
