import { type Prop, resource } from "./define.js";

/** Intune, Windows 365, Teams, security, service health, SharePoint, governance and Lighthouse. */

const displayName: Prop = ["displayName", "VARCHAR", "Name"];
const description: Prop = ["description", "VARCHAR", "Description"];
const created: Prop = ["createdDateTime", "TIMESTAMPTZ", "When it was created"];
const modified: Prop = ["lastModifiedDateTime", "TIMESTAMPTZ", "Last change"];
const intuneId = "Intune object id";

// ---- Intune (Microsoft Intune licence) ------------------------------------------------------------

export const managedDevices = resource({
  name: "managedDevices",
  table: "azuread_intune_managed_device",
  description: "Devices enrolled in Intune: compliance, encryption, ownership and who uses them",
  path: "/deviceManagement/managedDevices",
  scalesWithTenant: true,
  permissions: ["DeviceManagementManagedDevices.Read.All"],
  licence: "intune",
  idDescription: intuneId,
  props: [
    ["deviceName", "VARCHAR", "Device name"],
    ["azureADDeviceId", "VARCHAR", "Device id in Entra ID (azuread_device.device_id)"],
    ["userId", "VARCHAR", "Primary user (azuread_user.id)"],
    ["userPrincipalName", "VARCHAR", "Primary user's sign-in name"],
    ["userDisplayName", "VARCHAR", "Primary user's name"],
    ["emailAddress", "VARCHAR", "Primary user's email"],
    ["operatingSystem", "VARCHAR", "Windows, iOS, Android, macOS"],
    ["osVersion", "VARCHAR", "Operating system version"],
    ["complianceState", "VARCHAR", "compliant, noncompliant, inGracePeriod, unknown, …"],
    ["complianceGracePeriodExpirationDateTime", "TIMESTAMPTZ", "End of the compliance grace period"],
    ["managedDeviceOwnerType", "VARCHAR", "company or personal"],
    ["managementAgent", "VARCHAR", "mdm, eas, configurationManagerClient, …"],
    ["deviceEnrollmentType", "VARCHAR", "How it was enrolled"],
    ["deviceRegistrationState", "VARCHAR", "Registration state"],
    ["isEncrypted", "BOOLEAN", "Storage encrypted"],
    ["isSupervised", "BOOLEAN", "Supervised (Apple)"],
    ["jailBroken", "VARCHAR", "True, False or Unknown"],
    ["manufacturer", "VARCHAR", "Manufacturer"],
    ["model", "VARCHAR", "Model"],
    ["serialNumber", "VARCHAR", "Serial number"],
    ["enrolledDateTime", "TIMESTAMPTZ", "When it was enrolled"],
    ["lastSyncDateTime", "TIMESTAMPTZ", "Last check-in with Intune"],
  ],
});

export const deviceCompliancePolicies = resource({
  name: "deviceCompliancePolicies",
  table: "azuread_intune_device_compliance_policy",
  description:
    "Intune compliance policies; platform settings (password, encryption, OS version, …) are in _raw (kind: _raw->>'@odata.type')",
  path: "/deviceManagement/deviceCompliancePolicies",
  pageSize: null,
  select: false,
  permissions: ["DeviceManagementConfiguration.Read.All"],
  licence: "intune",
  idDescription: intuneId,
  props: [displayName, description, created, modified, ["version", "BIGINT", "Version"]],
});

export const deviceConfigurations = resource({
  name: "deviceConfigurations",
  table: "azuread_intune_device_configuration",
  description:
    "Intune device configuration profiles; platform settings are in _raw (kind: _raw->>'@odata.type')",
  path: "/deviceManagement/deviceConfigurations",
  pageSize: null,
  select: false,
  permissions: ["DeviceManagementConfiguration.Read.All"],
  licence: "intune",
  idDescription: intuneId,
  props: [displayName, description, created, modified, ["version", "BIGINT", "Version"]],
});

export const deviceEnrollmentConfigurations = resource({
  name: "deviceEnrollmentConfigurations",
  table: "azuread_intune_enrollment_configuration",
  description:
    "Intune enrollment restrictions and settings (device limits, platform restrictions, Windows Hello); kind: _raw->>'@odata.type'",
  path: "/deviceManagement/deviceEnrollmentConfigurations",
  pageSize: null,
  select: false,
  permissions: ["DeviceManagementServiceConfig.Read.All"],
  licence: "intune",
  idDescription: "Configuration id",
  props: [
    displayName,
    description,
    ["priority", "BIGINT", "Priority (0 = the default, applied last)"],
    created,
    modified,
    ["version", "BIGINT", "Version"],
  ],
});

