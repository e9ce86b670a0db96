import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import ts from "typescript";
import { type GraphFixture, graphFixture } from "./test-helpers.js";

/**
 * Checks what the simulator serves against @microsoft/microsoft-graph-types with the TypeScript
 * compiler API: every key must be a property of the Graph type and every value must have that
 * property's type (string/number/boolean, literal unions, arrays, nested complex types, null only
 * where nullable). Objects carrying "@odata.type" are checked against that derived type.
 */

const require = createRequire(import.meta.url);
const typesFile = require.resolve("@microsoft/microsoft-graph-types/microsoft-graph.d.ts");
const program = ts.createProgram([typesFile], {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
});
const checker = program.getTypeChecker();
const interfaces = new Map<string, ts.InterfaceDeclaration>();

function collect(statements: ts.NodeArray<ts.Statement>, prefix: string): void {
  for (const st of statements) {
    if (ts.isInterfaceDeclaration(st)) interfaces.set(`${prefix}${st.name.text}`.toLowerCase(), st);
    if (ts.isModuleDeclaration(st) && st.body && ts.isModuleBlock(st.body))
      collect(st.body.statements, `${prefix}${st.name.text}.`);
  }
}
collect(program.getSourceFile(typesFile)!.statements, "");

function typeNamed(name: string): ts.Type {
  const decl = interfaces.get(name.toLowerCase());
  assert.ok(decl, `no Graph type ${name}`);
  return checker.getTypeAtLocation(decl.name);
}

/** "#microsoft.graph.security.alert" → "SecurityNamespace.alert"; "#microsoft.graph.ipNamedLocation" → "ipNamedLocation". */
function typeFromOdata(odataType: string): ts.Type {
  const name = odataType.replace(/^#microsoft\.graph\./, "");
  const parts = name.split(".");
  return typeNamed(parts.length === 2 ? `${parts[0]}Namespace.${parts[1]}` : name);
}

/** Properties Graph returns although the v1.0 type set does not declare them. */
const UNDECLARED = new Set(["resourceProvisioningOptions", "resourceBehaviorOptions"]);

function check(value: unknown, type: ts.Type, path: string, errors: string[]): void {
  const flags = type.flags;
  if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  if (type.isUnion()) {
    if (value === null && type.types.some((t) => t.flags & ts.TypeFlags.Null)) return;
    for (const t of type.types) {
      if (t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)) continue;
      const sub: string[] = [];
      check(value, t, path, sub);
      if (sub.length === 0) return;
    }
    errors.push(`${path}: ${JSON.stringify(value)?.slice(0, 80)} is not ${checker.typeToString(type)}`);
    return;
  }
  if (value === null) {
    errors.push(`${path}: null but ${checker.typeToString(type)} is not nullable`);
    return;
  }
  if (type.isStringLiteral()) {
    if (value !== type.value) errors.push(`${path}: ${JSON.stringify(value)} is not "${type.value}"`);
    return;
  }
  if (flags & ts.TypeFlags.String) {
    if (typeof value !== "string") errors.push(`${path}: expected string, got ${typeof value}`);
    return;
  }
  if (flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) {
    if (typeof value !== "number") errors.push(`${path}: expected number, got ${typeof value}`);
    return;
  }
  if (flags & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) {
    if (typeof value !== "boolean") errors.push(`${path}: expected boolean, got ${typeof value}`);
    return;
  }
  if (checker.isArrayType(type)) {
    if (!Array.isArray(value)) {
      errors.push(`${path}: expected array, got ${typeof value}`);
      return;
    }
    const el = checker.getTypeArguments(type as ts.TypeReference)[0]!;
    for (const [i, v] of value.entries()) check(v, el, `${path}[${i}]`, errors);
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    errors.push(
      `${path}: expected object ${checker.typeToString(type)}, got ${Array.isArray(value) ? "array" : typeof value}`,
    );
    return;
  }
  const record = value as Record<string, unknown>;
  const odataType = record["@odata.type"];
  const target = typeof odataType === "string" ? typeFromOdata(odataType) : type;
  const index = target.getStringIndexType();
  for (const [k, v] of Object.entries(record)) {
    if (k.startsWith("@odata.") || k.includes("@")) continue;
    const prop = target.getProperty(k);
    if (!prop) {
      if (index) check(v, index, `${path}.${k}`, errors);
      else if (!UNDECLARED.has(k))
        errors.push(`${path}.${k}: not a property of ${checker.typeToString(target)}`);
      continue;
    }
    const decl = prop.valueDeclaration ?? prop.declarations?.[0];
    if (!decl) continue;
    check(v, checker.getTypeOfSymbolAtLocation(prop, decl), `${path}.${k}`, errors);
  }
}

