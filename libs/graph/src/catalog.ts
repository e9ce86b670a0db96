import * as m365 from "./catalog-m365.js";
import * as policies from "./catalog-policies.js";
import * as relations from "./catalog-relations.js";
import { type Prop, resource } from "./define.js";
import type { ResourceDef } from "./types.js";

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

export const groupMembers = resource({
  name: "groupMembers",
  table: "azuread_group_member",
  description:
    "Direct group memberships (users, groups, service principals, devices, contacts), one row per group and member",
  path: "/groups/{id}/members",
  delta: true,
  pageSize: null,
  permissions: ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"],
  derived: { from: "groups", relation: "members", parentKey: "groupId" },
  idDescription: "'<groupId>:<memberId>'",
  props: [
    ["groupId", "VARCHAR", "Object id of the group (azuread_group.id)"],
    ["memberId", "VARCHAR", "Object id of the member (azuread_user.id, azuread_group.id, …)"],
    ["memberType", "VARCHAR", "Kind of member, e.g. '#microsoft.graph.user' or '#microsoft.graph.group'"],
  ],
});

export const directoryRoles = resource({
  name: "directoryRoles",
  table: "azuread_directory_role",
  description:
    "Activated directory roles (one per role template in use); assignments are in azuread_directory_role_assignment",
  path: "/directoryRoles",
  delta: true,
  pageSize: null,
  permissions: ["RoleManagement.Read.Directory", "Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Role name, e.g. Global Administrator"],
    ["description", "VARCHAR", "What the role can do"],
    ["roleTemplateId", "VARCHAR", "Role template id (= azuread_directory_role_definition.template_id)"],
  ],
});

export const roleDefinitions = resource({
  name: "roleDefinitions",
  table: "azuread_directory_role_definition",
  description: "Directory role definitions, built-in and custom, with their permissions",
  path: "/roleManagement/directory/roleDefinitions",
  pageSize: null,
  permissions: ["RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All"],
  idDescription: "Role definition id (the template id for built-in roles)",
  props: [
    ["displayName", "VARCHAR", "Role name, e.g. Global Administrator"],
    ["description", "VARCHAR", "What the role can do"],
    ["isBuiltIn", "BOOLEAN", "Built into Entra ID (false for custom roles)"],
    ["isEnabled", "BOOLEAN", "Whether the role can be assigned"],
    ["templateId", "VARCHAR", "Template id (62e90394-69f5-4237-9190-012177145e10 = Global Administrator)"],
    ["version", "VARCHAR", "Version of the definition"],
    ["resourceScopes", "VARCHAR[]", "Scopes the permissions apply to ('/' = whole tenant)"],
    ["rolePermissions", "JSON", "Allowed and excluded resource actions, with conditions"],
  ],
});

export const roleAssignments = resource({
  name: "roleAssignments",
  table: "azuread_directory_role_assignment",
  description: "Active directory role assignments: who holds which role, at which scope",
  path: "/roleManagement/directory/roleAssignments",
  pageSize: null,
  permissions: ["RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All"],
  idDescription: "Role assignment id",
  props: [
    ["principalId", "VARCHAR", "Object id of the user, group or service principal that holds the role"],
    ["roleDefinitionId", "VARCHAR", "Role (azuread_directory_role_definition.id)"],
    ["directoryScopeId", "VARCHAR", "'/' for the whole tenant, '/administrativeUnits/<id>' or an object"],
    ["appScopeId", "VARCHAR", "Application-specific scope, if any"],
    ["condition", "VARCHAR", "Condition on the assignment, if any"],
  ],
});

export const roleEligibilityScheduleInstances = resource({
  name: "roleEligibilityScheduleInstances",
  table: "azuread_directory_role_eligibility_schedule_instance",
  description: "PIM eligible role assignments in effect: who can activate which role, and until when",
  path: "/roleManagement/directory/roleEligibilityScheduleInstances",
  pageSize: null,
  permissions: [
    "RoleEligibilitySchedule.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
  ],
  licence: "p2",
  idDescription: "Eligibility instance id",
  props: [
    ["principalId", "VARCHAR", "Object id of the user, group or service principal that is eligible"],
    ["roleDefinitionId", "VARCHAR", "Role (azuread_directory_role_definition.id)"],
    ["directoryScopeId", "VARCHAR", "'/' for the whole tenant, '/administrativeUnits/<id>' or an object"],
    ["appScopeId", "VARCHAR", "Application-specific scope, if any"],
    ["startDateTime", "TIMESTAMPTZ", "When the eligibility starts"],
    ["endDateTime", "TIMESTAMPTZ", "When it ends (null = permanent)"],
    ["memberType", "VARCHAR", "Direct, Group (through a group) or Inherited"],
    ["roleEligibilityScheduleId", "VARCHAR", "Eligibility schedule it comes from"],
  ],
});