export const mobileApps = resource({
  name: "mobileApps",
  table: "azuread_intune_mobile_app",
  description: "Apps managed by Intune (store, line-of-business, web links); kind: _raw->>'@odata.type'",
  path: "/deviceAppManagement/mobileApps",
  pageSize: null,
  select: false,
  permissions: ["DeviceManagementApps.Read.All"],
  licence: "intune",
  idDescription: intuneId,
  props: [
    displayName,
    description,
    ["publisher", "VARCHAR", "Publisher"],
    ["publishingState", "VARCHAR", "notPublished, processing or published"],
    ["isFeatured", "BOOLEAN", "Featured in the company portal"],
    created,
    modified,
  ],
});

export const managedAppPolicies = resource({
  name: "managedAppPolicies",
  table: "azuread_intune_app_protection_policy",
  description:
    "Intune app protection (MAM) policies: PIN, backup, copy/paste and print restrictions; kind: _raw->>'@odata.type'",
  path: "/deviceAppManagement/managedAppPolicies",
  pageSize: null,
  select: false,
  permissions: ["DeviceManagementApps.Read.All"],
  licence: "intune",
  idDescription: intuneId,
  props: [displayName, description, created, modified, ["version", "VARCHAR", "Version"]],
});

export const mobileAppConfigurations = resource({
  name: "mobileAppConfigurations",
  table: "azuread_intune_app_configuration",
  description: "Intune app configuration policies for managed devices; kind: _raw->>'@odata.type'",
  path: "/deviceAppManagement/mobileAppConfigurations",
  pageSize: null,
  select: false,
  permissions: ["DeviceManagementApps.Read.All"],
  licence: "intune",
  idDescription: intuneId,
  props: [
    displayName,
    description,
    ["targetedMobileApps", "VARCHAR[]", "Intune app ids it configures"],
    created,
    modified,
    ["version", "BIGINT", "Version"],
  ],
});

export const intuneRoleDefinitions = resource({
  name: "intuneRoleDefinitions",
  table: "azuread_intune_role_definition",
  description: "Intune RBAC roles, built-in and custom, with their allowed actions",
  path: "/deviceManagement/roleDefinitions",
  pageSize: null,
  select: false,
  permissions: ["DeviceManagementRBAC.Read.All"],
  licence: "intune",
  idDescription: "Role definition id",
  props: [
    displayName,
    description,
    ["isBuiltIn", "BOOLEAN", "Built in by Microsoft"],
    ["rolePermissions", "JSON", "Allowed resource actions [{resourceActions:[{allowedResourceActions, …}]}]"],
  ],
});

export const intuneRoleAssignments = resource({
  name: "intuneRoleAssignments",
  table: "azuread_intune_role_assignment",
  description: "Intune RBAC role assignments: which groups hold an Intune role, over which scope groups",
  path: "/deviceManagement/roleAssignments",
  pageSize: null,
  permissions: ["DeviceManagementRBAC.Read.All"],
  licence: "intune",
  idDescription: "Role assignment id",
  props: [
    displayName,
    description,
    ["members", "VARCHAR[]", "Group ids whose members hold the role (azuread_group.id)"],
    ["resourceScopes", "VARCHAR[]", "Group ids the role applies to (empty: all)"],
  ],
});

export const cloudPCs = resource({
  name: "cloudPCs",
  table: "azuread_cloud_pc",
  description: "Windows 365 Cloud PCs: who uses each, its plan, image and provisioning policy",
  path: "/deviceManagement/virtualEndpoint/cloudPCs",
  pageSize: null,
  permissions: ["CloudPC.Read.All"],
  licence: "intune",
  idDescription: "Cloud PC id",
  props: [
    displayName,
    ["userPrincipalName", "VARCHAR", "User of the Cloud PC"],
    ["aadDeviceId", "VARCHAR", "Device id in Entra ID"],
    ["managedDeviceId", "VARCHAR", "Intune managed device id (azuread_intune_managed_device.id)"],
    ["managedDeviceName", "VARCHAR", "Intune device name"],
    ["imageDisplayName", "VARCHAR", "Image it runs"],
    ["provisioningPolicyId", "VARCHAR", "Provisioning policy"],
    ["provisioningPolicyName", "VARCHAR", "Provisioning policy name"],
    ["provisioningType", "VARCHAR", "dedicated or shared"],
    ["servicePlanId", "VARCHAR", "Windows 365 plan"],
    ["servicePlanName", "VARCHAR", "Windows 365 plan name"],
    ["onPremisesConnectionName", "VARCHAR", "Azure network connection"],
    ["gracePeriodEndDateTime", "TIMESTAMPTZ", "End of the grace period after the licence was removed"],
    modified,
  ],
});