function assertShape(items: unknown[], typeName: string, label: string): void {
  assert.ok(items.length > 0, `${label}: nothing to check`);
  const errors: string[] = [];
  const type = typeNamed(typeName);
  for (const [i, o] of items.entries()) check(o, type, `${label}[${i}]`, errors);
  assert.deepEqual(errors.slice(0, 10), [], `${label} does not match ${typeName}`);
}

const COLLECTIONS: [string, string][] = [
  ["/beta/users?$top=60", "User"],
  ["/v1.0/users?$top=60&$select=id,signInActivity,accountEnabled,userType", "User"],
  ["/v1.0/groups?$top=20", "Group"],
  ["/v1.0/applications", "Application"],
  ["/v1.0/servicePrincipals", "ServicePrincipal"],
  ["/v1.0/directoryRoles", "DirectoryRole"],
  ["/v1.0/directory/administrativeUnits", "AdministrativeUnit"],
  ["/v1.0/oauth2PermissionGrants", "OAuth2PermissionGrant"],
  ["/v1.0/contacts", "OrgContact"],
  ["/v1.0/devices?$top=30", "Device"],
  ["/v1.0/organization", "Organization"],
  ["/v1.0/domains", "Domain"],
  ["/v1.0/subscribedSkus", "SubscribedSku"],
  ["/v1.0/groupSettings", "GroupSetting"],
  ["/v1.0/directoryRoleTemplates", "DirectoryRoleTemplate"],
  ["/v1.0/roleManagement/directory/roleDefinitions", "UnifiedRoleDefinition"],
  ["/v1.0/roleManagement/directory/roleAssignments", "UnifiedRoleAssignment"],
  [
    "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
    "UnifiedRoleEligibilityScheduleInstance",
  ],
  ["/v1.0/identity/conditionalAccess/policies", "ConditionalAccessPolicy"],
  ["/v1.0/identity/conditionalAccess/namedLocations", "NamedLocation"],
  ["/v1.0/identity/identityProviders", "IdentityProviderBase"],
  ["/v1.0/policies/permissionGrantPolicies", "PermissionGrantPolicy"],
  ["/v1.0/policies/authenticationStrengthPolicies", "AuthenticationStrengthPolicy"],
  ["/v1.0/policies/roleManagementPolicies", "UnifiedRoleManagementPolicy"],
  ["/v1.0/policies/roleManagementPolicyAssignments", "UnifiedRoleManagementPolicyAssignment"],
  ["/v1.0/policies/roleManagementPolicies?$expand=rules", "UnifiedRoleManagementPolicy"],
  [
    "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId%20eq%20'%2F'%20and%20scopeType%20eq%20'DirectoryRole'&$expand=policy($expand=rules)",
    "UnifiedRoleManagementPolicyAssignment",
  ],
  ["/v1.0/auditLogs/directoryAudits?$top=200", "DirectoryAudit"],
  ["/v1.0/auditLogs/signIns?$top=200", "SignIn"],
  ["/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=60", "UserRegistrationDetails"],
  ["/v1.0/identityGovernance/accessReviews/definitions", "AccessReviewScheduleDefinition"],
  ["/v1.0/identityGovernance/appConsent/appConsentRequests", "AppConsentRequest"],
  ["/v1.0/identityProtection/riskyUsers", "RiskyUser"],
  ["/v1.0/identityProtection/riskDetections", "RiskDetection"],
  ["/v1.0/deviceManagement/managedDevices", "ManagedDevice"],
  ["/v1.0/deviceManagement/deviceCompliancePolicies", "DeviceCompliancePolicy"],
  ["/v1.0/deviceManagement/deviceConfigurations", "DeviceConfiguration"],
  ["/v1.0/deviceManagement/deviceEnrollmentConfigurations", "DeviceEnrollmentConfiguration"],
  ["/v1.0/deviceManagement/roleDefinitions", "RoleDefinition"],
  ["/v1.0/deviceManagement/roleAssignments", "DeviceAndAppManagementRoleAssignment"],
  ["/v1.0/deviceManagement/virtualEndpoint/cloudPCs", "CloudPC"],
  ["/v1.0/deviceAppManagement/mobileApps", "MobileApp"],
  ["/v1.0/deviceAppManagement/managedAppPolicies", "ManagedAppPolicy"],
  ["/v1.0/deviceAppManagement/mobileAppConfigurations", "ManagedDeviceMobileAppConfiguration"],
  ["/v1.0/appCatalogs/teamsApps", "TeamsApp"],
  ["/v1.0/security/alerts_v2", "SecurityNamespace.Alert"],
  ["/v1.0/security/secureScores", "SecureScore"],
  ["/v1.0/security/secureScoreControlProfiles", "SecureScoreControlProfile"],
  ["/v1.0/security/subjectRightsRequests", "SubjectRightsRequest"],
  ["/v1.0/admin/serviceAnnouncement/healthOverviews", "ServiceHealth"],
  ["/v1.0/admin/serviceAnnouncement/issues", "ServiceHealthIssue"],
  ["/v1.0/admin/serviceAnnouncement/messages", "ServiceUpdateMessage"],
  ["/v1.0/sites", "Site"],
];

