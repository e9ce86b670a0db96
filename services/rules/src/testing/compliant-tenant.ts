import { catalog } from "@tenantlens/graph";

/**
 * A small tenant configured the way the managed rules want it, as warehouse rows (snake_case columns,
 * JSON columns as objects). Rule tests copy it per integration and change one thing to violate a rule.
 */

export type Row = Record<string, unknown>;
export type Tables = Record<string, Row[]>;

export const GA = "62e90394-69f5-4237-9190-012177145e10";
export const PRIVILEGED_ROLES: ReadonlyArray<readonly [string, string]> = [
  [GA, "Global Administrator"],
  ["e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator"],
  ["fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"],
  ["f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator"],
  ["29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator"],
  ["8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator"],
  ["9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator"],
  ["158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator"],
];
export const USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1";
export const EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de";
export const APP_ADMIN = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
export const PHISHING_RESISTANT = "00000000-0000-0000-0000-000000000004";
export const RESTRICTED_GUEST = "2af84b1e-32c8-42b7-82bc-daa82404023b";

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Who holds which role in the compliant tenant: three Global Administrators, three finer roles. */
export const ROLE_HOLDERS: ReadonlyArray<readonly [string, string]> = [
  ["u-admin1", GA],
  ["u-admin2", GA],
  ["u-breakglass", GA],
  ["u-useradmin", USER_ADMIN],
  ["u-exadmin", EXCHANGE_ADMIN],
  ["u-appadmin", APP_ADMIN],
];

function user(id: string, name: string, o: Row = {}): Row {
  return {
    id,
    display_name: name,
    user_principal_name: `${id.slice(2)}@contoso.com`,
    mail: `${id.slice(2)}@contoso.com`,
    user_type: "Member",
    account_enabled: true,
    on_premises_sync_enabled: null,
    created_date_time: "2022-01-01T00:00:00Z",
    ...o,
  };
}

function caPolicy(
  id: string,
  name: string,
  o: { users?: Row; apps?: Row; conditions?: Row; grant?: Row },
): Row {
  return {
    id,
    display_name: name,
    state: "enabled",
    conditions: {
      users: {
        includeUsers: ["All"],
        excludeUsers: ["u-breakglass"],
        includeGroups: [],
        excludeGroups: [],
        includeRoles: [],
        excludeRoles: [],
        ...o.users,
      },
      applications: {
        includeApplications: ["All"],
        excludeApplications: [],
        includeUserActions: [],
        ...o.apps,
      },
      clientAppTypes: ["all"],
      userRiskLevels: [],
      signInRiskLevels: [],
      ...o.conditions,
    },
    grant_controls: { operator: "OR", builtInControls: [], ...o.grant },
  };
}

function notification(id: string): Row {
  return {
    "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule",
    id,
    notificationType: "Email",
    recipientType: "Admin",
    notificationLevel: "All",
    isDefaultRecipientsEnabled: true,
    notificationRecipients: ["security@contoso.com"],
  };
}

function method(id: string, type: string, state: string, extra: Row = {}): Row {
  return { "@odata.type": `#microsoft.graph.${type}AuthenticationMethodConfiguration`, id, state, ...extra };
}

const feature = { state: "enabled", includeTarget: { targetType: "group", id: "all_users" } };