// ---- Teams ----------------------------------------------------------------------------------------

export const teamsApps = resource({
  name: "teamsApps",
  table: "azuread_teams_app",
  description: "Apps in the tenant's Teams app catalog: store apps and the organization's own",
  path: "/appCatalogs/teamsApps",
  pageSize: null,
  permissions: ["AppCatalog.Read.All"],
  idDescription: "Teams app id",
  props: [
    displayName,
    ["distributionMethod", "VARCHAR", "store, organization or sideloaded"],
    ["externalId", "VARCHAR", "Id from the app's manifest (organization apps)"],
  ],
});

export const teams = resource({
  name: "teams",
  table: "azuread_team",
  description: "Teams: the Microsoft 365 groups that have a team (settings are in azuread_team_setting)",
  path: "/teams",
  pageSize: null,
  permissions: ["TeamSettings.Read.All", "Team.ReadBasic.All", "Group.Read.All", "Directory.Read.All"],
  idDescription: "Team id (= azuread_group.id)",
  props: [displayName, description],
});

export const teamSettings = resource({
  name: "teamSettings",
  table: "azuread_team_setting",
  description: "Each team's settings: member, guest, messaging and fun settings, visibility, archive state",
  path: "/teams/{id}",
  pageSize: null,
  fanOut: { from: "teams", parentKey: "teamId", reference: null },
  permissions: ["TeamSettings.Read.All", "Group.Read.All", "Directory.Read.All"],
  idDescription: "'<teamId>:<teamId>'",
  props: [
    ["teamId", "VARCHAR", "Team (azuread_team.id, azuread_group.id)"],
    displayName,
    ["visibility", "VARCHAR", "public or private"],
    ["isArchived", "BOOLEAN", "Archived (read-only)"],
    ["specialization", "VARCHAR", "none, educationClass, …"],
    ["memberSettings", "JSON", "What members may do: create channels, add apps, delete channels, …"],
    ["guestSettings", "JSON", "What guests may do: allowCreateUpdateChannels, allowDeleteChannels"],
    ["messagingSettings", "JSON", "Editing, deleting and mentions"],
    ["funSettings", "JSON", "Giphy, stickers and memes"],
    ["internalId", "VARCHAR", "Teams thread id"],
    ["webUrl", "VARCHAR", "Link to the team"],
  ],
});

export const teamMembers = resource({
  name: "teamMembers",
  table: "azuread_team_member",
  description: "Members of each team, with their role (owner, member, guest)",
  path: "/teams/{id}/members",
  pageSize: null,
  fanOut: { from: "teams", parentKey: "teamId", reference: null },
  permissions: ["TeamMember.Read.All", "Group.Read.All", "Directory.Read.All"],
  idDescription: "'<teamId>:<membership id>'",
  props: [
    ["teamId", "VARCHAR", "Team (azuread_team.id)"],
    ["userId", "VARCHAR", "Member (azuread_user.id)"],
    displayName,
    ["email", "VARCHAR", "Member's email"],
    ["roles", "VARCHAR[]", "'owner', 'guest', or empty for a member"],
    ["tenantId", "VARCHAR", "Member's home tenant", "member_tenant_id"],
  ],
});

export const teamChannels = resource({
  name: "teamChannels",
  table: "azuread_team_channel",
  description: "Channels of each team: standard, private and shared",
  path: "/teams/{id}/channels",
  pageSize: null,
  fanOut: { from: "teams", parentKey: "teamId", reference: null },
  permissions: ["Channel.ReadBasic.All", "ChannelSettings.Read.All", "Group.Read.All", "Directory.Read.All"],
  idDescription: "'<teamId>:<channel id>'",
  props: [
    ["teamId", "VARCHAR", "Team (azuread_team.id)"],
    displayName,
    description,
    ["membershipType", "VARCHAR", "standard, private or shared"],
    ["email", "VARCHAR", "Channel email address"],
    ["isArchived", "BOOLEAN", "Archived"],
    ["tenantId", "VARCHAR", "Tenant hosting the channel", "host_tenant_id"],
    created,
    ["webUrl", "VARCHAR", "Link to the channel"],
  ],
});

