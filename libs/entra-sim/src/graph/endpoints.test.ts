import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GraphFixture, graphFixture } from "./test-helpers.js";

/** Every endpoint of the catalog (sections 2 and 4) answers on v1.0 and beta with Graph's shapes. */

const COLLECTIONS = [
  "users",
  "groups",
  "applications",
  "servicePrincipals",
  "oauth2PermissionGrants",
  "domains",
  "organization",
  "subscribedSkus",
  "directoryRoles",
  "directoryRoleTemplates",
  "roleManagement/directory/roleDefinitions",
  "roleManagement/directory/roleAssignments",
  "roleManagement/directory/roleEligibilityScheduleInstances",
  "roleManagement/directory/roleAssignmentScheduleInstances",
  "directory/administrativeUnits",
  "contacts",
  "devices",
  "groupSettings",
  "identity/conditionalAccess/policies",
  "identity/conditionalAccess/namedLocations",
  "identity/identityProviders",
  "policies/tokenLifetimePolicies",
  "policies/tokenIssuancePolicies",
  "policies/claimsMappingPolicies",
  "policies/homeRealmDiscoveryPolicies",
  "policies/activityBasedTimeoutPolicies",
  "policies/permissionGrantPolicies",
  "policies/appManagementPolicies",
  "policies/featureRolloutPolicies",
  "policies/authenticationStrengthPolicies",
  "policies/roleManagementPolicies",
  "policies/roleManagementPolicyAssignments",
  "policies/crossTenantAccessPolicy/partners",
  "auditLogs/directoryAudits",
  "auditLogs/signIns",
  "reports/authenticationMethods/userRegistrationDetails",
  "identityGovernance/accessReviews/definitions",
  "identityGovernance/appConsent/appConsentRequests",
  "identityProtection/riskyUsers",
  "identityProtection/riskDetections",
  "deviceManagement/managedDevices",
  "deviceManagement/deviceCompliancePolicies",
  "deviceManagement/deviceConfigurations",
  "deviceManagement/deviceEnrollmentConfigurations",
  "deviceManagement/roleDefinitions",
  "deviceManagement/roleAssignments",
  "deviceManagement/virtualEndpoint/cloudPCs",
  "deviceAppManagement/mobileApps",
  "deviceAppManagement/managedAppPolicies",
  "deviceAppManagement/mobileAppConfigurations",
  "appCatalogs/teamsApps",
  "teams",
  "security/alerts_v2",
  "security/secureScores",
  "security/secureScoreControlProfiles",
  "security/subjectRightsRequests",
  "admin/serviceAnnouncement/healthOverviews",
  "admin/serviceAnnouncement/issues",
  "admin/serviceAnnouncement/messages",
  "sites",
  "sites/getAllSites",
];

const SINGLETONS = [
  "policies/authorizationPolicy",
  "policies/identitySecurityDefaultsEnforcementPolicy",
  "policies/adminConsentRequestPolicy",
  "policies/crossTenantAccessPolicy",
  "policies/crossTenantAccessPolicy/default",
  "policies/authenticationMethodsPolicy",
  "policies/authenticationFlowsPolicy",
  "policies/defaultAppManagementPolicy",
  "deviceManagement",
];

const BETA_ONLY = [
  "policies/deviceRegistrationPolicy",
  "policies/externalIdentitiesPolicy",
  "security/securityActions",
  "tenantRelationships/managedTenants/tenants",
  "settings",
];

