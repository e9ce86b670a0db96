import { snakeCase } from "./naming.js";
import type { ColumnDef, ColumnType, Licence, ResourceDef } from "./types.js";

type Prop = [property: string, type: ColumnType, description: string];

function columns(props: Prop[]): ColumnDef[] {
  return props.map(([property, type, description]) => ({
    name: snakeCase(property),
    property,
    type,
    description,
  }));
}

interface Spec {
  name: string;
  table: string;
  description: string;
  path: string;
  version?: "v1.0" | "beta";
  delta?: boolean;
  pageSize?: number | null;
  singleton?: boolean;
  permissions: string[];
  licence?: Licence;
  props: Prop[];
}

function resource(s: Spec): ResourceDef {
  return {
    name: s.name,
    table: s.table,
    description: s.description,
    path: s.path,
    version: s.version ?? "v1.0",
    delta: s.delta ?? false,
    pageSize: s.pageSize === undefined ? 999 : s.pageSize,
    singleton: s.singleton ?? false,
    permissions: s.permissions,
    licence: s.licence ?? null,
    columns: columns([["id", "VARCHAR", "Object id (GUID) in the directory"], ...s.props]),
  };
}

const keyCredentials: Prop = [
  "keyCredentials",
  "JSON",
  "Certificates (keyId, type, usage, startDateTime, endDateTime)",
];
const passwordCredentials: Prop = [
  "passwordCredentials",
  "JSON",
  "Client secrets (keyId, displayName, hint, startDateTime, endDateTime); never the secret",
];

export const users = resource({
  name: "users",
  table: "azuread_user",
  description: "Users: members and guests, cloud-only and synced from on-premises",
  path: "/users",
  delta: true,
  permissions: ["User.Read.All", "Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Name shown in the directory"],
    ["userPrincipalName", "VARCHAR", "Sign-in name (UPN)"],
    ["mail", "VARCHAR", "Primary SMTP address"],
    ["givenName", "VARCHAR", "First name"],
    ["surname", "VARCHAR", "Last name"],
    ["jobTitle", "VARCHAR", "Job title"],
    ["department", "VARCHAR", "Department"],
    ["companyName", "VARCHAR", "Company"],
    ["userType", "VARCHAR", "'Member' or 'Guest'"],
    ["accountEnabled", "BOOLEAN", "Whether the account can sign in"],
    ["createdDateTime", "TIMESTAMPTZ", "When the user was created"],
    ["creationType", "VARCHAR", "How the account was created (Invitation, LocalAccount, …)"],
    ["externalUserState", "VARCHAR", "Guest invitation state: PendingAcceptance or Accepted"],
    ["externalUserStateChangeDateTime", "TIMESTAMPTZ", "When externalUserState last changed"],
    ["onPremisesSyncEnabled", "BOOLEAN", "true when synced from on-premises AD"],
    ["onPremisesImmutableId", "VARCHAR", "On-premises immutable id"],
    ["onPremisesLastSyncDateTime", "TIMESTAMPTZ", "Last directory sync"],
    ["onPremisesSamAccountName", "VARCHAR", "On-premises sAMAccountName"],
    ["onPremisesDomainName", "VARCHAR", "On-premises domain"],
    ["usageLocation", "VARCHAR", "Two-letter country code for licensing"],
    ["passwordPolicies", "VARCHAR", "e.g. DisablePasswordExpiration"],
    ["lastPasswordChangeDateTime", "TIMESTAMPTZ", "Last password change"],
    ["signInSessionsValidFromDateTime", "TIMESTAMPTZ", "Tokens issued before this are invalid"],
    ["proxyAddresses", "VARCHAR[]", "Email aliases (smtp:/SMTP:)"],
    ["otherMails", "VARCHAR[]", "Additional email addresses"],
    ["businessPhones", "VARCHAR[]", "Phone numbers"],
    ["identities", "JSON", "Sign-in identities (signInType, issuer, issuerAssignedId)"],
    ["assignedLicenses", "JSON", "Licences (skuId, disabledPlans)"],
    ["employeeId", "VARCHAR", "Employee id"],
    ["employeeType", "VARCHAR", "Employee type"],
  ],
});

export const groups = resource({
  name: "groups",
  table: "azuread_group",
  description: "Groups: security, Microsoft 365 and mail-enabled; role-assignable or not",
  path: "/groups",
  delta: true,
  permissions: ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Group name"],
    ["description", "VARCHAR", "Description"],
    ["mail", "VARCHAR", "SMTP address"],
    ["mailEnabled", "BOOLEAN", "Mail-enabled"],
    ["mailNickname", "VARCHAR", "Mail alias"],
    ["securityEnabled", "BOOLEAN", "Security group"],
    ["groupTypes", "VARCHAR[]", "'Unified' for Microsoft 365 groups, 'DynamicMembership' for dynamic groups"],
    ["isAssignableToRole", "BOOLEAN", "Can be assigned to a directory role"],
    ["membershipRule", "VARCHAR", "Dynamic membership rule"],
    ["membershipRuleProcessingState", "VARCHAR", "On or Paused"],
    ["visibility", "VARCHAR", "Public, Private or HiddenMembership"],
    ["createdDateTime", "TIMESTAMPTZ", "When the group was created"],
    ["renewedDateTime", "TIMESTAMPTZ", "Last renewal"],
    ["expirationDateTime", "TIMESTAMPTZ", "Expiry under a group lifecycle policy"],
    ["onPremisesSyncEnabled", "BOOLEAN", "Synced from on-premises AD"],
    ["onPremisesLastSyncDateTime", "TIMESTAMPTZ", "Last directory sync"],
    ["securityIdentifier", "VARCHAR", "Security identifier (SID)"],
    ["proxyAddresses", "VARCHAR[]", "Email aliases"],
    ["classification", "VARCHAR", "Classification label"],
  ],
});