export const channelMembers = resource({
  name: "channelMembers",
  table: "azuread_team_channel_member",
  description: "Members of each channel (private and shared channels have their own membership)",
  path: "/teams/{id}/channels/{id}/members",
  pageSize: null,
  fanOut: { from: "teamChannels", parentKey: "channelId", reference: null },
  permissions: ["ChannelMember.Read.All"],
  idDescription: "'<teamId>:<channelId>:<membership id>'",
  props: [
    ["channelId", "VARCHAR", "Channel (azuread_team_channel.id, '<teamId>:<channelId>')"],
    ["userId", "VARCHAR", "Member (azuread_user.id)"],
    displayName,
    ["email", "VARCHAR", "Member's email"],
    ["roles", "VARCHAR[]", "'owner', 'guest', or empty for a member"],
    ["tenantId", "VARCHAR", "Member's home tenant", "member_tenant_id"],
  ],
});

// ---- Security -------------------------------------------------------------------------------------

export const securityAlerts = resource({
  name: "securityAlerts",
  table: "azuread_security_alert",
  description: "Microsoft Defender XDR and Entra ID Protection alerts",
  path: "/security/alerts_v2",
  pageSize: null,
  permissions: ["SecurityEvents.Read.All", "SecurityAlert.Read.All"],
  idDescription: "Alert id",
  props: [
    ["title", "VARCHAR", "Alert title"],
    description,
    ["severity", "VARCHAR", "informational, low, medium or high"],
    ["status", "VARCHAR", "new, inProgress or resolved"],
    ["category", "VARCHAR", "Attack category (MITRE tactic)"],
    ["classification", "VARCHAR", "truePositive, falsePositive, …"],
    ["determination", "VARCHAR", "What it turned out to be"],
    ["serviceSource", "VARCHAR", "Service that raised it"],
    ["detectionSource", "VARCHAR", "Detection technology"],
    ["productName", "VARCHAR", "Product"],
    ["incidentId", "VARCHAR", "Incident it belongs to"],
    ["assignedTo", "VARCHAR", "Owner"],
    ["mitreTechniques", "VARCHAR[]", "MITRE ATT&CK techniques"],
    ["recommendedActions", "VARCHAR", "What to do"],
    created,
    ["lastUpdateDateTime", "TIMESTAMPTZ", "Last change"],
    ["resolvedDateTime", "TIMESTAMPTZ", "When it was resolved"],
    ["alertWebUrl", "VARCHAR", "Link in the Defender portal"],
    ["evidence", "JSON", "Evidence (users, devices, IPs, …)"],
  ],
});

export const secureScores = resource({
  name: "secureScores",
  table: "azuread_secure_score",
  description: "Microsoft Secure Score, one row per day, with the score of each control",
  path: "/security/secureScores",
  pageSize: null,
  permissions: ["SecurityEvents.Read.All"],
  idDescription: "'<tenantId>_<date>'",
  props: [
    ["currentScore", "DOUBLE", "Score that day"],
    ["maxScore", "DOUBLE", "Highest possible score"],
    ["activeUserCount", "BIGINT", "Active users"],
    ["licensedUserCount", "BIGINT", "Licensed users"],
    ["enabledServices", "VARCHAR[]", "Services counted"],
    ["averageComparativeScores", "JSON", "Averages of comparable tenants"],
    ["controlScores", "JSON", "Score per control (controlName, controlCategory, score)"],
    created,
  ],
});

export const secureScoreControlProfiles = resource({
  name: "secureScoreControlProfiles",
  table: "azuread_secure_score_control_profile",
  description: "Secure Score controls: what each recommends, what it is worth and its state",
  path: "/security/secureScoreControlProfiles",
  pageSize: null,
  permissions: ["SecurityEvents.Read.All"],
  idDescription: "Control name, e.g. AdminMFAV2",
  props: [
    ["title", "VARCHAR", "Control title"],
    ["controlCategory", "VARCHAR", "Identity, Data, Device, Apps, Infrastructure"],
    ["service", "VARCHAR", "Service it concerns"],
    ["maxScore", "DOUBLE", "Points it is worth"],
    ["rank", "BIGINT", "Microsoft's rank"],
    ["tier", "VARCHAR", "Core, Defense in Depth, Advanced"],
    ["actionType", "VARCHAR", "Config, Review or Behavior"],
    ["implementationCost", "VARCHAR", "Low, Moderate or High"],
    ["userImpact", "VARCHAR", "Low, Moderate or High"],
    ["threats", "VARCHAR[]", "Threats it mitigates"],
    ["deprecated", "BOOLEAN", "No longer scored"],
    ["remediation", "VARCHAR", "How to implement it"],
    ["controlStateUpdates", "JSON", "State changes (ignored, third party, …)"],
    modified,
  ],
});