describe("catalog endpoints", () => {
  let f: GraphFixture;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 120 } }] });
  });
  after(() => f.stop());

  it("serves every collection on v1.0 and beta with @odata.context and value", async () => {
    for (const version of ["v1.0", "beta"]) {
      for (const path of COLLECTIONS) {
        const r = await f.call(`/${version}/${path}`);
        assert.equal(r.status, 200, `${version}/${path} → ${r.text.slice(0, 200)}`);
        assert.equal(r.json["@odata.context"] !== undefined, true, path);
        assert.ok(Array.isArray(r.json.value), path);
      }
    }
  });

  it("serves singletons (authorizationPolicy is a collection on beta, as in Graph)", async () => {
    for (const path of SINGLETONS) {
      const r = await f.call(`/v1.0/${path}`);
      assert.equal(r.status, 200, `${path} → ${r.text.slice(0, 200)}`);
      assert.equal(r.json.value, undefined, path);
    }
    const beta = await f.call("/beta/policies/authorizationPolicy");
    assert.equal((beta.json.value as unknown[]).length, 1);
    for (const path of BETA_ONLY) {
      assert.equal((await f.call(`/beta/${path}`)).status, 200, path);
      assert.equal((await f.call(`/v1.0/${path}`)).status, 400, path);
    }
  });

  it("resolves directoryObjects by id and getByIds (with type filter)", async () => {
    const s = f.tenants[0]!.directory.store;
    const ids = [
      s.idAt("user", 1),
      s.idAt("group", 1),
      s.idAt("device", 1),
      "00000000-0000-0000-0000-000000000000",
    ];
    const r = await f.call("/v1.0/directoryObjects/getByIds", {
      method: "POST",
      body: { ids, types: ["user", "group"] },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(
      (r.json.value as { id: string; "@odata.type": string }[]).map((o) => o["@odata.type"]),
      ["#microsoft.graph.user", "#microsoft.graph.group"],
    );
    for (const u of [1, 2, 3, 40, 77]) {
      const upn = String(s.get(s.idAt("user", u))!.obj.userPrincipalName);
      const byUpn = await f.call(`/v1.0/users/${encodeURIComponent(upn)}?$select=id`);
      assert.equal(byUpn.json.id, s.idAt("user", u), upn);
    }
    assert.equal((await f.call("/v1.0/users/nobody@nowhere.example")).status, 404);
    const one = await f.call(`/v1.0/directoryObjects/${ids[2]}`);
    assert.equal(one.json["@odata.type"], "#microsoft.graph.device");
    assert.equal(
      (await f.call("/v1.0/directoryObjects/getByIds", { method: "POST", body: { ids: "x" } })).status,
      400,
    );
  });

  it("serves the relationships the collector follows", async () => {
    const s = f.tenants[0]!.directory.store;
    // Guests have no manager and traits depend on the (random) tenant id: pick a user that has one.
    const withManager = Array.from({ length: 100 }, (_, u) => s.idAt("user", u + 1)).find((id) =>
      s.manager(id),
    );
    assert.ok(withManager, "the generated tenant has users with a manager");
    const user = withManager;
    const group = s.idAt("group", 0);
    const app = s.idAt("application", 0);
    const sp = s.idAt("servicePrincipal", f.tenants[0]!.directory.ctx.counts.firstPartySps);
    const role = s.idAt("directoryRole", 0);
    const au = s.idAt("administrativeUnit", 0);
    const paths = [
      `users/${user}`,
      `users/${user}/manager`,
      `users/${user}/memberOf`,
      `users/${user}/transitiveMemberOf`,
      `users/${user}/licenseDetails`,
      `users/${user}/appRoleAssignments`,
      `users/${user}/mailboxSettings`,
      `users/${user}/people`,
      `groups/${group}`,
      `groups/${group}/members`,
      `groups/${group}/owners`,
      `groups/${group}/transitiveMembers`,
      `groups/${group}/appRoleAssignments`,
      `applications/${app}`,
      `applications/${app}/owners`,
      `servicePrincipals/${sp}`,
      `servicePrincipals/${sp}/owners`,
      `servicePrincipals/${sp}/appRoleAssignments`,
      `servicePrincipals/${sp}/appRoleAssignedTo`,
      `servicePrincipals/${sp}/oauth2PermissionGrants`,
      `directoryRoles/${role}`,
      `directoryRoles/${role}/members`,
      "directoryRoles(roleTemplateId='62e90394-69f5-4237-9190-012177145e10')",
      `directory/administrativeUnits/${au}`,
      `directory/administrativeUnits/${au}/members`,
      `organization/${f.tenants[0]!.tenantId}/branding`,
    ];
    for (const p of paths) {
      const r = await f.call(`/v1.0/${p}`);
      assert.equal(r.status, 200, `${p} → ${r.text.slice(0, 200)}`);
    }
    const members = await f.call(`/v1.0/directoryRoles/${role}/members`);
    const types = new Set((members.json.value as { "@odata.type": string }[]).map((m) => m["@odata.type"]));
    assert.ok(types.has("#microsoft.graph.user"));
    const teams = await f.call("/v1.0/teams");
    const team = (teams.json.value as { id: string }[])[0]!.id;
    for (const p of [`teams/${team}`, `teams/${team}/members`, `teams/${team}/channels`])
      assert.equal((await f.call(`/v1.0/${p}`)).status, 200, p);
    const channels = await f.call(`/v1.0/teams/${team}/channels`);
    const channel = (channels.json.value as { id: string }[])[0]!.id;
    assert.equal(
      (await f.call(`/v1.0/teams/${team}/channels/${encodeURIComponent(channel)}/members`)).status,
      200,
    );
    const defs = await f.call("/v1.0/identityGovernance/accessReviews/definitions");
    const def = (defs.json.value as { id: string }[])[0]!.id;
    assert.equal(
      (await f.call(`/v1.0/identityGovernance/accessReviews/definitions/${def}/instances`)).status,
      200,
    );
  });
});
