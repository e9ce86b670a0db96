import { type Prop, resource } from "./define.js";

/** Relations read per directory object (owners, app role assignments) and the audit and sign-in logs. */

const ownerId: Prop = ["ownerId", "VARCHAR", "Owner (azuread_user.id or azuread_service_principal.id)"];
const ownerType: Prop = [
  "ownerType",
  "VARCHAR",
  "Kind of owner, e.g. '#microsoft.graph.user' or '#microsoft.graph.servicePrincipal'",
];

export const applicationOwners = resource({
  name: "applicationOwners",
  table: "azuread_application_owner",
  description: "Owners of each app registration (they can change its credentials and permissions)",
  path: "/applications/{id}/owners",
  pageSize: null,
  fanOut: {
    from: "applications",
    parentKey: "applicationId",
    reference: { idKey: "ownerId", typeKey: "ownerType" },
  },
  permissions: ["Application.Read.All", "Directory.Read.All"],
  idDescription: "'<applicationId>:<ownerId>'",
  props: [["applicationId", "VARCHAR", "App registration (azuread_application.id)"], ownerId, ownerType],
});

export const servicePrincipalOwners = resource({
  name: "servicePrincipalOwners",
  table: "azuread_service_principal_owner",
  description: "Owners of each service principal (enterprise app)",
  path: "/servicePrincipals/{id}/owners",
  pageSize: null,
  fanOut: {
    from: "servicePrincipals",
    parentKey: "servicePrincipalId",
    reference: { idKey: "ownerId", typeKey: "ownerType" },
  },
  permissions: ["Application.Read.All", "Directory.Read.All"],
  idDescription: "'<servicePrincipalId>:<ownerId>'",
  props: [
    ["servicePrincipalId", "VARCHAR", "Service principal (azuread_service_principal.id)"],
    ownerId,
    ownerType,
  ],
});

export const groupOwners = resource({
  name: "groupOwners",
  table: "azuread_group_owner",
  description: "Owners of each group (they can change its members)",
  path: "/groups/{id}/owners",
  pageSize: null,
  fanOut: {
    from: "groups",
    parentKey: "groupId",
    reference: { idKey: "ownerId", typeKey: "ownerType" },
  },
  permissions: ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"],
  idDescription: "'<groupId>:<ownerId>'",
  props: [["groupId", "VARCHAR", "Group (azuread_group.id)"], ownerId, ownerType],
});

export const appRoleAssignments = resource({
  name: "appRoleAssignments",
  table: "azuread_app_role_assignment",
  description:
    "App role assignments: users, groups and service principals holding an app role of an API (e.g. Microsoft Graph application permissions), read per resource service principal",
  path: "/servicePrincipals/{id}/appRoleAssignedTo",
  pageSize: 999,
  fanOut: { from: "servicePrincipals", parentKey: "resourceServicePrincipalId", reference: null },
  permissions: ["Application.Read.All", "Directory.Read.All"],
  idDescription: "'<resourceServicePrincipalId>:<assignment id>'",
  props: [
    [
      "resourceServicePrincipalId",
      "VARCHAR",
      "Service principal whose app role is assigned (azuread_service_principal.id)",
    ],
    [
      "appRoleId",
      "VARCHAR",
      "App role (azuread_service_principal.app_roles[].id); all zeros = default access",
    ],
    ["principalId", "VARCHAR", "Who holds it: user, group or service principal id"],
    ["principalType", "VARCHAR", "User, Group or ServicePrincipal"],
    ["principalDisplayName", "VARCHAR", "Name of the holder"],
    ["resourceId", "VARCHAR", "Resource service principal id (as Graph sends it)"],
    ["resourceDisplayName", "VARCHAR", "Name of the resource (API)"],
    ["createdDateTime", "TIMESTAMPTZ", "When it was assigned"],
  ],
});

// ---- Logs (appended by time window, see LogDef) ----------------------------------------------------

export const directoryAudits = resource({
  name: "directoryAudits",
  table: "azuread_directory_audit",
  description: "Directory audit log: every change made in the directory, by whom, to what",
  path: "/auditLogs/directoryAudits",
  pageSize: 1000,
  select: false,
  log: { timeField: "activityDateTime" },
  permissions: ["AuditLog.Read.All"],
  idDescription: "Audit entry id",
  props: [
    ["activityDateTime", "TIMESTAMPTZ", "When it happened"],
    ["activityDisplayName", "VARCHAR", "Activity, e.g. 'Add member to group'"],
    [
      "category",
      "VARCHAR",
      "UserManagement, GroupManagement, ApplicationManagement, RoleManagement, Policy, …",
    ],
    ["operationType", "VARCHAR", "Add, Update, Delete, Assign, …"],
    ["result", "VARCHAR", "success, failure, timeout, unknownFutureValue"],
    ["resultReason", "VARCHAR", "Why it failed"],
    ["loggedByService", "VARCHAR", "Service that logged it"],
    ["correlationId", "VARCHAR", "Correlation id"],
    [
      "initiatedBy",
      "JSON",
      "Who did it: user {id, userPrincipalName, ipAddress} or app {appId, displayName, servicePrincipalId}",
    ],
    [
      "targetResources",
      "JSON",
      "What it changed [{id, displayName, type, userPrincipalName, modifiedProperties}]",
    ],
    ["additionalDetails", "JSON", "Extra key/value details"],
  ],
});

export const signIns = resource({
  name: "signIns",
  table: "azuread_sign_in",
  description:
    "Interactive sign-ins: who signed in to what, from where, how, and what Conditional Access did",
  path: "/auditLogs/signIns",
  pageSize: 1000,
  select: false,
  log: { timeField: "createdDateTime" },
  permissions: ["AuditLog.Read.All"],
  licence: "p1",
  idDescription: "Sign-in id",
  props: [
    ["createdDateTime", "TIMESTAMPTZ", "When it happened"],
    ["userId", "VARCHAR", "User (azuread_user.id)"],
    ["userPrincipalName", "VARCHAR", "Sign-in name"],
    ["userDisplayName", "VARCHAR", "Name"],
    ["appId", "VARCHAR", "Application signed in to"],
    ["appDisplayName", "VARCHAR", "Application name"],
    ["resourceDisplayName", "VARCHAR", "Resource (API) accessed"],
    ["ipAddress", "VARCHAR", "Client IP address"],
    [
      "clientAppUsed",
      "VARCHAR",
      "Browser, Mobile Apps and Desktop clients, Exchange ActiveSync, IMAP4, … (legacy protocols)",
    ],
    ["isInteractive", "BOOLEAN", "Interactive sign-in"],
    ["conditionalAccessStatus", "VARCHAR", "success, failure, notApplied"],
    ["appliedConditionalAccessPolicies", "JSON", "Policies evaluated and their result"],
    ["status", "JSON", "errorCode (0 = success), failureReason, additionalDetails"],
    ["location", "JSON", "City, state, country"],
    ["deviceDetail", "JSON", "Device id, OS, browser, compliance"],
    ["riskLevelDuringSignIn", "VARCHAR", "Risk at sign-in"],
    ["riskState", "VARCHAR", "Risk state"],
    ["correlationId", "VARCHAR", "Correlation id"],
  ],
});