export const administrativeUnits = resource({
  name: "administrativeUnits",
  table: "azuread_administrative_unit",
  description: "Administrative units: containers that scope role assignments to part of the directory",
  path: "/directory/administrativeUnits",
  delta: true,
  permissions: ["AdministrativeUnit.Read.All", "Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Name"],
    ["description", "VARCHAR", "Description"],
    [
      "isMemberManagementRestricted",
      "BOOLEAN",
      "Restricted management: only AU-scoped admins manage its members",
    ],
    ["membershipType", "VARCHAR", "Assigned or Dynamic"],
    ["membershipRule", "VARCHAR", "Dynamic membership rule"],
    ["membershipRuleProcessingState", "VARCHAR", "On or Paused"],
    ["visibility", "VARCHAR", "Public or HiddenMembership"],
  ],
});

export const contacts = resource({
  name: "contacts",
  table: "azuread_contact",
  description: "Organizational contacts: external people in the address book (not users, cannot sign in)",
  path: "/contacts",
  delta: true,
  permissions: ["OrgContact.Read.All", "Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Name shown in the address book"],
    ["givenName", "VARCHAR", "First name"],
    ["surname", "VARCHAR", "Last name"],
    ["mail", "VARCHAR", "Email address"],
    ["mailNickname", "VARCHAR", "Mail alias"],
    ["companyName", "VARCHAR", "Company"],
    ["department", "VARCHAR", "Department"],
    ["jobTitle", "VARCHAR", "Job title"],
    ["proxyAddresses", "VARCHAR[]", "Email aliases"],
    ["addresses", "JSON", "Postal addresses"],
    ["phones", "JSON", "Phone numbers (number, type)"],
    ["onPremisesSyncEnabled", "BOOLEAN", "Synced from on-premises AD"],
    ["onPremisesLastSyncDateTime", "TIMESTAMPTZ", "Last directory sync"],
  ],
});

export const devices = resource({
  name: "devices",
  table: "azuread_device",
  description: "Devices registered or joined to the directory",
  path: "/devices",
  delta: true,
  permissions: ["Device.Read.All", "Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Device name"],
    ["deviceId", "VARCHAR", "Device id set by the device registration service (not the object id)"],
    ["accountEnabled", "BOOLEAN", "Whether the device can authenticate"],
    ["operatingSystem", "VARCHAR", "Windows, iOS, Android, MacMDM, …"],
    ["operatingSystemVersion", "VARCHAR", "Operating system version"],
    ["trustType", "VARCHAR", "Workplace (registered), AzureAd (joined) or ServerAd (hybrid joined)"],
    ["profileType", "VARCHAR", "RegisteredDevice, SecureVM, Printer, Shared, IoT"],
    ["isCompliant", "BOOLEAN", "Compliant with the device management policies"],
    ["isManaged", "BOOLEAN", "Managed by an MDM app such as Intune"],
    ["isRooted", "BOOLEAN", "Rooted or jail-broken"],
    ["managementType", "VARCHAR", "How it is managed (MDM, EAS, …)"],
    ["mdmAppId", "VARCHAR", "Application id of the MDM that manages it"],
    ["manufacturer", "VARCHAR", "Manufacturer"],
    ["model", "VARCHAR", "Model"],
    ["deviceOwnership", "VARCHAR", "Company or Personal"],
    ["enrollmentType", "VARCHAR", "How it was enrolled"],
    ["approximateLastSignInDateTime", "TIMESTAMPTZ", "Last sign-in (approximate)"],
    ["registrationDateTime", "TIMESTAMPTZ", "When it was registered"],
    ["complianceExpirationDateTime", "TIMESTAMPTZ", "When it stops being considered compliant"],
    ["onPremisesSyncEnabled", "BOOLEAN", "Synced from on-premises AD"],
    ["onPremisesLastSyncDateTime", "TIMESTAMPTZ", "Last directory sync"],
    ["deviceVersion", "BIGINT", "Version"],
    ["physicalIds", "VARCHAR[]", "Hardware identifiers"],
    ["systemLabels", "VARCHAR[]", "Labels the system applied"],
  ],
});

