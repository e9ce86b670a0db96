/** Accepted permissions per resource family (least privileged first); ReadWrite twins are implied. */
export const PERMS = {
  users: ["User.Read.All", "User.ReadBasic.All", "User.ReadWrite.All", "Directory.Read.All"],
  userWrite: ["User.ReadWrite.All", "Directory.ReadWrite.All"],
  me: ["User.Read", "User.ReadBasic.All", "User.Read.All", "Directory.Read.All"],
  groups: ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"],
  groupMembersWrite: ["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"],
  licenseWrite: ["LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
  memberOf: ["User.Read.All", "GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"],
  licenseDetails: ["User.Read.All", "LicenseAssignment.Read.All", "Directory.Read.All"],
  appRoleAssignments: [
    "Application.Read.All",
    "AppRoleAssignment.ReadWrite.All",
    "User.Read.All",
    "Directory.Read.All",
  ],
  applications: ["Application.Read.All", "Directory.Read.All"],
  grants: ["DelegatedPermissionGrant.Read.All", "Directory.Read.All"],
  domains: ["Domain.Read.All", "Directory.Read.All"],
  organization: ["Organization.Read.All", "User.Read", "Directory.Read.All"],
  skus: ["Organization.Read.All", "LicenseAssignment.Read.All", "Directory.Read.All"],
  roles: ["RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All"],
  eligibility: [
    "RoleEligibilitySchedule.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
  ],
  roleSchedules: [
    "RoleAssignmentSchedule.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
  ],
  rolePolicies: [
    "RoleManagementPolicy.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
  ],
  adminUnits: ["AdministrativeUnit.Read.All", "Directory.Read.All"],
  contacts: ["OrgContact.Read.All", "Directory.Read.All"],
  devices: ["Device.Read.All", "Directory.Read.All"],
  settings: ["Directory.Read.All", "Group.Read.All"],
  policy: ["Policy.Read.All"],
  conditionalAccess: ["Policy.Read.All", "Policy.Read.ConditionalAccess"],
  authMethodsPolicy: ["Policy.Read.All", "Policy.Read.AuthenticationMethod"],
  deviceRegistrationPolicy: ["Policy.Read.DeviceConfiguration", "Policy.Read.All"],
  identityProviders: ["IdentityProvider.Read.All"],
  auditLogs: ["AuditLog.Read.All"],
  registration: ["AuditLog.Read.All", "UserAuthenticationMethod.Read.All"],
  accessReviews: ["AccessReview.Read.All"],
  consentRequests: ["ConsentRequest.Read.All"],
  riskyUsers: ["IdentityRiskyUser.Read.All"],
  riskDetections: ["IdentityRiskEvent.Read.All"],
  intuneDevices: ["DeviceManagementManagedDevices.Read.All"],
  intuneConfig: ["DeviceManagementConfiguration.Read.All"],
  intuneApps: ["DeviceManagementApps.Read.All"],
  intuneRbac: ["DeviceManagementRBAC.Read.All"],
  intuneService: ["DeviceManagementServiceConfig.Read.All"],
  cloudPc: ["CloudPC.Read.All"],
  teamsApps: ["AppCatalog.Read.All"],
  teams: ["TeamSettings.Read.All", "Team.ReadBasic.All", "Group.Read.All", "Directory.Read.All"],
  teamMembers: ["TeamMember.Read.All", "Group.Read.All", "Directory.Read.All"],
  channels: ["Channel.ReadBasic.All", "ChannelSettings.Read.All", "Group.Read.All", "Directory.Read.All"],
  channelMembers: ["ChannelMember.Read.All"],
  securityAlerts: ["SecurityAlert.Read.All", "SecurityEvents.Read.All"],
  secureScores: ["SecurityEvents.Read.All"],
  securityActions: ["SecurityActions.Read.All"],
  subjectRights: ["SubjectRightsRequest.Read.All"],
  serviceHealth: ["ServiceHealth.Read.All"],
  serviceMessages: ["ServiceMessage.Read.All"],
  sites: ["Sites.Read.All"],
  people: ["People.Read.All", "People.Read"],
  mailboxSettings: ["MailboxSettings.Read"],
  contactsMe: ["Contacts.Read"],
  managedTenants: ["ManagedTenants.Read.All"],
  deletedItems: ["Directory.Read.All", "User.Read.All", "Group.Read.All", "Application.Read.All"],
} as const;

/** Whether a granted permission satisfies an accepted one. */
function satisfies(granted: string, accepted: string): boolean {
  if (granted === accepted) return true;
  if (granted === accepted.replace(".Read.", ".ReadWrite.")) return true;
  if (accepted === "User.ReadBasic.All" && granted === "User.Read.All") return true;
  // Delegated admin scope covering everything Directory.Read.All does.
  if (accepted === "Directory.Read.All" && granted === "Directory.AccessAsUser.All") return true;
  if (accepted === "Policy.Read.All" && granted.startsWith("Policy.ReadWrite.")) return true;
  return false;
}

export function hasAnyPermission(granted: ReadonlySet<string>, accepted: readonly string[]): boolean {
  for (const g of granted) for (const a of accepted) if (satisfies(g, a)) return true;
  return false;
}
