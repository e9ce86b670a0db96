import type { JsonObject } from "../../directory/index.js";
import type { Ctx } from "../context.js";
import { GraphError, notFoundObject } from "../errors.js";
import { json } from "../http.js";
import { PERMS } from "../permissions.js";
import type { RouteDef } from "../router.js";
import { single, small } from "./small.js";

/** Intune, Teams, security, service health, sites, identity governance and protection families. */

const list = (ctx: Ctx, name: string): JsonObject[] => ctx.dir.data.m365(name) ?? [];

function team(ctx: Ctx): JsonObject {
  const id = ctx.params.id!;
  const t = ctx.dir.data.teams().find((x) => String(x.id).toLowerCase() === id.toLowerCase());
  if (!t) throw new GraphError(404, "NotFound", `No team found with Group Id ${id}`);
  return t;
}

function betaOnly(ctx: Ctx, segment: string): void {
  if (!ctx.beta) throw new GraphError(400, "BadRequest", `Resource not found for the segment '${segment}'.`);
}

export function m365Routes(): RouteDef[] {
  const intune = "intune" as const;
  return [
    // Intune
    single(
      "deviceManagement",
      PERMS.intuneService,
      "deviceManagement",
      (ctx) => ctx.dir.data.deviceManagement(),
      intune,
    ),
    ...small(
      "deviceManagement/managedDevices",
      PERMS.intuneDevices,
      "managedDevice",
      (ctx) => list(ctx, "managedDevices"),
      { withId: true, licence: intune },
    ),
    ...small(
      "deviceManagement/deviceCompliancePolicies",
      PERMS.intuneConfig,
      "deviceCompliancePolicy",
      (ctx) => list(ctx, "deviceCompliancePolicies"),
      { withId: true, licence: intune },
    ),
    ...small(
      "deviceManagement/deviceConfigurations",
      PERMS.intuneConfig,
      "deviceConfiguration",
      (ctx) => list(ctx, "deviceConfigurations"),
      { withId: true, licence: intune },
    ),
    ...small(
      "deviceManagement/deviceEnrollmentConfigurations",
      PERMS.intuneService,
      "deviceEnrollmentConfiguration",
      (ctx) => list(ctx, "deviceEnrollmentConfigurations"),
      {
        withId: true,
        licence: intune,
      },
    ),
    ...small(
      "deviceManagement/roleDefinitions",
      PERMS.intuneRbac,
      "roleDefinition",
      (ctx) => list(ctx, "intuneRoleDefinitions"),
      { withId: true, licence: intune },
    ),
    ...small(
      "deviceManagement/roleAssignments",
      PERMS.intuneRbac,
      "deviceAndAppManagementRoleAssignment",
      (ctx) => list(ctx, "intuneRoleAssignments"),
      { withId: true, licence: intune },
    ),
    ...small(
      "deviceManagement/virtualEndpoint/cloudPCs",
      PERMS.cloudPc,
      "cloudPC",
      (ctx) => list(ctx, "cloudPCs"),
      { withId: true, licence: intune },
    ),
    ...small(
      "deviceAppManagement/mobileApps",
      PERMS.intuneApps,
      "mobileApp",
      (ctx) => list(ctx, "mobileApps"),
      { withId: true, licence: intune },
    ),
    ...small(
      "deviceAppManagement/managedAppPolicies",
      PERMS.intuneApps,
      "managedAppPolicy",
      (ctx) => list(ctx, "managedAppPolicies"),
      { withId: true, licence: intune },
    ),
    ...small(
      "deviceAppManagement/mobileAppConfigurations",
      PERMS.intuneApps,
      "managedDeviceMobileAppConfiguration",
      (ctx) => list(ctx, "mobileAppConfigurations"),
      {
        withId: true,
        licence: intune,
      },
    ),
    // Teams
    ...small("appCatalogs/teamsApps", PERMS.teamsApps, "teamsApp", (ctx) => list(ctx, "teamsApps"), {
      withId: true,
    }),
    ...small("teams", PERMS.teams, "team", (ctx) =>
      ctx.dir.data.teams().map((t) => ({ id: t.id, displayName: t.displayName, description: t.description })),
    ),
    {
      pattern: "teams/{id}",
      perms: PERMS.teams,
      handle: (ctx) => json(200, { "@odata.context": `${ctx.base}/$metadata#teams/$entity`, ...team(ctx) }),
    },
    ...small(
      "teams/{id}/members",
      PERMS.teamMembers,
      "conversationMember",
      (ctx) => ctx.dir.data.teamMembers(String(team(ctx).id)),
      { context: "teams('id')/members" },
    ),
    ...small(
      "teams/{id}/channels",
      PERMS.channels,
      "channel",
      (ctx) => ctx.dir.data.channels(String(team(ctx).id)),
      { context: "teams('id')/channels" },
    ),
    {
      pattern: "teams/{id}/channels/{channelId}",
      perms: PERMS.channels,
      handle: (ctx) => {
        const c = ctx.dir.data.channels(String(team(ctx).id)).find((x) => x.id === ctx.params.channelId);
        if (!c) throw notFoundObject(ctx.params.channelId!);
        return json(200, {
          "@odata.context": `${ctx.base}/$metadata#teams('${ctx.params.id}')/channels/$entity`,
          ...c,
        });
      },
    },
    ...small(
      "teams/{id}/channels/{channelId}/members",
      PERMS.channelMembers,
      "conversationMember",
      (ctx) => {
        const t = team(ctx);
        const c = ctx.dir.data.channels(String(t.id)).find((x) => x.id === ctx.params.channelId);
        if (!c) throw notFoundObject(ctx.params.channelId!);
        const members = ctx.dir.data.teamMembers(String(t.id));
        return c.membershipType === "private" ? members.slice(0, 3) : members;
      },
      { context: "teams('id')/channels('id')/members" },
    ),
    // Security
    ...small("security/alerts_v2", PERMS.securityAlerts, "security.alert", (ctx) => list(ctx, "alerts_v2"), {
      withId: true,
    }),
    ...small("security/secureScores", PERMS.secureScores, "secureScore", (ctx) => list(ctx, "secureScores"), {
      withId: true,
    }),
    ...small(
      "security/secureScoreControlProfiles",
      PERMS.secureScores,
      "secureScoreControlProfile",
      (ctx) => list(ctx, "secureScoreControlProfiles"),
      { withId: true },
    ),
    ...small(
      "security/subjectRightsRequests",
      PERMS.subjectRights,
      "subjectRightsRequest",
      (ctx) => list(ctx, "subjectRightsRequests"),
      { withId: true },
    ),
    ...small(
      "privacy/subjectRightsRequests",
      PERMS.subjectRights,
      "subjectRightsRequest",
      (ctx) => list(ctx, "subjectRightsRequests"),
      { withId: true },
    ),
    ...small("security/securityActions", PERMS.securityActions, "securityAction", (ctx) => {
      betaOnly(ctx, "securityActions");
      return list(ctx, "securityActions");
    }),
    // Service health and communications
    ...small(
      "admin/serviceAnnouncement/healthOverviews",
      PERMS.serviceHealth,
      "serviceHealth",
      (ctx) => list(ctx, "healthOverviews"),
      { withId: true },
    ),
    ...small(
      "admin/serviceAnnouncement/issues",
      PERMS.serviceHealth,
      "serviceHealthIssue",
      (ctx) => list(ctx, "issues"),
      { withId: true },
    ),
    ...small(
      "admin/serviceAnnouncement/messages",
      PERMS.serviceMessages,
      "serviceUpdateMessage",
      (ctx) => list(ctx, "messages"),
      { withId: true },
    ),
    // SharePoint sites
    ...small("sites", PERMS.sites, "site", (ctx) => list(ctx, "sites")),
    ...small("sites/getAllSites", PERMS.sites, "site", (ctx) => list(ctx, "sites"), { context: "sites" }),
    {
      pattern: "sites/root",
      perms: PERMS.sites,
      handle: (ctx) =>
        json(200, { "@odata.context": `${ctx.base}/$metadata#sites/$entity`, ...list(ctx, "sites")[0] }),
    },
    {
      pattern: "sites/{id}",
      perms: PERMS.sites,
      handle: (ctx) => {
        const s = list(ctx, "sites").find((x) => x.id === ctx.params.id);
        if (!s) throw new GraphError(404, "itemNotFound", "Requested site could not be found");
        return json(200, { "@odata.context": `${ctx.base}/$metadata#sites/$entity`, ...s });
      },
    },
    ...small(
      "sites/{id}/lists",
      PERMS.sites,
      "list",
      (ctx) => {
        const s = list(ctx, "sites").find((x) => x.id === ctx.params.id);
        if (!s) throw new GraphError(404, "itemNotFound", "Requested site could not be found");
        return ctx.dir.data.lists(String(s.id));
      },
      { context: "sites('id')/lists" },
    ),
    // Identity governance and protection
    ...small(
      "identityGovernance/accessReviews/definitions",
      PERMS.accessReviews,
      "accessReviewScheduleDefinition",
      (ctx) => list(ctx, "accessReviewDefinitions"),
      {
        withId: true,
        licence: "p2",
      },
    ),
    ...small(
      "identityGovernance/accessReviews/definitions/{id}/instances",
      PERMS.accessReviews,
      "accessReviewInstance",
      (ctx) => {
        const d = list(ctx, "accessReviewDefinitions").find((x) => x.id === ctx.params.id);
        if (!d) throw notFoundObject(ctx.params.id!);
        const start = Date.parse(String(d.createdDateTime));
        return [0, 1].map((k) => ({
          id: `${String(d.id).slice(0, 24)}${String(k).padStart(12, "0")}`,
          endDateTime: new Date(start + (k + 1) * 90 * 86_400_000 + 14 * 86_400_000)
            .toISOString()
            .replace(/\.\d{3}Z$/, "Z"),
          startDateTime: new Date(start + (k + 1) * 90 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
          status: k === 0 ? "Completed" : "InProgress",
          scope: d.scope,
          reviewers: d.reviewers,
          fallbackReviewers: [],
        }));
      },
      { licence: "p2", context: "identityGovernance/accessReviews/definitions('id')/instances" },
    ),
    ...small(
      "identityGovernance/appConsent/appConsentRequests",
      PERMS.consentRequests,
      "appConsentRequest",
      (ctx) => list(ctx, "appConsentRequests"),
      { withId: true },
    ),
    ...small(
      "identityProtection/riskyUsers",
      PERMS.riskyUsers,
      "riskyUser",
      (ctx) => list(ctx, "riskyUsers"),
      { withId: true, licence: "p2" },
    ),
    ...small(
      "identityProtection/riskDetections",
      PERMS.riskDetections,
      "riskDetection",
      (ctx) => list(ctx, "riskDetections"),
      { withId: true, licence: "p2" },
    ),
    // Lighthouse (beta) and the signed-in user's contacts
    ...small(
      "tenantRelationships/managedTenants/tenants",
      PERMS.managedTenants,
      "managedTenants.tenant",
      (ctx) => {
        betaOnly(ctx, "managedTenants");
        return list(ctx, "managedTenants");
      },
    ),
    ...small("me/contacts", PERMS.contactsMe, "contact", (ctx) => {
      if (!ctx.claims.oid || ctx.claims.scp === undefined)
        throw new GraphError(
          400,
          "BadRequest",
          "/me request is only valid with delegated authentication flow.",
        );
      return ctx.dir.data.adminContacts();
    }),
  ];
}
