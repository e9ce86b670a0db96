import { catalog, type ResourceDef } from "@tenantlens/graph";

/**
 * Delegated read scopes Tenantlens documents as consentable (docs/warehouse.md, "What is
 * collected"). A catalog permission outside this list (e.g. the app-only
 * DelegatedPermissionGrant.Read.All) is skipped for the next one its resource accepts.
 */
const DOCUMENTED_DELEGATED_SCOPES: readonly string[] = [
  "User.Read.All",
  "GroupMember.Read.All",
  "Group.Read.All",
  "Application.Read.All",
  "Directory.Read.All",
  "Domain.Read.All",
  "Device.Read.All",
  "OrgContact.Read.All",
  "AdministrativeUnit.Read.All",
  "Policy.Read.All",
  "RoleManagement.Read.Directory",
  "RoleManagement.Read.All",
  "RoleEligibilitySchedule.Read.Directory",
  "IdentityProvider.Read.All",
  "AuditLog.Read.All",
  "Organization.Read.All",
  "AccessReview.Read.All",
  // Section 4: the Microsoft 365 read scopes, each unlocking its own tables.
  "AppCatalog.Read.All",
  "TeamSettings.Read.All",
  "TeamMember.Read.All",
  "Channel.ReadBasic.All",
  "ChannelMember.Read.All",
  "CloudPC.Read.All",
  "ConsentRequest.Read.All",
  "Contacts.Read",
  "People.Read.All",
  "DeviceManagementApps.Read.All",
  "DeviceManagementConfiguration.Read.All",
  "DeviceManagementManagedDevices.Read.All",
  "DeviceManagementRBAC.Read.All",
  "DeviceManagementServiceConfig.Read.All",
  "ManagedTenants.Read.All",
  "SecurityEvents.Read.All",
  "SecurityActions.Read.All",
  "ServiceHealth.Read.All",
  "ServiceMessage.Read.All",
  "Sites.Read.All",
  "SubjectRightsRequest.Read.All",
];

/** OIDC scopes: offline_access for the refresh token; openid + profile so msal keeps an account to refresh with. */
export const OIDC_SCOPES: readonly string[] = ["openid", "profile", "offline_access"];

/**
 * The least-privileged documented delegated scope of every catalog resource, once each, in catalog
 * order: what the consent page asks for, so each scope unlocks at least one table.
 */
export function delegatedReadScopes(resources: readonly ResourceDef[] = catalog): string[] {
  const out: string[] = [];
  for (const r of resources) {
    const scope = r.permissions.find((p) => DOCUMENTED_DELEGATED_SCOPES.includes(p)) ?? r.permissions[0];
    if (scope && !out.includes(scope)) out.push(scope);
  }
  return out;
}

/**
 * Scopes of the provisioning consent: the reads again (Entra keeps what was granted; asking again
 * keeps one consent page complete), the write scopes provisioning needs, and the OIDC ones.
 */
export function provisioningConsentScopes(
  writes: readonly string[],
  resources: readonly ResourceDef[] = catalog,
): string[] {
  return [...delegatedReadScopes(resources), ...writes, ...OIDC_SCOPES];
}

/** Scopes of the authorize request: the read scopes plus the OIDC ones. */
export function consentScopes(resources: readonly ResourceDef[] = catalog): string[] {
  return [...delegatedReadScopes(resources), ...OIDC_SCOPES];
}