export const subscribedSkus = resource({
  name: "subscribedSkus",
  table: "azuread_subscribed_sku",
  description: "Licences (SKUs) the tenant has bought, with their units and service plans",
  path: "/subscribedSkus",
  pageSize: null,
  permissions: ["LicenseAssignment.Read.All", "Organization.Read.All", "Directory.Read.All"],
  idDescription: "'<tenantId>_<skuId>'",
  props: [
    ["skuId", "VARCHAR", "SKU id (GUID)"],
    ["skuPartNumber", "VARCHAR", "SKU name, e.g. ENTERPRISEPACK or AAD_PREMIUM_P2"],
    ["appliesTo", "VARCHAR", "User or Company"],
    ["capabilityStatus", "VARCHAR", "Enabled, Warning, Suspended, Deleted or LockedOut"],
    ["consumedUnits", "BIGINT", "Licences assigned"],
    ["prepaidUnits", "JSON", "Licences bought (enabled, suspended, warning, lockedOut)"],
    ["servicePlans", "JSON", "Service plans in the SKU"],
    ["subscriptionIds", "VARCHAR[]", "Commerce subscriptions"],
    ["accountId", "VARCHAR", "Tenant (account) id"],
    ["accountName", "VARCHAR", "Account name"],
  ],
});

export const conditionalAccessPolicies = resource({
  name: "conditionalAccessPolicies",
  table: "azuread_conditional_access_policy",
  description: "Conditional Access policies: who, which apps and conditions, and what is required or blocked",
  path: "/identity/conditionalAccess/policies",
  pageSize: null,
  permissions: ["Policy.Read.ConditionalAccess", "Policy.Read.All"],
  licence: "p1",
  props: [
    ["displayName", "VARCHAR", "Policy name"],
    ["description", "VARCHAR", "Description"],
    ["state", "VARCHAR", "enabled, disabled or enabledForReportingButNotEnforced (report-only)"],
    ["createdDateTime", "TIMESTAMPTZ", "When it was created"],
    ["modifiedDateTime", "TIMESTAMPTZ", "Last change"],
    ["templateId", "VARCHAR", "Template it was created from"],
    [
      "conditions",
      "JSON",
      "Who and what it applies to: users (includeUsers/Groups/Roles, exclude…), applications, clientAppTypes, locations, platforms, user/sign-in risk levels",
    ],
    [
      "grantControls",
      "JSON",
      "What is required: operator, builtInControls (mfa, block, compliantDevice, …), authenticationStrength",
    ],
    [
      "sessionControls",
      "JSON",
      "Session limits: signInFrequency, persistentBrowser, app-enforced restrictions",
    ],
  ],
});

export const namedLocations = resource({
  name: "namedLocations",
  table: "azuread_conditional_access_named_location",
  description:
    "Named locations for Conditional Access: IP ranges or countries (the kind is _raw->>'@odata.type')",
  path: "/identity/conditionalAccess/namedLocations",
  pageSize: null,
  permissions: ["Policy.Read.ConditionalAccess", "Policy.Read.All"],
  licence: "p1",
  select: false,
  props: [
    ["displayName", "VARCHAR", "Name"],
    ["createdDateTime", "TIMESTAMPTZ", "When it was created"],
    ["modifiedDateTime", "TIMESTAMPTZ", "Last change"],
    ["isTrusted", "BOOLEAN", "Trusted location (IP ranges only)"],
    ["ipRanges", "JSON", "IP ranges (cidrAddress), for IP named locations"],
    ["countriesAndRegions", "VARCHAR[]", "Two-letter country codes, for country named locations"],
    ["countryLookupMethod", "VARCHAR", "clientIpAddress or authenticatorAppGps"],
    ["includeUnknownCountriesAndRegions", "BOOLEAN", "Also matches IPs that map to no country"],
  ],
});