export const securityActions = resource({
  name: "securityActions",
  table: "azuread_security_action",
  description: "Actions taken by security providers (block an IP, isolate a device, …)",
  path: "/security/securityActions",
  version: "beta",
  pageSize: null,
  select: false,
  permissions: ["SecurityActions.Read.All"],
  idDescription: "Action id",
  props: [
    ["name", "VARCHAR", "Action, e.g. blockIp"],
    ["actionReason", "VARCHAR", "Why it was taken"],
    ["status", "VARCHAR", "notStarted, running, completed, failed"],
    created,
  ],
});

export const subjectRightsRequests = resource({
  name: "subjectRightsRequests",
  table: "azuread_subject_rights_request",
  description: "Privacy subject rights requests (GDPR/CCPA access, export, delete) handled in Purview",
  path: "/security/subjectRightsRequests",
  pageSize: null,
  permissions: ["SubjectRightsRequest.Read.All"],
  idDescription: "Request id",
  props: [
    displayName,
    description,
    ["type", "VARCHAR", "export, delete, access, tagForAction"],
    ["status", "VARCHAR", "active or closed"],
    ["dataSubjectType", "VARCHAR", "customer, currentEmployee, …"],
    ["regulations", "VARCHAR[]", "Regulations (GDPR, CCPA, …)"],
    created,
    modified,
    ["internalDueDateTime", "TIMESTAMPTZ", "Internal due date"],
    ["closedDateTime", "TIMESTAMPTZ", "When it was closed"],
  ],
});

// ---- Service health and message center ------------------------------------------------------------

export const serviceHealthOverviews = resource({
  name: "serviceHealthOverviews",
  table: "azuread_service_health",
  description: "Health of each Microsoft 365 service now",
  path: "/admin/serviceAnnouncement/healthOverviews",
  pageSize: null,
  permissions: ["ServiceHealth.Read.All"],
  idDescription: "Service id, e.g. Exchange",
  props: [
    ["service", "VARCHAR", "Service name"],
    ["status", "VARCHAR", "serviceOperational, serviceDegradation, serviceInterruption, …"],
  ],
});

export const serviceHealthIssues = resource({
  name: "serviceHealthIssues",
  table: "azuread_service_health_issue",
  description: "Service incidents and advisories affecting the tenant",
  path: "/admin/serviceAnnouncement/issues",
  pageSize: null,
  permissions: ["ServiceHealth.Read.All"],
  idDescription: "Issue id, e.g. EX123456",
  props: [
    ["title", "VARCHAR", "Title"],
    ["service", "VARCHAR", "Service affected"],
    ["feature", "VARCHAR", "Feature affected"],
    ["classification", "VARCHAR", "advisory or incident"],
    ["status", "VARCHAR", "investigating, serviceRestored, …"],
    ["isResolved", "BOOLEAN", "Resolved"],
    ["impactDescription", "VARCHAR", "Impact"],
    ["startDateTime", "TIMESTAMPTZ", "Start"],
    ["endDateTime", "TIMESTAMPTZ", "End"],
    modified,
  ],
});

export const serviceMessages = resource({
  name: "serviceMessages",
  table: "azuread_service_message",
  description: "Message center posts: planned changes and what admins must do by when",
  path: "/admin/serviceAnnouncement/messages",
  pageSize: null,
  permissions: ["ServiceMessage.Read.All"],
  idDescription: "Message id, e.g. MC123456",
  props: [
    ["title", "VARCHAR", "Title"],
    ["category", "VARCHAR", "preventOrFixIssue, planForChange or stayInformed"],
    ["severity", "VARCHAR", "normal, high or critical"],
    ["isMajorChange", "BOOLEAN", "Major change"],
    ["services", "VARCHAR[]", "Services concerned"],
    ["tags", "VARCHAR[]", "Tags (Admin impact, Retirement, …)"],
    ["actionRequiredByDateTime", "TIMESTAMPTZ", "Deadline for admins"],
    ["startDateTime", "TIMESTAMPTZ", "Start"],
    ["endDateTime", "TIMESTAMPTZ", "End"],
    modified,
  ],
});