const SINGLETONS: [string, string][] = [
  ["/v1.0/policies/authorizationPolicy", "AuthorizationPolicy"],
  ["/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", "IdentitySecurityDefaultsEnforcementPolicy"],
  ["/v1.0/policies/adminConsentRequestPolicy", "AdminConsentRequestPolicy"],
  ["/v1.0/policies/crossTenantAccessPolicy", "CrossTenantAccessPolicy"],
  ["/v1.0/policies/crossTenantAccessPolicy/default", "CrossTenantAccessPolicyConfigurationDefault"],
  ["/v1.0/policies/authenticationMethodsPolicy", "AuthenticationMethodsPolicy"],
  ["/v1.0/policies/authenticationFlowsPolicy", "AuthenticationFlowsPolicy"],
  ["/v1.0/policies/defaultAppManagementPolicy", "TenantAppManagementPolicy"],
  ["/beta/policies/deviceRegistrationPolicy", "DeviceRegistrationPolicy"],
  ["/v1.0/deviceManagement", "DeviceManagement"],
];

describe("payloads match @microsoft/microsoft-graph-types", () => {
  let f: GraphFixture;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 60 } }] });
  });
  after(() => f.stop());

  for (const [path, type] of COLLECTIONS) {
    it(`${path} → ${type}`, async () => {
      const r = await f.call(path);
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assertShape(r.json.value as unknown[], type, path);
    });
  }

  for (const [path, type] of SINGLETONS) {
    it(`${path} → ${type}`, async () => {
      const r = await f.call(path);
      assert.equal(r.status, 200, r.text.slice(0, 300));
      const { "@odata.context": _ctx, ...obj } = r.json;
      assertShape([obj], type, path);
    });
  }

  it("relationships and teams match their types", async () => {
    const store = f.tenants[0]!.directory.store;
    const sp = store.idAt("servicePrincipal", 0);
    const assigned = await f.call(`/v1.0/servicePrincipals/${sp}/appRoleAssignedTo`);
    assertShape(assigned.json.value as unknown[], "AppRoleAssignment", "appRoleAssignedTo");
    const licensed = Array.from({ length: 60 }, (_, i) => store.idAt("user", i)).find(
      (id) => ((store.get(id)?.obj.assignedLicenses as unknown[]) ?? []).length > 0,
    );
    const lic = await f.call(`/v1.0/users/${licensed}/licenseDetails`);
    assertShape(lic.json.value as unknown[], "LicenseDetails", "licenseDetails");
    const teams = await f.call("/v1.0/teams");
    const teamId = (teams.json.value as { id: string }[])[0]!.id;
    const team = await f.call(`/v1.0/teams/${teamId}`);
    const { "@odata.context": _c, ...t } = team.json;
    assertShape([t], "Team", "team");
    const channels = await f.call(`/v1.0/teams/${teamId}/channels`);
    assertShape(channels.json.value as unknown[], "Channel", "channels");
    const members = await f.call(`/v1.0/teams/${teamId}/members`);
    assertShape(members.json.value as unknown[], "ConversationMember", "team members");
    const sites = await f.call("/v1.0/sites");
    const site = (sites.json.value as { id: string }[])[0]!.id;
    const lists = await f.call(`/v1.0/sites/${site}/lists`);
    assertShape(lists.json.value as unknown[], "List", "lists");
  });

  it("the checker itself rejects wrong names, types and nulls", () => {
    const errors: string[] = [];
    check(
      { displayName: 3, notAField: true, accountEnabled: "yes", businessPhones: [1] },
      typeNamed("User"),
      "u",
      errors,
    );
    assert.equal(errors.length, 4, errors.join("\n"));
    const e2: string[] = [];
    check({ state: "sometimes" }, typeNamed("ConditionalAccessPolicy"), "p", e2);
    check({ isVerified: null }, typeNamed("Domain"), "d", e2);
    assert.equal(e2.length, 2, e2.join("\n"));
  });
});