export const authorizationPolicy = resource({
  name: "authorizationPolicy",
  table: "azuread_authorization_policy",
  description: "Tenant-wide authorization settings: guest access and invitations, user consent, self-service",
  path: "/policies/authorizationPolicy",
  pageSize: null,
  singleton: true,
  permissions: ["Policy.Read.All"],
  idDescription: "Always 'authorizationPolicy'",
  props: [
    ["displayName", "VARCHAR", "Policy name"],
    ["description", "VARCHAR", "Description"],
    [
      "allowInvitesFrom",
      "VARCHAR",
      "Who can invite guests: none, adminsAndGuestInviters, adminsGuestInvitersAndAllMembers, everyone",
    ],
    [
      "allowedToSignUpEmailBasedSubscriptions",
      "BOOLEAN",
      "Users can sign up for email-based (self-service) subscriptions",
    ],
    ["allowedToUseSSPR", "BOOLEAN", "Users can use self-service password reset"],
    ["allowEmailVerifiedUsersToJoinOrganization", "BOOLEAN", "Users can join the tenant by email validation"],
    ["allowUserConsentForRiskyApps", "BOOLEAN", "Users can consent to apps flagged as risky"],
    ["blockMsolPowerShell", "BOOLEAN", "Blocks the legacy MSOnline PowerShell module for non-admins"],
    [
      "guestUserRoleId",
      "VARCHAR",
      "Guest access level (2af84b1e-32c8-42b7-82bc-daa82404023b = most restricted)",
    ],
    [
      "defaultUserRolePermissions",
      "JSON",
      "What default users may do: allowedToCreateApps, allowedToCreateSecurityGroups, allowedToCreateTenants, allowedToReadOtherUsers, allowedToReadBitlockerKeysForOwnedDevice, permissionGrantPoliciesAssigned (user consent policies)",
    ],
  ],
});

export const securityDefaultsPolicy = resource({
  name: "identitySecurityDefaultsEnforcementPolicy",
  table: "azuread_security_defaults_policy",
  description: "Security defaults: Microsoft's baseline protections (MFA registration, legacy auth blocked)",
  path: "/policies/identitySecurityDefaultsEnforcementPolicy",
  pageSize: null,
  singleton: true,
  permissions: ["Policy.Read.All"],
  idDescription: "Policy id",
  props: [
    ["displayName", "VARCHAR", "Policy name"],
    ["description", "VARCHAR", "Description"],
    ["isEnabled", "BOOLEAN", "Whether security defaults are on"],
  ],
});

export const adminConsentRequestPolicy = resource({
  name: "adminConsentRequestPolicy",
  table: "azuread_admin_consent_request_policy",
  description: "Admin consent workflow: whether users can ask an admin to consent to an app, and who reviews",
  path: "/policies/adminConsentRequestPolicy",
  pageSize: null,
  singleton: true,
  // Graph's answer has no id: the one row is keyed by the policy's name.
  singletonId: "adminConsentRequestPolicy",
  permissions: ["Policy.Read.All"],
  idDescription: "Always 'adminConsentRequestPolicy'",
  props: [
    ["isEnabled", "BOOLEAN", "Users can request admin consent"],
    ["notifyReviewers", "BOOLEAN", "Reviewers get an email for each request"],
    ["remindersEnabled", "BOOLEAN", "Reviewers get reminders before a request expires"],
    ["requestDurationInDays", "BIGINT", "Days before a request expires"],
    ["reviewers", "JSON", "Who reviews requests (query, queryType, queryRoot)"],
    ["version", "BIGINT", "Policy version"],
  ],
});

export const directorySettings = resource({
  name: "groupSettings",
  table: "azuread_directory_setting",
  description:
    "Tenant-wide directory settings (Group.Unified, Password Rule Settings, Consent Policy Settings, …)",
  path: "/groupSettings",
  pageSize: null,
  permissions: ["Directory.Read.All"],
  props: [
    ["displayName", "VARCHAR", "Setting template name, e.g. Group.Unified or Password Rule Settings"],
    ["templateId", "VARCHAR", "Directory setting template id"],
    ["values", "JSON", "Settings as [{name, value}], values are strings (e.g. EnableGroupCreation = 'true')"],
  ],
});

export const identityProviders = resource({
  name: "identityProviders",
  table: "azuread_identity_provider",
  description:
    "Identity providers guests and external users can sign in with (the kind is _raw->>'@odata.type')",
  path: "/identity/identityProviders",
  pageSize: null,
  permissions: ["IdentityProvider.Read.All"],
  select: false,
  idDescription: "Provider id, e.g. Google-OAUTH",
  props: [
    ["displayName", "VARCHAR", "Name"],
    ["identityProviderType", "VARCHAR", "Google, Facebook, MicrosoftAccount, EmailOTP, AADSignup, …"],
    ["clientId", "VARCHAR", "Client id at the provider (social providers)"],
  ],
});

