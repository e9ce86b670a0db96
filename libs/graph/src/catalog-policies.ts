import { type Prop, resource } from "./define.js";

/** Tenant policies under /policies and role management beyond the directory roles themselves. */

const name: Prop = ["displayName", "VARCHAR", "Policy name"];
const description: Prop = ["description", "VARCHAR", "Description"];

/** STS policies (token lifetime, issuance, claims mapping, home realm discovery, activity timeout). */
function stsPolicy(spec: { name: string; table: string; description: string; definition: string }) {
  return resource({
    name: spec.name,
    table: spec.table,
    description: spec.description,
    path: `/policies/${spec.name}`,
    pageSize: null,
    permissions: ["Policy.Read.All"],
    idDescription: "Policy id",
    props: [
      name,
      description,
      ["definition", "VARCHAR[]", spec.definition],
      ["isOrganizationDefault", "BOOLEAN", "Applies to the whole tenant unless an app has its own"],
    ],
  });
}

export const tokenLifetimePolicies = stsPolicy({
  name: "tokenLifetimePolicies",
  table: "azuread_token_lifetime_policy",
  description: "Token lifetime policies: how long access and ID tokens issued to applications stay valid",
  definition: 'JSON strings, e.g. {"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"08:00:00"}}',
});

export const tokenIssuancePolicies = stsPolicy({
  name: "tokenIssuancePolicies",
  table: "azuread_token_issuance_policy",
  description: "Token issuance policies: SAML token and assertion signing of applications",
  definition: 'JSON strings, e.g. {"TokenIssuancePolicy":{"Version":1,"SigningAlgorithm":"…"}}',
});

export const claimsMappingPolicies = stsPolicy({
  name: "claimsMappingPolicies",
  table: "azuread_claims_mapping_policy",
  description: "Claims mapping policies: claims added to or changed in tokens issued to applications",
  definition: 'JSON strings, e.g. {"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true",…}}',
});

export const homeRealmDiscoveryPolicies = stsPolicy({
  name: "homeRealmDiscoveryPolicies",
  table: "azuread_home_realm_discovery_policy",
  description: "Home realm discovery policies: sign-in redirection to a federated identity provider",
  definition: 'JSON strings, e.g. {"HomeRealmDiscoveryPolicy":{"AccelerateToFederatedDomain":true,…}}',
});

export const activityBasedTimeoutPolicies = stsPolicy({
  name: "activityBasedTimeoutPolicies",
  table: "azuread_activity_based_timeout_policy",
  description: "Activity-based timeout policies: idle session sign-out of web applications",
  definition:
    'JSON strings, e.g. {"ActivityBasedTimeoutPolicy":{"Version":1,"ApplicationPolicies":[{"ApplicationId":"default","WebSessionIdleTimeout":"01:00:00"}]}}',
});

export const permissionGrantPolicies = resource({
  name: "permissionGrantPolicies",
  table: "azuread_permission_grant_policy",
  description:
    "Permission grant policies: which permissions users may consent to (the ones named in the authorization policy's permissionGrantPoliciesAssigned)",
  path: "/policies/permissionGrantPolicies",
  pageSize: null,
  permissions: ["Policy.Read.PermissionGrant", "Policy.Read.All"],
  idDescription: "Policy id, e.g. microsoft-user-default-low",
  props: [
    name,
    description,
    [
      "includes",
      "JSON",
      "Condition sets that allow consent: permissionType, permissionClassification, permissions, clientApplicationIds, clientApplicationsFromVerifiedPublisherOnly, …",
    ],
    ["excludes", "JSON", "Condition sets excluded from the includes"],
  ],
});

export const authenticationStrengthPolicies = resource({
  name: "authenticationStrengthPolicies",
  table: "azuread_authentication_strength_policy",
  description:
    "Authentication strengths: the method combinations Conditional Access can require (built-in and custom)",
  path: "/policies/authenticationStrengthPolicies",
  pageSize: null,
  permissions: ["Policy.Read.AuthenticationMethod", "Policy.Read.All"],
  idDescription: "Policy id (built-in ones are fixed, e.g. 00000000-0000-0000-0000-000000000004)",
  props: [
    name,
    description,
    ["policyType", "VARCHAR", "builtIn or custom"],
    ["requirementsSatisfied", "VARCHAR", "mfa or none"],
    [
      "allowedCombinations",
      "VARCHAR[]",
      "Method combinations that satisfy it (fido2, windowsHelloForBusiness, x509CertificateMultiFactor, microsoftAuthenticatorPush, sms, …)",
    ],
    ["createdDateTime", "TIMESTAMPTZ", "When it was created"],
    ["modifiedDateTime", "TIMESTAMPTZ", "Last change"],
  ],
});

export const appManagementPolicies = resource({
  name: "appManagementPolicies",
  table: "azuread_app_management_policy",
  description:
    "Application management policies applied to chosen applications and service principals (credential restrictions)",
  path: "/policies/appManagementPolicies",
  pageSize: null,
  permissions: ["Policy.Read.ApplicationConfiguration", "Policy.Read.All"],
  idDescription: "Policy id",
  props: [
    name,
    description,
    ["isEnabled", "BOOLEAN", "Whether the restrictions apply"],
    [
      "restrictions",
      "JSON",
      "passwordCredentials and keyCredentials restrictions [{restrictionType, maxLifetime, state, restrictForAppsCreatedAfterDateTime}]",
    ],
  ],
});

