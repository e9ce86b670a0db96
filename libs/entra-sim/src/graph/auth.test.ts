import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GraphFixture, graphFixture } from "./test-helpers.js";

type Err = { error: { code: string; message: string } };
const code = (r: { json: Record<string, unknown> }) => (r.json as Err).error?.code;

describe("tokens, permissions and licences", () => {
  let f: GraphFixture;
  let premium: string;
  let basic: string;
  before(async () => {
    f = await graphFixture({
      tenants: [
        { sizes: { users: 30 } },
        { sizes: { users: 30 }, licences: { p1: false, p2: false, intune: false } },
      ],
    });
    premium = f.tenants[0]!.tenantId;
    basic = f.tenants[1]!.tenantId;
  });
  after(() => f.stop());

  it("rejects missing, malformed and expired bearer tokens with 401 InvalidAuthenticationToken", async () => {
    for (const token of ["", "not-a-jwt", await f.token(premium, { expiresIn: -120 })]) {
      const r = await f.call("/v1.0/users", { token });
      assert.equal(r.status, 401);
      assert.equal(code(r), "InvalidAuthenticationToken");
    }
    const basicAuth = await f.call("/v1.0/users", {
      headers: { authorization: "Basic dXNlcjpwYXNz" },
      token: "",
    });
    assert.equal(basicAuth.status, 401);
  });

  it("answers 401 Authorization_IdentityNotFound to a still-valid token once its app is deleted", async () => {
    const t = f.tenants[0]!;
    const token = await f.token(premium);
    const app = t.identity.apps[0]!;
    app.deleted = true;
    try {
      const r = await f.call("/v1.0/users?$top=1", { token });
      assert.equal(r.status, 401);
      assert.equal(code(r), "Authorization_IdentityNotFound");
      assert.equal(
        (r.json as Err).error.message,
        "The identity of the calling application could not be established.",
      );
    } finally {
      app.deleted = false;
    }
    assert.equal((await f.call("/v1.0/users?$top=1", { token })).status, 200);
  });

  it("takes the tenant from the token", async () => {
    const a = await f.call("/v1.0/organization?$select=id", { token: await f.token(premium) });
    const b = await f.call("/v1.0/organization?$select=id", { token: await f.token(basic) });
    assert.equal((a.json.value as { id: string }[])[0]!.id, premium);
    assert.equal((b.json.value as { id: string }[])[0]!.id, basic);
  });

  it("answers 403 Authorization_RequestDenied without an accepted permission", async () => {
    const cases: [string, string[], string[]][] = [
      ["/v1.0/users", ["Group.Read.All"], ["User.Read.All"]],
      ["/v1.0/groups", ["User.Read.All"], ["GroupMember.Read.All"]],
      ["/v1.0/applications", ["User.Read.All"], ["Application.Read.All"]],
      ["/v1.0/policies/authorizationPolicy", ["User.Read.All"], ["Policy.Read.All"]],
      ["/v1.0/auditLogs/directoryAudits", ["Directory.Read.All"], ["AuditLog.Read.All"]],
      [
        "/v1.0/roleManagement/directory/roleAssignments",
        ["User.Read.All"],
        ["RoleManagement.Read.Directory"],
      ],
      ["/v1.0/domains", ["User.Read.All"], ["Domain.Read.All"]],
      ["/v1.0/devices", ["User.Read.All"], ["Device.Read.All"]],
      [
        "/v1.0/deviceManagement/managedDevices",
        ["Device.Read.All"],
        ["DeviceManagementManagedDevices.Read.All"],
      ],
    ];
    for (const [path, without, withPerm] of cases) {
      const denied = await f.call(path, { token: await f.token(premium, { roles: without }) });
      assert.equal(denied.status, 403, path);
      assert.equal(code(denied), "Authorization_RequestDenied", path);
      assert.equal((denied.json as Err).error.message, "Insufficient privileges to complete the operation.");
      const ok = await f.call(path, { token: await f.token(premium, { roles: withPerm }) });
      assert.equal(ok.status, 200, `${path} with ${withPerm}: ${ok.text.slice(0, 200)}`);
    }
    // Directory.Read.All and ReadWrite twins are accepted broadly, as in Graph.
    assert.equal(
      (await f.call("/v1.0/users", { token: await f.token(premium, { roles: ["Directory.Read.All"] }) }))
        .status,
      200,
    );
    assert.equal(
      (await f.call("/v1.0/users", { token: await f.token(premium, { roles: ["User.ReadWrite.All"] }) }))
        .status,
      200,
    );
  });

  it("checks delegated scopes (scp) and serves /me for delegated tokens only", async () => {
    const admin = f.tenants[0]!.identity.adminUser;
    const delegated = await f.token(premium, { scp: "User.Read openid profile offline_access" });
    const me = await f.call("/v1.0/me?$select=id,userPrincipalName", { token: delegated });
    assert.equal(me.status, 200);
    assert.equal(me.json.id, admin.id);
    assert.equal((await f.call("/v1.0/users", { token: delegated })).status, 403);
    const appOnly = await f.call("/v1.0/me", { token: await f.token(premium) });
    assert.equal(appOnly.status, 400);
    const roles = await f.call("/v1.0/me/memberOf", {
      token: await f.token(premium, { scp: "Directory.Read.All" }),
    });
    assert.ok(
      (roles.json.value as { displayName: string }[]).some((r) => r.displayName === "Global Administrator"),
    );
  });

  it("licence-gated endpoints answer Authentication_RequestFromNonPremiumTenantOrB2CTenant without P1/P2/Intune", async () => {
    const gated = [
      "/v1.0/auditLogs/signIns",
      "/v1.0/identity/conditionalAccess/policies",
      "/v1.0/identity/conditionalAccess/namedLocations",
      "/v1.0/users?$select=id,signInActivity",
      "/v1.0/identityProtection/riskyUsers",
      "/v1.0/reports/authenticationMethods/userRegistrationDetails",
      "/v1.0/deviceManagement/managedDevices",
      "/v1.0/deviceManagement/deviceCompliancePolicies",
      "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
    ];
    const tokenBasic = await f.token(basic);
    const tokenPremium = await f.token(premium);
    for (const path of gated) {
      const r = await f.call(path, { token: tokenBasic });
      assert.equal(r.status, 403, path);
      assert.equal(code(r), "Authentication_RequestFromNonPremiumTenantOrB2CTenant", path);
      assert.equal((await f.call(path, { token: tokenPremium })).status, 200, path);
    }
    // Not gated: directory audits, users without signInActivity.
    assert.equal((await f.call("/v1.0/auditLogs/directoryAudits?$top=1", { token: tokenBasic })).status, 200);
    assert.equal((await f.call("/v1.0/users?$top=1", { token: tokenBasic })).status, 200);
  });

  it("reads licences live from the identity half", async () => {
    const t = f.tenants[0]!.identity;
    const token = await f.token(premium);
    t.licences.p1 = false;
    assert.equal((await f.call("/v1.0/auditLogs/signIns?$top=1", { token })).status, 403);
    t.licences.p1 = true;
    assert.equal((await f.call("/v1.0/auditLogs/signIns?$top=1", { token })).status, 200);
    const skus = await f.call("/v1.0/subscribedSkus", { token });
    assert.ok(
      (skus.json.value as { skuPartNumber: string }[]).some((s) => s.skuPartNumber === "AAD_PREMIUM"),
    );
  });

  it("signInActivity needs AuditLog.Read.All besides User.Read.All", async () => {
    const r = await f.call("/v1.0/users?$select=signInActivity", {
      token: await f.token(premium, { roles: ["User.Read.All"] }),
    });
    assert.equal(r.status, 403);
    assert.equal(code(r), "Authorization_RequestDenied");
  });
});