export const userSignInActivity = resource({
  name: "userSignInActivity",
  table: "azuread_user_sign_in_activity",
  description:
    "Last sign-ins of every user (interactive, non-interactive, successful), read apart from azuread_user because Graph's delta cannot return them",
  path: "/users",
  // Needs User.Read.All too (any catalog permission of azuread_user).
  permissions: ["AuditLog.Read.All"],
  licence: "p1",
  scalesWithTenant: true,
  idDescription: "User id (azuread_user.id)",
  props: [
    [
      "signInActivity",
      "JSON",
      "lastSignInDateTime (interactive), lastNonInteractiveSignInDateTime, lastSuccessfulSignInDateTime and their request ids",
    ],
  ],
});

export const userRegistrationDetails = resource({
  name: "userRegistrationDetails",
  table: "azuread_user_registration_details",
  description:
    "Authentication methods each user has registered: MFA, passwordless and self-service password reset",
  path: "/reports/authenticationMethods/userRegistrationDetails",
  pageSize: null,
  scalesWithTenant: true,
  permissions: ["AuditLog.Read.All", "UserAuthenticationMethod.Read.All"],
  licence: "p1",
  idDescription: "User id (azuread_user.id)",
  props: [
    ["userPrincipalName", "VARCHAR", "Sign-in name"],
    ["userDisplayName", "VARCHAR", "Name"],
    ["userType", "VARCHAR", "member or guest"],
    ["isAdmin", "BOOLEAN", "Holds an administrator role"],
    ["isMfaCapable", "BOOLEAN", "Has a strong method registered and allowed by policy"],
    ["isMfaRegistered", "BOOLEAN", "Has registered a strong authentication method"],
    ["isPasswordlessCapable", "BOOLEAN", "Has a passwordless method registered and allowed"],
    ["isSsprCapable", "BOOLEAN", "Can reset their password themselves"],
    ["isSsprEnabled", "BOOLEAN", "Allowed to use self-service password reset"],
    ["isSsprRegistered", "BOOLEAN", "Registered for self-service password reset"],
    ["isSystemPreferredAuthenticationMethodEnabled", "BOOLEAN", "System-preferred MFA applies"],
    [
      "methodsRegistered",
      "VARCHAR[]",
      "Methods registered (microsoftAuthenticatorPush, fido2, mobilePhone, …)",
    ],
    ["systemPreferredAuthenticationMethods", "VARCHAR[]", "Methods the system prefers for the user"],
    ["userPreferredMethodForSecondaryAuthentication", "VARCHAR", "Method the user chose as default"],
    ["lastUpdatedDateTime", "TIMESTAMPTZ", "When the report row was last updated"],
  ],
});

export const authenticationMethodsPolicy = resource({
  name: "authenticationMethodsPolicy",
  table: "azuread_authentication_method_policy",
  description:
    "Authentication methods policy: which methods users may use (Authenticator, FIDO2, SMS, voice, TAP, …) and how",
  path: "/policies/authenticationMethodsPolicy",
  // beta carries reportSuspiciousActivitySettings and Authenticator number matching (EIDSCA reads beta).
  version: "beta",
  pageSize: null,
  singleton: true,
  select: false,
  permissions: ["Policy.Read.AuthenticationMethod", "Policy.Read.All"],
  idDescription: "Always 'authenticationMethodsPolicy'",
  props: [
    ["displayName", "VARCHAR", "Policy name"],
    ["description", "VARCHAR", "Description"],
    ["policyVersion", "VARCHAR", "Policy version"],
    [
      "policyMigrationState",
      "VARCHAR",
      "preMigration, migrationInProgress or migrationComplete (legacy MFA and SSPR policies retired)",
    ],
    ["reconfirmationInDays", "BIGINT", "Days before users must confirm their methods again"],
    ["lastModifiedDateTime", "TIMESTAMPTZ", "Last change"],
    ["registrationEnforcement", "JSON", "Registration campaign (nudge) settings"],
    ["reportSuspiciousActivitySettings", "JSON", "Report suspicious activity: state, includeTarget"],
    ["systemCredentialPreferences", "JSON", "System-preferred MFA settings"],
    [
      "authenticationMethodConfigurations",
      "JSON",
      "One configuration per method, by id (Fido2, MicrosoftAuthenticator, Sms, Voice, TemporaryAccessPass, Email, …): state, includeTargets, method settings",
    ],
  ],
});