/** The compliant tenant; every call returns fresh objects, so callers may change them freely. */
export function compliantTenant(): Tables {
  const now = Date.now();
  const users = [
    user("u-admin1", "Ada Admin"),
    user("u-admin2", "Grace Admin"),
    user("u-breakglass", "Break Glass"),
    user("u-useradmin", "Uma UserAdmin"),
    user("u-exadmin", "Eli ExchangeAdmin"),
    user("u-appadmin", "Ann AppAdmin"),
    user("u-member1", "Max Member"),
    user("u-member2", "Mia Member"),
  ];
  const admins = new Set(ROLE_HOLDERS.map(([u]) => u));
  return {
    azuread_organization: [
      {
        id: "org",
        display_name: "Contoso",
        tenant_type: "AAD",
        // No verified domain: the "verified domains" inventory rule lists nothing here.
        verified_domains: [],
      },
    ],
    azuread_domain: [
      {
        id: "contoso.com",
        is_verified: true,
        is_default: true,
        password_validity_period_in_days: 2147483647,
      },
      {
        id: "contoso.onmicrosoft.com",
        is_verified: true,
        is_initial: true,
        password_validity_period_in_days: 2147483647,
      },
    ],
    azuread_user: users,
    azuread_user_sign_in_activity: users.map((u) => ({
      id: u.id,
      sign_in_activity: {
        lastSignInDateTime: iso(now - DAY),
        lastNonInteractiveSignInDateTime: iso(now - DAY),
      },
    })),
    azuread_user_registration_details: users.map((u) => ({
      id: u.id,
      user_principal_name: u.user_principal_name,
      user_display_name: u.display_name,
      user_type: "member",
      is_admin: admins.has(String(u.id)),
      is_mfa_registered: true,
      is_mfa_capable: true,
      methods_registered: ["microsoftAuthenticatorPush", "fido2"],
    })),
    azuread_group: [
      { id: "g-admins", display_name: "Tier 0 Admins", security_enabled: true, is_assignable_to_role: true },
      { id: "g-helpdesk", display_name: "Helpdesk", security_enabled: true, is_assignable_to_role: true },
    ],
    azuread_service_principal: [
      { id: "sp-graph", display_name: "Microsoft Graph", app_id: "00000003-0000-0000-c000-000000000000" },
      { id: "sp-portal", display_name: "Contoso Portal", app_id: "app-portal", password_credentials: [] },
    ],
    azuread_application: [
      {
        id: "app-portal",
        display_name: "Contoso Portal",
        app_id: "app-portal",
        password_credentials: [],
        key_credentials: [{ keyId: "cert-1", type: "AsymmetricX509Cert", endDateTime: iso(now + 200 * DAY) }],
      },
    ],
    azuread_oauth2_permission_grant: [
      {
        id: "grant-1",
        client_id: "sp-portal",
        consent_type: "Principal",
        principal_id: "u-member1",
        resource_id: "sp-graph",
        scope: "User.Read",
      },
    ],
    azuread_directory_role_definition: PRIVILEGED_ROLES.map(([id, name]) => ({
      id,
      display_name: name,
      template_id: id,
      is_built_in: true,
      is_enabled: true,
    })),
    azuread_directory_role_assignment: ROLE_HOLDERS.map(([principal, role]) => ({
      id: `ra-${principal}-${role.slice(0, 8)}`,
      principal_id: principal,
      role_definition_id: role,
      directory_scope_id: "/",
    })),
    azuread_directory_role_assignment_schedule_instance: ROLE_HOLDERS.map(([principal, role]) => ({
      id: `rsi-${principal}-${role.slice(0, 8)}`,
      principal_id: principal,
      role_definition_id: role,
      directory_scope_id: "/",
      assignment_type: "Activated",
      member_type: "Direct",
      start_date_time: iso(now - DAY),
      end_date_time: iso(now + DAY),
    })),
    azuread_role_management_policy_assignment: PRIVILEGED_ROLES.map(([role]) => ({
      id: `Directory_policy-${role.slice(0, 8)}_${role}`,
      policy_id: `Directory_policy-${role.slice(0, 8)}`,
      role_definition_id: role,
      scope_id: "/",
      scope_type: "DirectoryRole",
      policy: {
        id: `Directory_policy-${role.slice(0, 8)}`,
        rules: [
          {
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
            id: "Approval_EndUser_Assignment",
            setting: { isApprovalRequired: role === GA, approvalMode: "SingleStage" },
          },
          notification("Notification_Admin_Admin_Eligibility"),
          notification("Notification_Admin_Admin_Assignment"),
          notification("Notification_Admin_EndUser_Assignment"),
        ],
      },
    })),
    azuread_conditional_access_policy: [
      caPolicy("ca-legacy", "Block legacy authentication", {
        conditions: { clientAppTypes: ["exchangeActiveSync", "other"] },
        grant: { builtInControls: ["block"] },
      }),
      caPolicy("ca-mfa", "Require MFA", { grant: { builtInControls: ["mfa"] } }),
      caPolicy("ca-phish-all", "Phishing-resistant MFA for everyone", {
        grant: { authenticationStrength: { id: PHISHING_RESISTANT, displayName: "Phishing-resistant MFA" } },
      }),
      caPolicy("ca-user-risk", "Block high user risk", {
        conditions: { userRiskLevels: ["high"] },
        grant: { builtInControls: ["block"] },
      }),
      caPolicy("ca-sign-in-risk", "Block high sign-in risk", {
        conditions: { signInRiskLevels: ["high"] },
        grant: { builtInControls: ["block"] },
      }),
      caPolicy("ca-device-code", "Block device code flow", {
        conditions: { authenticationFlows: { transferMethods: "deviceCodeFlow" } },
        grant: { builtInControls: ["block"] },
      }),
      caPolicy("ca-phish-admins", "Phishing-resistant MFA for admins", {
        users: { includeUsers: [], includeRoles: PRIVILEGED_ROLES.map(([id]) => id) },
        grant: { authenticationStrength: { id: PHISHING_RESISTANT, displayName: "Phishing-resistant MFA" } },
      }),
      caPolicy("ca-managed-device", "Require a managed device", {
        grant: { builtInControls: ["compliantDevice", "domainJoinedDevice"], operator: "OR" },
      }),
      caPolicy("ca-register", "Register security info from a managed device", {
        apps: { includeApplications: [], includeUserActions: ["urn:user:registersecurityinfo"] },
        users: { excludeGroups: ["g-admins"] },
        grant: { builtInControls: ["compliantDevice", "domainJoinedDevice"], operator: "OR" },
      }),
    ],
    azuread_security_defaults_policy: [{ id: "00000000-0000-0000-0000-000000000005", is_enabled: false }],
    azuread_authorization_policy: [
      {
        id: "authorizationPolicy",
        display_name: "Authorization Policy",
        allow_invites_from: "adminsAndGuestInviters",
        allowed_to_sign_up_email_based_subscriptions: false,
        allowed_to_use_sspr: false,
        allow_email_verified_users_to_join_organization: false,
        allow_user_consent_for_risky_apps: false,
        block_msol_power_shell: true,
        guest_user_role_id: RESTRICTED_GUEST,
        default_user_role_permissions: {
          allowedToCreateApps: false,
          allowedToCreateSecurityGroups: false,
          allowedToCreateTenants: false,
          allowedToReadOtherUsers: true,
          permissionGrantPoliciesAssigned: ["ManagePermissionGrantsForSelf.microsoft-user-default-low"],
        },
      },
    ],
    azuread_directory_setting: [
      {
        id: "set-unified",
        display_name: "Group.Unified",
        values: [
          { name: "AllowGuestsToBeGroupOwner", value: "false" },
          { name: "AllowGuestsToAccessGroups", value: "True" },
          { name: "EnableGroupCreation", value: "false" },
        ],
      },
      {
        id: "set-password",
        display_name: "Password Rule Settings",
        values: [
          { name: "BannedPasswordCheckOnPremisesMode", value: "Enforce" },
          { name: "EnableBannedPasswordCheckOnPremises", value: "True" },
          { name: "EnableBannedPasswordCheck", value: "True" },
          { name: "LockoutDurationInSeconds", value: "60" },
          { name: "LockoutThreshold", value: "10" },
        ],
      },
      {
        id: "set-consent",
        display_name: "Consent Policy Settings",
        values: [
          { name: "EnableGroupSpecificConsent", value: "False" },
          { name: "BlockUserConsentForRiskyApps", value: "true" },
          { name: "EnableAdminConsentRequests", value: "true" },
        ],
      },
    ],
    azuread_admin_consent_request_policy: [
      {
        id: "adminConsentRequestPolicy",
        is_enabled: true,
        notify_reviewers: true,
        reminders_enabled: true,
        request_duration_in_days: 30,
        reviewers: [{ query: "/users/u-admin1", queryType: "MicrosoftGraph", queryRoot: null }],
      },
    ],
    azuread_authentication_method_policy: [
      {
        id: "authenticationMethodsPolicy",
        policy_migration_state: "migrationComplete",
        report_suspicious_activity_settings: {
          state: "enabled",
          includeTarget: { targetType: "group", id: "all_users" },
        },
        authentication_method_configurations: [
          method("Fido2", "fido2", "enabled", {
            isAttestationEnforced: true,
            isSelfServiceRegistrationAllowed: true,
            keyRestrictions: {
              isEnforced: true,
              enforcementType: "allow",
              aaGuids: ["cb69481e-8ff7-4039-93ec-0a2729a154a8"],
            },
          }),
          method("MicrosoftAuthenticator", "microsoftAuthenticator", "enabled", {
            isSoftwareOathEnabled: false,
            featureSettings: {
              numberMatchingRequiredState: feature,
              displayAppInformationRequiredState: feature,
              displayLocationInformationRequiredState: feature,
            },
          }),
          method("Sms", "sms", "disabled", {
            includeTargets: [{ targetType: "group", id: "all_users", isUsableForSignIn: false }],
          }),
          method("Voice", "voice", "disabled"),
          method("Email", "email", "disabled"),
          method("TemporaryAccessPass", "temporaryAccessPass", "enabled", { isUsableOnce: true }),
        ],
      },
    ],
    azuread_tenant_app_management_policy: [
      {
        id: "00000000-0000-0000-0000-000000000000",
        is_enabled: true,
        application_restrictions: {
          passwordCredentials: [
            { restrictionType: "passwordAddition", state: "enabled", maxLifetime: null },
            { restrictionType: "passwordLifetime", state: "enabled", maxLifetime: "P180D" },
          ],
          keyCredentials: [
            { restrictionType: "asymmetricKeyLifetime", state: "enabled", maxLifetime: "P365D" },
          ],
        },
      },
    ],
    azuread_cross_tenant_access_policy_configuration_default: [
      {
        id: "crossTenantAccessPolicyConfigurationDefault",
        b2b_collaboration_inbound: {
          usersAndGroups: { accessType: "blocked", targets: [{ target: "AllUsers", targetType: "user" }] },
          applications: {
            accessType: "blocked",
            targets: [{ target: "AllApplications", targetType: "application" }],
          },
        },
      },
    ],
  };
}