// ---- SharePoint -----------------------------------------------------------------------------------

export const sites = resource({
  name: "sites",
  table: "azuread_sharepoint_site",
  description: "SharePoint sites of the tenant",
  path: "/sites/getAllSites",
  pageSize: null,
  permissions: ["Sites.Read.All"],
  idDescription: "Site id '<hostname>,<site collection id>,<web id>'",
  props: [
    displayName,
    ["name", "VARCHAR", "Site name in its URL"],
    description,
    ["webUrl", "VARCHAR", "Site URL"],
    ["isPersonalSite", "BOOLEAN", "A OneDrive"],
    created,
    modified,
  ],
});

// ---- Identity governance and protection ----------------------------------------------------------

export const accessReviewDefinitions = resource({
  name: "accessReviewDefinitions",
  table: "azuread_access_review_definition",
  description: "Access reviews: what is reviewed, by whom, how often and what happens to denied access",
  path: "/identityGovernance/accessReviews/definitions",
  pageSize: null,
  permissions: ["AccessReview.Read.All"],
  licence: "p2",
  idDescription: "Access review definition id",
  props: [
    displayName,
    ["status", "VARCHAR", "NotStarted, InProgress, Completed, …"],
    ["descriptionForAdmins", "VARCHAR", "Description for admins"],
    ["descriptionForReviewers", "VARCHAR", "Description shown to reviewers"],
    ["scope", "JSON", "What is reviewed (query, queryType)"],
    ["instanceEnumerationScope", "JSON", "Which groups or apps get an instance"],
    ["reviewers", "JSON", "Who reviews (query, queryType, queryRoot)"],
    ["fallbackReviewers", "JSON", "Reviewers when the first ones cannot be found"],
    [
      "settings",
      "JSON",
      "Recurrence, autoApplyDecisionsEnabled, defaultDecision, justificationRequiredOnApproval, …",
    ],
    ["stageSettings", "JSON", "Multi-stage reviews"],
    created,
    modified,
  ],
});

export const accessReviewInstances = resource({
  name: "accessReviewInstances",
  table: "azuread_access_review_instance",
  description: "Occurrences of each access review: period, status and scope",
  path: "/identityGovernance/accessReviews/definitions/{id}/instances",
  pageSize: null,
  fanOut: { from: "accessReviewDefinitions", parentKey: "definitionId", reference: null },
  permissions: ["AccessReview.Read.All"],
  licence: "p2",
  idDescription: "'<definitionId>:<instance id>'",
  props: [
    ["definitionId", "VARCHAR", "Access review (azuread_access_review_definition.id)"],
    ["status", "VARCHAR", "NotStarted, InProgress, Completed, Applied, …"],
    ["startDateTime", "TIMESTAMPTZ", "Start"],
    ["endDateTime", "TIMESTAMPTZ", "End"],
    ["scope", "JSON", "What this occurrence reviews"],
    ["reviewers", "JSON", "Who reviews"],
    ["fallbackReviewers", "JSON", "Fallback reviewers"],
  ],
});

export const appConsentRequests = resource({
  name: "appConsentRequests",
  table: "azuread_app_consent_request",
  description: "Admin consent requests: apps users asked an admin to approve, with the scopes pending",
  path: "/identityGovernance/appConsent/appConsentRequests",
  pageSize: null,
  permissions: ["ConsentRequest.Read.All"],
  idDescription: "Consent request id",
  props: [
    ["appDisplayName", "VARCHAR", "Application name"],
    ["appId", "VARCHAR", "Application (client) id"],
    ["pendingScopes", "JSON", "Scopes waiting for a decision [{displayName}]"],
  ],
});