export const tenantAppManagementPolicy = resource({
  name: "defaultAppManagementPolicy",
  table: "azuread_tenant_app_management_policy",
  description:
    "Tenant-wide restrictions on application credentials: password secrets and certificate lifetimes",
  path: "/policies/defaultAppManagementPolicy",
  pageSize: null,
  singleton: true,
  permissions: ["Policy.Read.All"],
  idDescription: "Policy id",
  props: [
    ["displayName", "VARCHAR", "Policy name"],
    ["description", "VARCHAR", "Description"],
    ["isEnabled", "BOOLEAN", "Whether the restrictions apply"],
    [
      "applicationRestrictions",
      "JSON",
      "Restrictions on app registrations: passwordCredentials and keyCredentials [{restrictionType, maxLifetime, state}]",
    ],
    ["servicePrincipalRestrictions", "JSON", "The same restrictions for service principals"],
  ],
});

export const roleAssignmentScheduleInstances = resource({
  name: "roleAssignmentScheduleInstances",
  table: "azuread_directory_role_assignment_schedule_instance",
  description:
    "PIM active role assignments in effect, with how they were made (assigned or activated) and until when",
  path: "/roleManagement/directory/roleAssignmentScheduleInstances",
  pageSize: null,
  permissions: [
    "RoleAssignmentSchedule.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
  ],
  licence: "p2",
  idDescription: "Assignment instance id",
  props: [
    ["principalId", "VARCHAR", "Object id of the user, group or service principal that holds the role"],
    ["roleDefinitionId", "VARCHAR", "Role (azuread_directory_role_definition.id)"],
    ["directoryScopeId", "VARCHAR", "'/' for the whole tenant, '/administrativeUnits/<id>' or an object"],
    ["appScopeId", "VARCHAR", "Application-specific scope, if any"],
    ["startDateTime", "TIMESTAMPTZ", "When the assignment starts (null: made outside PIM)"],
    ["endDateTime", "TIMESTAMPTZ", "When it ends (null: permanent)"],
    [
      "assignmentType",
      "VARCHAR",
      "Assigned (given by an admin) or Activated (an eligible user activated it)",
    ],
    ["memberType", "VARCHAR", "Direct, Group or Inherited"],
    ["roleAssignmentOriginId", "VARCHAR", "The role assignment it comes from"],
    ["roleAssignmentScheduleId", "VARCHAR", "The assignment schedule it comes from"],
  ],
});

export const roleManagementPolicyAssignments = resource({
  name: "roleManagementPolicyAssignments",
  table: "azuread_role_management_policy_assignment",
  description:
    "PIM settings of each directory role: the policy governing it with its rules (activation approval, expiry, notifications)",
  path: "/policies/roleManagementPolicyAssignments",
  pageSize: null,
  select: false,
  query: "$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)",
  permissions: [
    "RoleManagementPolicy.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
  ],
  licence: "p2",
  idDescription: "Assignment id (policy id and role definition id)",
  props: [
    ["policyId", "VARCHAR", "Role management policy id"],
    ["roleDefinitionId", "VARCHAR", "Role the policy governs (azuread_directory_role_definition.id)"],
    ["scopeId", "VARCHAR", "'/' for the whole tenant"],
    ["scopeType", "VARCHAR", "DirectoryRole"],
    [
      "policy",
      "JSON",
      "The policy with its rules [{@odata.type, id, …}]: Approval_EndUser_Assignment (setting.isApprovalRequired), Expiration_*, Enablement_*, Notification_* (notificationRecipients)",
    ],
  ],
});

