import { authenticationMethodsPolicyV1 } from "../../directory/generate/tenant.js";
import type { JsonObject } from "../../directory/index.js";
import type { Ctx } from "../context.js";
import { GraphError } from "../errors.js";
import { json } from "../http.js";
import { PERMS } from "../permissions.js";
import type { RouteDef } from "../router.js";
import { single, small } from "./small.js";

/** Organization, domains, SKUs, role management, settings, identity providers and every /policies path. */

const SINGLETON_POLICIES = [
  "identitySecurityDefaultsEnforcementPolicy",
  "adminConsentRequestPolicy",
  "crossTenantAccessPolicy",
  "authenticationMethodsPolicy",
  "authenticationFlowsPolicy",
  "defaultAppManagementPolicy",
] as const;

const LIST_POLICIES: Record<string, string> = {
  tokenLifetimePolicies: "tokenLifetimePolicy",
  tokenIssuancePolicies: "tokenIssuancePolicy",
  claimsMappingPolicies: "claimsMappingPolicy",
  homeRealmDiscoveryPolicies: "homeRealmDiscoveryPolicy",
  activityBasedTimeoutPolicies: "activityBasedTimeoutPolicy",
  permissionGrantPolicies: "permissionGrantPolicy",
  appManagementPolicies: "appManagementPolicy",
  featureRolloutPolicies: "featureRolloutPolicy",
  authenticationStrengthPolicies: "authenticationStrengthPolicy",
};

/** Narrower permissions Graph also accepts for some policy collections (Policy.Read.All always works). */
const LIST_POLICY_PERMS: Record<string, readonly string[]> = {
  permissionGrantPolicies: ["Policy.Read.All", "Policy.Read.PermissionGrant"],
  authenticationStrengthPolicies: ["Policy.Read.All", "Policy.Read.AuthenticationMethod"],
  appManagementPolicies: ["Policy.Read.All", "Policy.Read.ApplicationConfiguration"],
};

function policy(ctx: Ctx, name: string): JsonObject {
  const p = ctx.dir.data.policy(name);
  if (!p) throw new GraphError(400, "BadRequest", `Resource not found for the segment '${name}'.`);
  return p;
}

function rolePolicies(ctx: Ctx): JsonObject[] {
  return ctx.dir.data.policyList("roleManagementPolicies") ?? [];
}

function rulesOf(ctx: Ctx, policyId: string): unknown {
  return rolePolicies(ctx).find((p) => p.id === policyId)?.rules ?? [];
}

/** The policy as Graph serves it (the role it governs is on the assignment, not the policy). */
function withoutRoleId(p: JsonObject): JsonObject {
  const { roleDefinitionId: _r, ...rest } = p;
  return rest;
}

function withoutRules(p: JsonObject): JsonObject {
  const { rules: _rules, ...rest } = withoutRoleId(p);
  return rest;
}