export const riskyUsers = resource({
  name: "riskyUsers",
  table: "azuread_risky_user",
  description: "Users Entra ID Protection considers at risk, with their risk level and state",
  path: "/identityProtection/riskyUsers",
  pageSize: null,
  permissions: ["IdentityRiskyUser.Read.All"],
  licence: "p2",
  idDescription: "User id (azuread_user.id)",
  props: [
    ["userPrincipalName", "VARCHAR", "Sign-in name"],
    ["userDisplayName", "VARCHAR", "Name"],
    ["riskLevel", "VARCHAR", "low, medium, high, hidden, none"],
    ["riskState", "VARCHAR", "atRisk, confirmedCompromised, remediated, dismissed, …"],
    ["riskDetail", "VARCHAR", "Why the state last changed"],
    ["riskLastUpdatedDateTime", "TIMESTAMPTZ", "Last change of the risk"],
    ["isDeleted", "BOOLEAN", "The user was deleted"],
    ["isProcessing", "BOOLEAN", "Still being evaluated"],
  ],
});

export const riskDetections = resource({
  name: "riskDetections",
  table: "azuread_risk_detection",
  description:
    "Risk detections of Entra ID Protection (anonymous IP, unfamiliar sign-in, leaked credentials, …)",
  path: "/identityProtection/riskDetections",
  pageSize: null,
  permissions: ["IdentityRiskEvent.Read.All"],
  licence: "p2",
  idDescription: "Detection id",
  props: [
    ["userId", "VARCHAR", "User (azuread_user.id)"],
    ["userPrincipalName", "VARCHAR", "Sign-in name"],
    ["riskEventType", "VARCHAR", "unfamiliarFeatures, anonymizedIPAddress, leakedCredentials, …"],
    ["riskLevel", "VARCHAR", "low, medium or high"],
    ["riskState", "VARCHAR", "atRisk, remediated, dismissed, …"],
    ["riskDetail", "VARCHAR", "Why the state last changed"],
    ["activity", "VARCHAR", "signin or user"],
    ["detectionTimingType", "VARCHAR", "realtime or offline"],
    ["source", "VARCHAR", "Detecting source"],
    ["ipAddress", "VARCHAR", "IP address"],
    ["location", "JSON", "City, state, country"],
    ["activityDateTime", "TIMESTAMPTZ", "When the risky activity happened"],
    ["detectedDateTime", "TIMESTAMPTZ", "When it was detected"],
  ],
});

// ---- Delegated only: Lighthouse and the signed-in admin's own data ------------------------------------

export const managedTenants = resource({
  name: "managedTenants",
  table: "azuread_managed_tenant",
  description: "Customer tenants managed through Microsoft 365 Lighthouse (read as the signed-in admin)",
  path: "/tenantRelationships/managedTenants/tenants",
  version: "beta",
  pageSize: null,
  select: false,
  delegatedOnly: true,
  permissions: ["ManagedTenants.Read.All"],
  idDescription: "Managed tenant entry id",
  props: [
    ["tenantId", "VARCHAR", "The managed tenant", "managed_tenant_id"],
    displayName,
    ["contract", "JSON", "Contract with the tenant"],
    ["tenantStatusInformation", "JSON", "Onboarding and delegated access state"],
  ],
});

export const myContacts = resource({
  name: "myContacts",
  table: "azuread_admin_contact",
  description: "Personal contacts of the admin who consented (delegated integrations only)",
  path: "/me/contacts",
  pageSize: null,
  delegatedOnly: true,
  permissions: ["Contacts.Read"],
  idDescription: "Contact id in the admin's mailbox",
  props: [
    displayName,
    ["givenName", "VARCHAR", "First name"],
    ["surname", "VARCHAR", "Last name"],
    ["companyName", "VARCHAR", "Company"],
    ["jobTitle", "VARCHAR", "Job title"],
    ["emailAddresses", "JSON", "Email addresses [{name, address}]"],
    ["businessPhones", "VARCHAR[]", "Phone numbers"],
    created,
    modified,
  ],
});

export const myPeople = resource({
  name: "myPeople",
  table: "azuread_admin_person",
  description:
    "People most relevant to the admin who consented, as Microsoft 365 ranks them (delegated integrations only)",
  path: "/me/people",
  pageSize: null,
  delegatedOnly: true,
  permissions: ["People.Read.All", "People.Read"],
  idDescription: "Person id",
  props: [
    displayName,
    ["userPrincipalName", "VARCHAR", "Sign-in name, for people in the directory"],
    ["jobTitle", "VARCHAR", "Job title"],
    ["department", "VARCHAR", "Department"],
    ["companyName", "VARCHAR", "Company"],
    ["scoredEmailAddresses", "JSON", "Email addresses with their relevance score"],
    ["personType", "JSON", "Person, group, …"],
  ],
});