export const authenticationFlowsPolicy = resource({
  name: "authenticationFlowsPolicy",
  table: "azuread_authentication_flows_policy",
  description: "Authentication flows: whether external users can sign up themselves (self-service sign-up)",
  path: "/policies/authenticationFlowsPolicy",
  pageSize: null,
  singleton: true,
  permissions: ["Policy.Read.All"],
  idDescription: "Always 'authenticationFlowsPolicy'",
  props: [name, description, ["selfServiceSignUp", "JSON", "Self-service sign-up: isEnabled"]],
});

export const crossTenantAccessPolicy = resource({
  name: "crossTenantAccessPolicy",
  table: "azuread_cross_tenant_access_policy",
  description:
    "Cross-tenant access policy itself: the clouds B2B collaboration may reach (defaults and partners are their own tables)",
  path: "/policies/crossTenantAccessPolicy",
  pageSize: null,
  singleton: true,
  permissions: ["Policy.Read.All"],
  idDescription: "Always 'crossTenantAccessPolicy'",
  props: [
    name,
    [
      "allowedCloudEndpoints",
      "VARCHAR[]",
      "Other Microsoft clouds allowed (microsoftonline.us, partner.microsoftonline.cn)",
    ],
  ],
});

export const crossTenantAccessPartners = resource({
  name: "crossTenantAccessPolicyPartners",
  table: "azuread_cross_tenant_access_policy_partner",
  description:
    "Partner-specific cross-tenant access settings: what differs from the defaults for one other tenant",
  path: "/policies/crossTenantAccessPolicy/partners",
  pageSize: null,
  // Graph's partner configurations have no id: the row is keyed by the partner's tenant id.
  idProperty: "tenantId",
  permissions: ["Policy.Read.All"],
  idDescription: "The partner's tenant id",
  select: false,
  props: [
    ["tenantId", "VARCHAR", "The partner tenant", "partner_tenant_id"],
    ["isServiceProvider", "BOOLEAN", "The partner is a Microsoft cloud service provider (CSP)"],
    ["isInMultiTenantOrganization", "BOOLEAN", "Both tenants belong to one multitenant organization"],
    ["b2bCollaborationInbound", "JSON", "Guests from this tenant (null: the default applies)"],
    ["b2bCollaborationOutbound", "JSON", "This tenant's users as guests there"],
    ["b2bDirectConnectInbound", "JSON", "B2B direct connect in"],
    ["b2bDirectConnectOutbound", "JSON", "B2B direct connect out"],
    [
      "inboundTrust",
      "JSON",
      "Claims of that tenant trusted here: isMfaAccepted, isCompliantDeviceAccepted, …",
    ],
    ["automaticUserConsentSettings", "JSON", "Automatic redemption of invitations in and out"],
  ],
});

export const deviceRegistrationPolicy = resource({
  name: "deviceRegistrationPolicy",
  table: "azuread_device_registration_policy",
  description: "Device registration and join settings: who may join, MFA to join, device quota per user",
  path: "/policies/deviceRegistrationPolicy",
  version: "beta",
  pageSize: null,
  singleton: true,
  select: false,
  permissions: ["Policy.Read.DeviceConfiguration", "Policy.Read.All"],
  idDescription: "Always 'deviceRegistrationPolicy'",
  props: [
    name,
    description,
    ["userDeviceQuota", "BIGINT", "Devices one user may register or join"],
    ["multiFactorAuthConfiguration", "VARCHAR", "notRequired or required: MFA to register or join"],
    ["azureADJoin", "JSON", "Who may join devices (allowedToJoin, isAdminConfigurable)"],
    ["azureADRegistration", "JSON", "Who may register devices"],
    ["localAdminPassword", "JSON", "Windows LAPS: isEnabled"],
  ],
});

export const externalIdentitiesPolicy = resource({
  name: "externalIdentitiesPolicy",
  table: "azuread_external_identities_policy",
  description: "External identities: whether guests may leave the tenant themselves",
  path: "/policies/externalIdentitiesPolicy",
  version: "beta",
  pageSize: null,
  singleton: true,
  select: false,
  permissions: ["Policy.Read.All"],
  idDescription: "Policy id",
  props: [
    name,
    ["allowExternalIdentitiesToLeave", "BOOLEAN", "Guests can leave the tenant on their own"],
    ["allowDeletedIdentitiesDataRemoval", "BOOLEAN", "Data of deleted external identities can be removed"],
  ],
});

export const roleManagementPolicies = resource({
  name: "roleManagementPolicies",
  table: "azuread_role_management_policy",
  description:
    "PIM role settings policies with their rules (which role each governs is in azuread_role_management_policy_assignment)",
  path: "/policies/roleManagementPolicies",
  pageSize: null,
  query: "$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=rules",
  permissions: [
    "RoleManagementPolicy.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
  ],
  licence: "p2",
  select: false,
  idDescription: "Policy id",
  props: [
    name,
    description,
    ["isOrganizationDefault", "BOOLEAN", "The tenant's default policy"],
    ["scopeId", "VARCHAR", "'/' for the whole tenant"],
    ["scopeType", "VARCHAR", "DirectoryRole"],
    ["lastModifiedDateTime", "TIMESTAMPTZ", "Last change"],
    ["lastModifiedBy", "JSON", "Who changed it last"],
    ["rules", "JSON", "Rules [{@odata.type, id, …}]: approval, expiration, enablement, notification"],
  ],
});

export const directoryRoleTemplates = resource({
  name: "directoryRoleTemplates",
  table: "azuread_directory_role_template",
  description: "Directory role templates: every built-in role the tenant could activate",
  path: "/directoryRoleTemplates",
  pageSize: null,
  permissions: ["RoleManagement.Read.Directory", "Directory.Read.All"],
  idDescription: "Role template id (= azuread_directory_role.role_template_id)",
  props: [
    ["displayName", "VARCHAR", "Role name"],
    ["description", "VARCHAR", "What the role can do"],
  ],
});
