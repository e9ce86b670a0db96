/** Well-known Microsoft identifiers the generated tenants reference (role templates, first-party apps, SKUs). */

export const MICROSOFT_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const INTUNE_APP_ID = "0000000a-0000-0000-c000-000000000000";

export interface RoleTemplate {
  id: string;
  displayName: string;
  description: string;
  privileged: boolean;
  actions: string[];
}

export const ROLE_TEMPLATES: readonly RoleTemplate[] = [
  t(
    "62e90394-69f5-4237-9190-012177145e10",
    "Global Administrator",
    "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
    true,
    ["microsoft.directory/allEntities/allProperties/allTasks"],
  ),
  t(
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Privileged Role Administrator",
    "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
    true,
    ["microsoft.directory/roleAssignments/allProperties/allTasks"],
  ),
  t(
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "Privileged Authentication Administrator",
    "Can access to view, set and reset authentication method information for any user (admin or non-admin).",
    true,
    ["microsoft.directory/users/authenticationMethods/standard/update"],
  ),
  t(
    "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "Security Administrator",
    "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
    true,
    ["microsoft.directory/policies/update"],
  ),
  t(
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Application Administrator",
    "Can create and manage all aspects of app registrations and enterprise apps.",
    true,
    ["microsoft.directory/applications/allProperties/allTasks"],
  ),
  t(
    "158c047a-c907-4556-b7ef-446551a6b5f7",
    "Cloud Application Administrator",
    "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.",
    true,
    ["microsoft.directory/applications/credentials/update"],
  ),
  t(
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "User Administrator",
    "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
    true,
    ["microsoft.directory/users/allProperties/allTasks"],
  ),
  t(
    "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    "Authentication Administrator",
    "Can access to view, set and reset authentication method information for any non-admin user.",
    true,
    ["microsoft.directory/users/authenticationMethods/standard/restrictedUpdate"],
  ),
  t(
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
    "Conditional Access Administrator",
    "Can manage Conditional Access capabilities.",
    true,
    ["microsoft.directory/conditionalAccessPolicies/allProperties/allTasks"],
  ),
  t(
    "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "Exchange Administrator",
    "Can manage all aspects of the Exchange product.",
    true,
    ["microsoft.office365.exchange/allEntities/basic/allTasks"],
  ),
  t(
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "SharePoint Administrator",
    "Can manage all aspects of the SharePoint service.",
    false,
    ["microsoft.office365.sharePoint/allEntities/allTasks"],
  ),
  t(
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
    "Hybrid Identity Administrator",
    "Can manage cloud provisioning and federation settings for connecting on-premises directories.",
    true,
    ["microsoft.directory/hybridAuthenticationPolicies/allProperties/allTasks"],
  ),
  t(
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "Helpdesk Administrator",
    "Can reset passwords for non-administrators and Helpdesk Administrators.",
    true,
    ["microsoft.directory/users/password/update"],
  ),
  t(
    "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    "Groups Administrator",
    "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies.",
    false,
    ["microsoft.directory/groups/allProperties/allTasks"],
  ),
  t(
    "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "Billing Administrator",
    "Can perform common billing related tasks like updating payment information.",
    false,
    ["microsoft.directory/organization/basic/update"],
  ),
  t(
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "Global Reader",
    "Can read everything that a Global Administrator can, but not update anything.",
    false,
    ["microsoft.directory/allEntities/allProperties/read"],
  ),
  t(
    "5d6b6bb7-de71-4623-b4af-96380a352509",
    "Security Reader",
    "Can read security information and reports in Microsoft Entra ID and Office 365.",
    false,
    ["microsoft.directory/auditLogs/allProperties/read"],
  ),
  t(
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "Directory Readers",
    "Can read basic directory information. Commonly used to grant directory read access to applications and guests.",
    false,
    ["microsoft.directory/users/standard/read"],
  ),
  t(
    "95e79109-95c0-4d8e-aee3-d01accf2d47b",
    "Guest Inviter",
    "Can invite guest users independent of the 'members can invite guests' setting.",
    false,
    ["microsoft.directory/users/inviteGuest"],
  ),
  t(
    "a0b1b346-4d3e-4e8b-98f8-753987be4970",
    "User",
    "Default role for member users. Can read all and write a limited set of directory information.",
    false,
    ["microsoft.directory/users/standard/read"],
  ),
  t(
    "10dae51f-b6af-4016-8d66-8c2a99b929b3",
    "Guest User",
    "Default role for guest users. Can read a limited set of directory information.",
    false,
    ["microsoft.directory/users/basic/read"],
  ),
  t(
    "2af84b1e-32c8-42b7-82bc-daa82404023b",
    "Restricted Guest User",
    "Restricted role for guest users. Can read a limited set of directory information.",
    false,
    ["microsoft.directory/users/basic/read"],
  ),
];