export const servicePrincipals = resource({
  name: "servicePrincipals",
  table: "azuread_service_principal",
  description: "Service principals: the instances of applications in this tenant (enterprise apps)",
  path: "/servicePrincipals",
  delta: true,
  permissions: ["Application.Read.All", "Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Name"],
    ["appId", "VARCHAR", "Application (client) id"],
    ["appDisplayName", "VARCHAR", "Name of the application"],
    ["appOwnerOrganizationId", "VARCHAR", "Tenant that owns the application"],
    ["accountEnabled", "BOOLEAN", "Whether it can sign in"],
    ["servicePrincipalType", "VARCHAR", "Application, ManagedIdentity, Legacy, SocialIdp"],
    ["appRoleAssignmentRequired", "BOOLEAN", "Users need an app role assignment to sign in"],
    ["signInAudience", "VARCHAR", "AzureADMyOrg, AzureADMultipleOrgs, …"],
    ["servicePrincipalNames", "VARCHAR[]", "Identifier URIs and app id"],
    ["replyUrls", "VARCHAR[]", "Redirect URIs"],
    ["tags", "VARCHAR[]", "Tags"],
    ["appRoles", "JSON", "App roles it exposes"],
    ["oauth2PermissionScopes", "JSON", "Delegated permissions it exposes"],
    keyCredentials,
    passwordCredentials,
  ],
});

export const applications = resource({
  name: "applications",
  table: "azuread_application",
  description: "App registrations owned by this tenant",
  path: "/applications",
  delta: true,
  permissions: ["Application.Read.All", "Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Name"],
    ["appId", "VARCHAR", "Application (client) id"],
    ["signInAudience", "VARCHAR", "Who can sign in"],
    ["publisherDomain", "VARCHAR", "Verified publisher domain"],
    ["identifierUris", "VARCHAR[]", "App ID URIs"],
    ["tags", "VARCHAR[]", "Tags"],
    keyCredentials,
    passwordCredentials,
    ["requiredResourceAccess", "JSON", "API permissions it requests"],
    ["api", "JSON", "Exposed API settings"],
    ["web", "JSON", "Web platform settings (redirect URIs, implicit grant)"],
    ["spa", "JSON", "Single-page app redirect URIs"],
    ["createdDateTime", "TIMESTAMPTZ", "When it was created"],
  ],
});

export const oauth2PermissionGrants = resource({
  name: "oauth2PermissionGrants",
  table: "azuread_oauth2_permission_grant",
  description: "Delegated permission grants: tenant-wide (AllPrincipals) or for one user (Principal)",
  path: "/oauth2PermissionGrants",
  delta: true,
  pageSize: null,
  permissions: ["DelegatedPermissionGrant.Read.All", "Directory.Read.All"],
  props: [
    ["clientId", "VARCHAR", "Object id of the client service principal"],
    ["consentType", "VARCHAR", "AllPrincipals (admin consent for everyone) or Principal"],
    ["principalId", "VARCHAR", "User the grant is for (Principal grants)"],
    ["resourceId", "VARCHAR", "Object id of the resource service principal (e.g. Microsoft Graph)"],
    ["scope", "VARCHAR", "Space-separated delegated permissions"],
  ],
});

export const domains = resource({
  name: "domains",
  table: "azuread_domain",
  description: "Domains registered in the tenant",
  path: "/domains",
  pageSize: null,
  permissions: ["Domain.Read.All", "Directory.Read.All"],
  props: [
    ["authenticationType", "VARCHAR", "Managed or Federated"],
    ["isDefault", "BOOLEAN", "Default domain for new users"],
    ["isInitial", "BOOLEAN", "The initial *.onmicrosoft.com domain"],
    ["isRoot", "BOOLEAN", "Root domain"],
    ["isVerified", "BOOLEAN", "Ownership verified"],
    ["isAdminManaged", "BOOLEAN", "DNS managed by the admin"],
    ["supportedServices", "VARCHAR[]", "Email, OfficeCommunicationsOnline, …"],
    ["passwordValidityPeriodInDays", "BIGINT", "Password lifetime (2147483647 = never expires)"],
    ["passwordNotificationWindowInDays", "BIGINT", "Days of warning before expiry"],
  ],
});

export const organization = resource({
  name: "organization",
  table: "azuread_organization",
  description: "The tenant itself",
  path: "/organization",
  pageSize: null,
  permissions: ["Organization.Read.All", "Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Tenant name"],
    ["tenantType", "VARCHAR", "AAD, AAD B2C, …"],
    ["verifiedDomains", "JSON", "Verified domains (name, type, isDefault, isInitial, capabilities)"],
    ["onPremisesSyncEnabled", "BOOLEAN", "Directory sync enabled"],
    ["onPremisesLastSyncDateTime", "TIMESTAMPTZ", "Last directory sync"],
    ["technicalNotificationMails", "VARCHAR[]", "Technical contacts"],
    ["securityComplianceNotificationMails", "VARCHAR[]", "Security contacts"],
    ["countryLetterCode", "VARCHAR", "Country"],
    ["createdDateTime", "TIMESTAMPTZ", "When the tenant was created"],
    ["assignedPlans", "JSON", "Service plans"],
  ],
});

/** Every resource the collector knows, in collection order. */
export const catalog: readonly ResourceDef[] = [
  organization,
  domains,
  users,
  groups,
  applications,
  servicePrincipals,
  oauth2PermissionGrants,
];

export function resourceByName(name: string): ResourceDef | undefined {
  return catalog.find((r) => r.name === name);
}

export function resourceByTable(table: string): ResourceDef | undefined {
  return catalog.find((r) => r.table === table);
}
