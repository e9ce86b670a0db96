import type { TenantLicences } from "../types.js";
import * as breadth from "./generate/breadth.js";
import { ROLE_TEMPLATES } from "./generate/catalog.js";
import type { GenContext } from "./generate/context.js";
import { groupAt, isTeam } from "./generate/groups.js";
import * as m365 from "./generate/m365.js";
import {
  directoryRoleTemplates,
  eligibilityInstance,
  roleAssignmentId,
  roleDefinitions,
} from "./generate/roles.js";
import * as tenant from "./generate/tenant.js";
import { asJson, type JsonObject } from "./kinds.js";
import type { ObjectStore } from "./store.js";

/**
 * Tenant-level collections that are small (policies, domains, role definitions, Microsoft 365
 * families): generated once on first use and cached, except those derived from live state.
 */
export class TenantData {
  private readonly cache = new Map<string, unknown>();

  constructor(
    private readonly ctx: GenContext,
    private readonly store: ObjectStore,
  ) {}

  private once<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }

  private list<T extends object>(key: string, make: () => T[]): JsonObject[] {
    return this.once(key, () => make().map((x) => asJson(x)));
  }

  private breakGlass(): string | null {
    return this.ctx.counts.user > 0 ? this.store.idAt("user", 0) : null;
  }

  organization(): JsonObject[] {
    return this.list("organization", () => [tenant.organization(this.ctx, this.ctx.counts.user > 3)]);
  }
  domains(): JsonObject[] {
    return this.list("domains", () => tenant.domains(this.ctx));
  }
  subscribedSkus(licences: TenantLicences): JsonObject[] {
    return tenant.subscribedSkus(this.ctx, licences, this.store.activeCount("user")).map((x) => asJson(x));
  }
  groupSettings(): JsonObject[] {
    return this.list("groupSettings", () => tenant.groupSettings(this.ctx));
  }
  namedLocations(): JsonObject[] {
    return this.list("namedLocations", () => tenant.namedLocations(this.ctx));
  }
  conditionalAccessPolicies(): JsonObject[] {
    return this.list("ca", () => tenant.conditionalAccessPolicies(this.ctx, this.breakGlass()));
  }
  identityProviders(): JsonObject[] {
    return this.list("idps", () => tenant.identityProviders(this.ctx));
  }
  directoryRoleTemplates(): JsonObject[] {
    return this.list("templates", () => directoryRoleTemplates());
  }
  roleDefinitions(): JsonObject[] {
    return this.list("roleDefinitions", () => roleDefinitions(this.ctx));
  }

  /** Singleton policies under /policies, by their path segment. */
  policy(name: string): JsonObject | undefined {
    const c = this.ctx;
    const one = (make: () => object) => this.once(`policy:${name}`, () => asJson(make()));
    switch (name) {
      case "authorizationPolicy":
        return one(() => tenant.authorizationPolicy(c));
      case "identitySecurityDefaultsEnforcementPolicy":
        return one(() => tenant.securityDefaultsPolicy(c));
      case "adminConsentRequestPolicy":
        return one(() => tenant.adminConsentRequestPolicy(c, this.breakGlass()));
      case "crossTenantAccessPolicy":
        return one(() => tenant.crossTenantAccessPolicy(c));
      case "crossTenantAccessPolicy/default":
        return one(() => tenant.crossTenantDefault(c));
      case "authenticationMethodsPolicy":
        return one(() => tenant.authenticationMethodsPolicy(c));
      case "authenticationFlowsPolicy":
        return one(() => tenant.authenticationFlowsPolicy(c));
      case "defaultAppManagementPolicy":
        return one(() => tenant.defaultAppManagementPolicy(c));
      case "deviceRegistrationPolicy":
        return one(() => ({ ...tenant.deviceRegistrationPolicy(c), ...breadth.deviceRegistrationExtras(c) }));
      case "externalIdentitiesPolicy":
        return one(() => tenant.externalIdentitiesPolicy(c));
      default:
        return undefined;
    }
  }

  /** Collection policies under /policies, by their path segment. */
  policyList(name: string): JsonObject[] | undefined {
    const c = this.ctx;
    switch (name) {
      case "tokenLifetimePolicies":
        return this.list(name, () => tenant.tokenLifetimePolicies(c));
      case "tokenIssuancePolicies":
        return this.list(name, () => breadth.tokenIssuancePolicies(c));
      case "claimsMappingPolicies":
        return this.list(name, () => breadth.claimsMappingPolicies(c));
      case "homeRealmDiscoveryPolicies":
        return this.list(name, () => breadth.homeRealmDiscoveryPolicies(c));
      case "activityBasedTimeoutPolicies":
        return this.list(name, () => breadth.activityBasedTimeoutPolicies(c));
      case "permissionGrantPolicies":
        return this.list(name, () => tenant.permissionGrantPolicies());
      case "appManagementPolicies":
        return this.list(name, () => tenant.appManagementPolicies(c));
      case "featureRolloutPolicies":
        return this.list(name, () => tenant.featureRolloutPolicies(c));
      case "authenticationStrengthPolicies":
        return this.list(name, () => tenant.authenticationStrengthPolicies());
      case "roleManagementPolicies":
        return this.list(name, () => tenant.roleManagementPolicies(c));
      case "crossTenantAccessPolicy/partners":
        return this.list(name, () => breadth.crossTenantPartners(c));
      default:
        return undefined;
    }
  }

  /** The signed-in admin's personal contacts (`/me/contacts`). */
  adminContacts(): JsonObject[] {
    return this.list("adminContacts", () => breadth.adminContacts(this.ctx));
  }

  /** Unified role assignments: one per current member of each activated role, plus one AU-scoped one. */
  roleAssignments(): JsonObject[] {
    const out: JsonObject[] = [];
    for (let r = 0; r < this.store.positions("directoryRole"); r++) {
      const role = this.store.atPosition("directoryRole", r);
      if (!role) continue;
      const templateId = String(role.roleTemplateId);
      for (const principalId of this.store.memberIds(String(role.id))) {
        out.push({
          id: roleAssignmentId(templateId, principalId),
          appScopeId: null,
          condition: null,
          directoryScopeId: "/",
          principalId,
          roleDefinitionId: templateId,
        });
      }
    }
    if (this.ctx.counts.user > 5 && this.ctx.counts.administrativeUnit > 0) {
      const templateId = ROLE_TEMPLATES.find((t) => t.displayName === "User Administrator")!.id;
      const principalId = this.store.idAt("user", 5);
      const scope = `/administrativeUnits/${this.store.idAt("administrativeUnit", 0)}`;
      if (this.store.getActive(principalId)) {
        out.push({
          id: roleAssignmentId(templateId, principalId, scope),
          appScopeId: null,
          condition: null,
          directoryScopeId: scope,
          principalId,
          roleDefinitionId: templateId,
        });
      }
    }
    return out;
  }

  roleEligibilityScheduleInstances(): JsonObject[] {
    return this.store.rel.roles.eligible
      .map((e, k) => ({ e, k, id: this.store.idAt("user", e.user) }))
      .filter(({ id }) => this.store.getActive(id) !== undefined)
      .map(({ e, k, id }) => asJson(eligibilityInstance(this.ctx, k, e.templateId, id)));
  }

  teams(): JsonObject[] {
    const out: JsonObject[] = [];
    const G = this.ctx.counts.group;
    for (let g = 0; g < G && out.length < 50; g += 20) {
      if (!isTeam(g)) continue;
      const group = this.store.getActive(this.store.idAt("group", g));
      if (!group) continue;
      const x = groupAt(this.ctx, g);
      out.push(
        asJson(
          m365.teamFor(this.ctx, {
            id: x.id!,
            displayName: String(group.obj.displayName),
            visibility: x.visibility ?? null,
            description: x.description ?? null,
          }),
        ),
      );
    }
    return out;
  }

  channels(teamId: string): JsonObject[] {
    return m365.channelsFor(this.ctx, teamId).map((x) => asJson(x));
  }

  teamMembers(teamId: string): JsonObject[] {
    const owners = new Set(this.store.owners(teamId).map((o) => o.id));
    return this.store
      .members(teamId)
      .filter((m) => m.kind === "user")
      .map((m) =>
        asJson({
          "@odata.type": "#microsoft.graph.aadUserConversationMember",
          ...m365.conversationMember(
            this.ctx,
            {
              id: m.id,
              displayName: (m.obj.displayName as string) ?? null,
              mail: (m.obj.mail as string) ?? null,
            },
            owners.has(m.id),
          ),
        }),
      );
  }

  /** Everything else is a fixed small list per tenant. */
  m365(name: string): JsonObject[] | undefined {
    const c = this.ctx;
    const makers: Record<string, () => object[]> = {
      managedDevices: () => m365.managedDevices(c),
      deviceCompliancePolicies: () => m365.deviceCompliancePolicies(c),
      deviceConfigurations: () => m365.deviceConfigurations(c),
      deviceEnrollmentConfigurations: () => m365.deviceEnrollmentConfigurations(c),
      intuneRoleDefinitions: () => m365.intuneRoleDefinitions(c),
      intuneRoleAssignments: () => m365.intuneRoleAssignments(c),
      cloudPCs: () => m365.cloudPcs(c),
      mobileApps: () => m365.mobileApps(c),
      managedAppPolicies: () => m365.managedAppPolicies(c),
      mobileAppConfigurations: () => m365.mobileAppConfigurations(c),
      teamsApps: () => m365.teamsApps(c),
      alerts_v2: () => m365.alertsV2(c),
      secureScores: () => m365.secureScores(c),
      secureScoreControlProfiles: () => m365.secureScoreControlProfiles(c),
      subjectRightsRequests: () => m365.subjectRightsRequests(c),
      securityActions: () => m365.securityActions(c),
      healthOverviews: () => m365.healthOverviews(c),
      issues: () => m365.healthIssues(c),
      messages: () => m365.serviceMessages(c),
      sites: () => m365.sites(c),
      accessReviewDefinitions: () => m365.accessReviewDefinitions(c),
      appConsentRequests: () => m365.appConsentRequests(c),
      riskyUsers: () => m365.riskyUsers(c),
      riskDetections: () => m365.riskDetections(c),
      managedTenants: () => m365.managedTenants(c),
    };
    const make = makers[name];
    return make ? this.list(`m365:${name}`, make) : undefined;
  }

  deviceManagement(): JsonObject {
    return this.once("deviceManagement", () => asJson(m365.deviceManagement(this.ctx)));
  }

  lists(siteId: string): JsonObject[] {
    return m365.listsFor(this.ctx, siteId).map((x) => asJson(x));
  }
}