function t(
  id: string,
  displayName: string,
  description: string,
  privileged: boolean,
  actions: string[],
): RoleTemplate {
  return { id, displayName, description, privileged, actions };
}

export const GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10";

/** Templates that are activated (appear under /directoryRoles) in every generated tenant. */
export const ACTIVATED_ROLE_TEMPLATES: readonly string[] = [
  "62e90394-69f5-4237-9190-012177145e10",
  "e8611ab8-c189-46e8-94e1-60213ab1f814",
  "194ae4cb-b126-40b2-bd5b-6091b380977d",
  "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
  "fe930be7-5e62-47db-91af-98c3a49a38b1",
  "729827e3-9c14-49f7-bb1b-9608f156bbb8",
  "29232cdf-9323-42fd-ade2-1d097af3e4de",
  "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
  "5d6b6bb7-de71-4623-b4af-96380a352509",
  "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
];

export interface GraphPermission {
  id: string;
  value: string;
  /** High-impact permissions that posture rules flag. */
  risky: boolean;
}

/** Application permissions (app roles) of the Microsoft Graph service principal. */
export const GRAPH_APP_ROLES: readonly GraphPermission[] = [
  { id: "df021288-bdef-4463-88db-98f22de89214", value: "User.Read.All", risky: false },
  { id: "7ab1d382-f21e-4acd-a863-ba3e13f7da61", value: "Directory.Read.All", risky: false },
  { id: "5b567255-7703-4780-807c-7be8301ae99b", value: "Group.Read.All", risky: false },
  { id: "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", value: "Application.Read.All", risky: false },
  { id: "b0afded3-3588-46d8-8b3d-9842eff778da", value: "AuditLog.Read.All", risky: false },
  { id: "246dd0d5-5bd0-4def-940b-0421030a5b68", value: "Policy.Read.All", risky: false },
  { id: "810c84a8-4a9e-49e6-bf7d-12d183f40d01", value: "Mail.Read", risky: true },
  { id: "e2a3a72e-5f79-4c64-b1b1-878b674786c9", value: "Mail.ReadWrite", risky: true },
  { id: "75359482-378d-4052-8f01-80520e7db3cd", value: "Files.ReadWrite.All", risky: true },
  { id: "19dbc75e-c2e2-444c-a770-ec69d8559fc7", value: "Directory.ReadWrite.All", risky: true },
  { id: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", value: "RoleManagement.ReadWrite.Directory", risky: true },
  { id: "06b708a9-e830-4db3-a914-8e69da51d44f", value: "AppRoleAssignment.ReadWrite.All", risky: true },
  { id: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", value: "Application.ReadWrite.All", risky: true },
  { id: "483bed4a-2ad3-4361-a73b-c83ccdbdc53c", value: "RoleManagement.Read.Directory", risky: false },
];

/** Delegated permissions (scopes) of the Microsoft Graph service principal. */
export const GRAPH_SCOPES: readonly GraphPermission[] = [
  { id: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", value: "User.Read", risky: false },
  { id: "37f7f235-527c-4136-accd-4a02d197296e", value: "openid", risky: false },
  { id: "14dad69e-099b-42c9-810b-d002981feec1", value: "profile", risky: false },
  { id: "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", value: "email", risky: false },
  { id: "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", value: "offline_access", risky: false },
  { id: "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", value: "Mail.Read", risky: true },
  { id: "06da0dbc-49e2-44d2-8312-53f166ab848a", value: "Directory.Read.All", risky: false },
  { id: "df85f4d6-205c-4ac5-a5ea-6bf408dba283", value: "Files.Read.All", risky: true },
  { id: "0e263e50-5827-48a4-b97c-d940288653c7", value: "Directory.AccessAsUser.All", risky: true },
];

export interface FirstPartyApp {
  appId: string;
  displayName: string;
}

export const FIRST_PARTY_APPS: readonly FirstPartyApp[] = [
  { appId: GRAPH_APP_ID, displayName: "Microsoft Graph" },
  { appId: "00000002-0000-0ff1-ce00-000000000000", displayName: "Office 365 Exchange Online" },
  { appId: "00000003-0000-0ff1-ce00-000000000000", displayName: "Office 365 SharePoint Online" },
  { appId: "00000002-0000-0000-c000-000000000000", displayName: "Windows Azure Active Directory" },
  { appId: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", displayName: "Microsoft Teams" },
  { appId: INTUNE_APP_ID, displayName: "Microsoft Intune" },
  { appId: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", displayName: "Azure Portal" },
  { appId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", displayName: "Microsoft Azure CLI" },
  { appId: "14d82eec-204b-4c2f-b7e8-296a70dab67e", displayName: "Microsoft Graph Command Line Tools" },
  { appId: "1b730954-1685-4b74-9bfd-dac224a7b894", displayName: "Azure Active Directory PowerShell" },
];

export interface SkuInfo {
  skuId: string;
  skuPartNumber: string;
  /** Licence flag that makes the tenant own this SKU; "base" SKUs every tenant has. */
  gate: "base" | "p1" | "p2" | "intune";
  plans: readonly { servicePlanId: string; servicePlanName: string }[];
}

export const SKUS: readonly SkuInfo[] = [
  {
    skuId: "6fd2c87f-b296-42f0-b197-1e91e994b900",
    skuPartNumber: "ENTERPRISEPACK",
    gate: "base",
    plans: [
      { servicePlanId: "efb87545-963c-4e0d-99df-69c6916d9eb0", servicePlanName: "EXCHANGE_S_ENTERPRISE" },
      { servicePlanId: "5dbe027f-2339-4123-9542-606e4d348a72", servicePlanName: "SHAREPOINTENTERPRISE" },
      { servicePlanId: "57ff2da0-773e-42df-b2af-ffb7a2317929", servicePlanName: "TEAMS1" },
    ],
  },
  {
    skuId: "c7df2760-2c81-4ef7-b578-5b5392b571df",
    skuPartNumber: "ENTERPRISEPREMIUM",
    gate: "base",
    plans: [
      { servicePlanId: "efb87545-963c-4e0d-99df-69c6916d9eb0", servicePlanName: "EXCHANGE_S_ENTERPRISE" },
      { servicePlanId: "57ff2da0-773e-42df-b2af-ffb7a2317929", servicePlanName: "TEAMS1" },
      { servicePlanId: "4828c8ec-dc2e-4779-b502-87ac9ce28ab7", servicePlanName: "MCOEV" },
    ],
  },
  {
    skuId: "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235",
    skuPartNumber: "POWER_BI_STANDARD",
    gate: "base",
    plans: [{ servicePlanId: "2049e525-b859-401b-b2a0-e0a31c4b1fe4", servicePlanName: "BI_AZURE_P0" }],
  },
  {
    skuId: "078d2b04-f1bd-4111-bbd4-b4b1b354cef4",
    skuPartNumber: "AAD_PREMIUM",
    gate: "p1",
    plans: [{ servicePlanId: "41781fb2-bc02-4b7c-bd55-b576c07bb09d", servicePlanName: "AAD_PREMIUM" }],
  },
  {
    skuId: "84a661c4-e949-4bd2-a560-ed7766fcaf2b",
    skuPartNumber: "AAD_PREMIUM_P2",
    gate: "p2",
    plans: [{ servicePlanId: "eec0eb4f-6444-4f95-aba0-50c24d67f998", servicePlanName: "AAD_PREMIUM_P2" }],
  },
  {
    skuId: "061f9ace-7d42-4136-88ac-31dc755f143f",
    skuPartNumber: "INTUNE_A",
    gate: "intune",
    plans: [{ servicePlanId: "c1ec4a95-1f05-45b3-a911-aa3fa01094f5", servicePlanName: "INTUNE_A" }],
  },
];
