/**
 * What the seeded "Tenantlens" app is granted: every read permission the catalog's tables need
 * (docs/warehouse.md, "What is collected").
 */
export const APPLICATION_PERMISSIONS: readonly string[] = [
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
  "Policy.Read.DeviceConfiguration",
  "RoleManagement.Read.Directory",
  "RoleManagement.Read.All",
  "RoleEligibilitySchedule.Read.Directory",
  "IdentityProvider.Read.All",
  "AuditLog.Read.All",
  "Organization.Read.All",
  "AccessReview.Read.All",
  "AppCatalog.Read.All",
  "Channel.ReadBasic.All",
  "ChannelSettings.Read.All",
  "ChannelMember.Read.All",
  "CloudPC.Read.All",
  "ConsentRequest.Read.All",
  "DeviceManagementApps.Read.All",
  "DeviceManagementConfiguration.Read.All",
  "DeviceManagementManagedDevices.Read.All",
  "DeviceManagementRBAC.Read.All",
  "DeviceManagementServiceConfig.Read.All",
  "SecurityEvents.Read.All",
  "SecurityActions.Read.All",
  "ServiceHealth.Read.All",
  "ServiceMessage.Read.All",
  "Sites.Read.All",
  "SubjectRightsRequest.Read.All",
  "TeamSettings.Read.All",
  "TeamMember.Read.All",
  "IdentityRiskyUser.Read.All",
  "IdentityRiskEvent.Read.All",
];

/** Delegated twins plus the delegated-only reads (personal contacts, people, Lighthouse). */
export const DELEGATED_SCOPES: readonly string[] = [
  ...APPLICATION_PERMISSIONS,
  "Contacts.Read",
  "People.Read.All",
  "ManagedTenants.Read.All",
];

/**
 * Write permissions a tenant's administrator may consent to on top of the reads (provisioning). Not
 * granted by default: an incremental consent (delegated) or a permission grant (application) adds them.
 */
export const WRITE_PERMISSIONS: readonly string[] = [
  "User.ReadWrite.All",
  "GroupMember.ReadWrite.All",
  "LicenseAssignment.ReadWrite.All",
];

/** OpenID Connect scopes: always allowed, never part of `scp` checks by Graph. */
export const OIDC_SCOPES: readonly string[] = ["openid", "profile", "email", "offline_access"];

/** Graph's resource identifiers as clients write them (`<resource>/.default`, `<resource>/User.Read.All`). */
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const GRAPH_RESOURCE = "https://graph.microsoft.com";