export const crossTenantAccessDefault = resource({
  name: "crossTenantAccessPolicyDefault",
  table: "azuread_cross_tenant_access_policy_configuration_default",
  description:
    "Default cross-tenant access settings: B2B collaboration and direct connect in and out, and which claims of other tenants are trusted",
  path: "/policies/crossTenantAccessPolicy/default",
  pageSize: null,
  singleton: true,
  // Graph's answer has no id: the one row is keyed by the setting's name.
  singletonId: "crossTenantAccessPolicyConfigurationDefault",
  permissions: ["Policy.Read.All"],
  idDescription: "Always 'crossTenantAccessPolicyConfigurationDefault'",
  props: [
    ["isServiceDefault", "BOOLEAN", "Still Microsoft's defaults (never changed by an admin)"],
    [
      "b2bCollaborationInbound",
      "JSON",
      "Guests from other tenants: usersAndGroups / applications {accessType allowed|blocked, targets}",
    ],
    ["b2bCollaborationOutbound", "JSON", "This tenant's users as guests elsewhere"],
    ["b2bDirectConnectInbound", "JSON", "B2B direct connect (Teams shared channels) in"],
    ["b2bDirectConnectOutbound", "JSON", "B2B direct connect out"],
    ["inboundTrust", "JSON", "Trusted claims of other tenants: isMfaAccepted, isCompliantDeviceAccepted, …"],
    ["automaticUserConsentSettings", "JSON", "Automatic redemption of invitations in and out"],
  ],
});

/** Every resource the collector knows, in collection order. */
export const catalog: readonly ResourceDef[] = [
  organization,
  domains,
  subscribedSkus,
  users,
  groups,
  groupMembers,
  relations.groupOwners,
  applications,
  relations.applicationOwners,
  servicePrincipals,
  relations.servicePrincipalOwners,
  relations.appRoleAssignments,
  oauth2PermissionGrants,
  directoryRoles,
  policies.directoryRoleTemplates,
  roleDefinitions,
  roleAssignments,
  roleEligibilityScheduleInstances,
  administrativeUnits,
  contacts,
  devices,
  conditionalAccessPolicies,
  namedLocations,
  authorizationPolicy,
  securityDefaultsPolicy,
  adminConsentRequestPolicy,
  directorySettings,
  identityProviders,
  userSignInActivity,
  userRegistrationDetails,
  authenticationMethodsPolicy,
  tenantAppManagementPolicy,
  roleAssignmentScheduleInstances,
  roleManagementPolicyAssignments,
  crossTenantAccessDefault,
  policies.crossTenantAccessPolicy,
  policies.crossTenantAccessPartners,
  policies.authenticationFlowsPolicy,
  policies.authenticationStrengthPolicies,
  policies.permissionGrantPolicies,
  policies.appManagementPolicies,
  policies.tokenLifetimePolicies,
  policies.tokenIssuancePolicies,
  policies.claimsMappingPolicies,
  policies.homeRealmDiscoveryPolicies,
  policies.activityBasedTimeoutPolicies,
  policies.roleManagementPolicies,
  policies.deviceRegistrationPolicy,
  policies.externalIdentitiesPolicy,
  m365.accessReviewDefinitions,
  m365.accessReviewInstances,
  m365.appConsentRequests,
  m365.riskyUsers,
  m365.riskDetections,
  m365.managedDevices,
  m365.deviceCompliancePolicies,
  m365.deviceConfigurations,
  m365.deviceEnrollmentConfigurations,
  m365.mobileApps,
  m365.managedAppPolicies,
  m365.mobileAppConfigurations,
  m365.intuneRoleDefinitions,
  m365.intuneRoleAssignments,
  m365.cloudPCs,
  m365.teamsApps,
  m365.teams,
  m365.teamSettings,
  m365.teamMembers,
  m365.teamChannels,
  m365.channelMembers,
  m365.securityAlerts,
  m365.secureScores,
  m365.secureScoreControlProfiles,
  m365.securityActions,
  m365.subjectRightsRequests,
  m365.serviceHealthOverviews,
  m365.serviceHealthIssues,
  m365.serviceMessages,
  m365.sites,
  m365.managedTenants,
  m365.myContacts,
  m365.myPeople,
  relations.directoryAudits,
  relations.signIns,
];

export function resourceByName(name: string): ResourceDef | undefined {
  return catalog.find((r) => r.name === name);
}

export function resourceByTable(table: string): ResourceDef | undefined {
  return catalog.find((r) => r.table === table);
}

/** Resources carried inside `parent`'s delta read (e.g. group memberships inside /groups/delta). */
export function derivedOf(parent: ResourceDef): ResourceDef[] {
  return catalog.filter((r) => r.derived?.from === parent.name);
}