/** The generation tables of several tenants, each under its own integration, with the system tables a run reads. */
export function workspaceTables(
  tenants: ReadonlyArray<{ integrationId: string; tables: Tables; notCollected?: readonly string[] }>,
): Tables {
  const out: Tables = { polls: [], integrations: [] };
  for (const [i, t] of tenants.entries()) {
    const tenantId = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    for (const [table, rows] of Object.entries(t.tables)) {
      out[table] = [
        ...(out[table] ?? []),
        ...rows.map((r) => ({ ...r, integration_id: t.integrationId, tenant_id: tenantId })),
      ];
    }
    out.integrations?.push({
      integration_id: t.integrationId,
      name: `Tenant ${i}`,
      tenant_id: tenantId,
      enabled: true,
    });
    out.polls?.push({
      poll_id: `poll_fixture${String(i).padStart(8, "0")}`,
      integration_id: t.integrationId,
      tenant_id: tenantId,
      status: "succeeded",
      outcome: "succeeded",
      started_at: "2025-06-01T00:00:00Z",
      completed_at: "2025-06-01T00:01:00Z",
      committed_at: "2025-06-01T00:01:01Z",
      resources: catalog.map((r) => ({
        resource: r.name,
        mode: "full",
        outcome: t.notCollected?.includes(r.table) ? "not_collected" : "complete",
        reason: t.notCollected?.includes(r.table)
          ? "The tenant's licence does not include it (Entra ID P1)"
          : null,
        objectCount: 0,
      })),
    });
  }
  return out;
}