function betaOnly(ctx: Ctx, segment: string): void {
  if (!ctx.beta) throw new GraphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`);
}

export function tenantRoutes(): RouteDef[] {
  const data = (ctx: Ctx) => ctx.dir.data;
  const routes: RouteDef[] = [
    ...small("organization", PERMS.organization, "organization", (ctx) => data(ctx).organization(), {
      withId: true,
    }),
    {
      pattern: "organization/{id}/branding",
      perms: PERMS.organization,
      handle: (ctx) =>
        json(200, {
          "@odata.context": `${ctx.base}/$metadata#organization('${ctx.params.id}')/branding/$entity`,
          id: "0",
          backgroundColor: "#FFFFFF",
          backgroundImageRelativeUrl: null,
          bannerLogoRelativeUrl: null,
          cdnList: [],
          signInPageText: null,
          squareLogoRelativeUrl: null,
          usernameHintText: null,
        }),
    },
    ...small("domains", PERMS.domains, "domain", (ctx) => data(ctx).domains(), { withId: true }),
    ...small(
      "subscribedSkus",
      PERMS.skus,
      "subscribedSku",
      (ctx) => data(ctx).subscribedSkus(ctx.dir.licences()),
      { withId: true, cost: 3 },
    ),
    ...small(
      "directoryRoleTemplates",
      PERMS.roles,
      "directoryRoleTemplate",
      (ctx) => data(ctx).directoryRoleTemplates(),
      { withId: true },
    ),
    ...small(
      "roleManagement/directory/roleDefinitions",
      PERMS.roles,
      "unifiedRoleDefinition",
      (ctx) => data(ctx).roleDefinitions(),
      { withId: true },
    ),
    ...small(
      "roleManagement/directory/roleAssignments",
      PERMS.roles,
      "unifiedRoleAssignment",
      (ctx) => data(ctx).roleAssignments(),
      { withId: true },
    ),
    ...small(
      "roleManagement/directory/roleAssignmentScheduleInstances",
      PERMS.roleSchedules,
      "unifiedRoleAssignmentScheduleInstance",
      (ctx) =>
        data(ctx)
          .roleAssignments()
          .map((a) => ({
            ...a,
            assignmentType: "Assigned",
            endDateTime: null,
            memberType: "Direct",
            roleAssignmentOriginId: a.id,
            roleAssignmentScheduleId: a.id,
            startDateTime: null,
          })),
      { withId: true, licence: "p2" },
    ),
    ...small(
      "roleManagement/directory/roleEligibilityScheduleInstances",
      PERMS.eligibility,
      "unifiedRoleEligibilityScheduleInstance",
      (ctx) => data(ctx).roleEligibilityScheduleInstances(),
      {
        withId: true,
        licence: "p2",
      },
    ),
    ...small("groupSettings", PERMS.settings, "groupSetting", (ctx) => data(ctx).groupSettings(), {
      withId: true,
    }),
    ...small("settings", PERMS.settings, "directorySetting", (ctx) => {
      betaOnly(ctx, "settings");
      return data(ctx).groupSettings();
    }),
    ...small(
      "identity/conditionalAccess/policies",
      PERMS.conditionalAccess,
      "conditionalAccessPolicy",
      (ctx) => data(ctx).conditionalAccessPolicies(),
      {
        withId: true,
        licence: "p1",
      },
    ),
    ...small(
      "identity/conditionalAccess/namedLocations",
      PERMS.conditionalAccess,
      "namedLocation",
      (ctx) => data(ctx).namedLocations(),
      {
        withId: true,
        licence: "p1",
      },
    ),
    ...small(
      "identity/identityProviders",
      PERMS.identityProviders,
      "identityProviderBase",
      (ctx) => data(ctx).identityProviders(),
      { withId: true },
    ),
    ...small("identityProviders", PERMS.identityProviders, "identityProvider", (ctx) => {
      betaOnly(ctx, "identityProviders");
      return data(ctx).identityProviders();
    }),
    // v1.0 returns the authorization policy as a singleton, beta as a collection of one.
    {
      pattern: "policies/authorizationPolicy",
      perms: PERMS.policy,
      handle: (ctx) => {
        const p = policy(ctx, "authorizationPolicy");
        if (ctx.beta)
          return json(200, {
            "@odata.context": `${ctx.base}/$metadata#policies/authorizationPolicy`,
            value: [p],
          });
        return single(
          "policies/authorizationPolicy",
          PERMS.policy,
          "policies/authorizationPolicy/$entity",
          () => p,
        ).handle(ctx);
      },
    },
    ...SINGLETON_POLICIES.map((name) =>
      single(
        `policies/${name}`,
        name === "authenticationMethodsPolicy" ? PERMS.authMethodsPolicy : PERMS.policy,
        `policies/${name}/$entity`,
        (ctx) =>
          name === "authenticationMethodsPolicy" && !ctx.beta
            ? authenticationMethodsPolicyV1(policy(ctx, name))
            : policy(ctx, name),
      ),
    ),
    single(
      "policies/crossTenantAccessPolicy/default",
      PERMS.policy,
      "policies/crossTenantAccessPolicy/default/$entity",
      (ctx) => policy(ctx, "crossTenantAccessPolicy/default"),
    ),
    ...small(
      "policies/crossTenantAccessPolicy/partners",
      PERMS.policy,
      "crossTenantAccessPolicyConfigurationPartner",
      (ctx) => ctx.dir.data.policyList("crossTenantAccessPolicy/partners") ?? [],
    ),
    single(
      "policies/deviceRegistrationPolicy",
      PERMS.deviceRegistrationPolicy,
      "policies/deviceRegistrationPolicy/$entity",
      (ctx) => {
        betaOnly(ctx, "deviceRegistrationPolicy");
        return policy(ctx, "deviceRegistrationPolicy");
      },
    ),
    single(
      "policies/externalIdentitiesPolicy",
      PERMS.policy,
      "policies/externalIdentitiesPolicy/$entity",
      (ctx) => {
        betaOnly(ctx, "externalIdentitiesPolicy");
        return policy(ctx, "externalIdentitiesPolicy");
      },
    ),
    ...Object.entries(LIST_POLICIES).flatMap(([name, type]) =>
      small(
        `policies/${name}`,
        LIST_POLICY_PERMS[name] ?? PERMS.policy,
        type,
        (ctx) => ctx.dir.data.policyList(name) ?? [],
        {
          withId: true,
        },
      ),
    ),
    // PIM settings: rules only with $expand=rules, as in Graph; assignments map a policy to its role.
    ...small(
      "policies/roleManagementPolicies",
      PERMS.rolePolicies,
      "unifiedRoleManagementPolicy",
      (ctx) => rolePolicies(ctx).map(withoutRules),
      { withId: true, licence: "p2", expand: (ctx) => ({ rules: (o) => rulesOf(ctx, String(o.id)) }) },
    ),
    ...small(
      "policies/roleManagementPolicyAssignments",
      PERMS.rolePolicies,
      "unifiedRoleManagementPolicyAssignment",
      (ctx) =>
        rolePolicies(ctx).map((p) => ({
          id: `${p.id}_${p.roleDefinitionId}`,
          policyId: p.id,
          roleDefinitionId: p.roleDefinitionId,
          scopeId: "/",
          scopeType: "DirectoryRole",
        })),
      {
        withId: true,
        licence: "p2",
        expand: (ctx) => ({
          // `policy` alone, or `policy($expand=rules)` with its rules inlined.
          policy: (o) => {
            const p = rolePolicies(ctx).find((x) => x.id === o.policyId);
            if (!p) return null;
            const nested = (ctx.q.expand ?? []).find((e) => e.startsWith("policy("));
            return nested && /\$expand=rules/i.test(nested) ? withoutRoleId(p) : withoutRules(p);
          },
        }),
      },
    ),
  ];
  return routes;
}
