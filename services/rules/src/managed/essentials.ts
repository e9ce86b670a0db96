import { maester, prowler } from "./references.js";
import { CA, directorySetting, PRIVILEGED_ASSIGNEES, policyRow } from "./sql.js";
import type { ManagedRuleDecl } from "./types.js";

/**
 * The questions every Entra administrator asks (verified domains, guests, tenant-wide OAuth2 grants,
 * groups not assignable to roles, disabled accounts) and common hygiene checks from Maester's MT
 * series and Prowler. Inventory rules (severity info) list resources; the others flag a risk.
 */

const pack = ["essentials"] as const;

const userDetails = `json_object('userPrincipalName', u.user_principal_name, 'userType', u.user_type,
    'accountEnabled', u.account_enabled)`;

/** Last interactive sign-in, or created date for users who never signed in. */
const LAST_SIGN_IN = `coalesce(TRY_CAST(s.sign_in_activity->>'lastSignInDateTime' AS TIMESTAMPTZ), u.created_date_time)`;

export const essentialRules: ManagedRuleDecl[] = [
  // --- The five common questions ---
  {
    id: "aad-verified-domains",
    title: "Verified domains of the organization",
    description: "Every domain the organization has verified (inventory).",
    rationale:
      "Verified domains decide which addresses users and federation can claim; the list should hold no surprises.",
    severity: "info",
    tags: ["inventory", "domains"],
    remediation: { text: "Remove domains the organization no longer owns or uses." },
    sql: `SELECT o.integration_id, 'azuread_organization' AS "table", d->>'name' AS resource_id, d->>'name' AS display_name,
  json_object('type', d->>'type', 'isDefault', (d->>'isDefault')::BOOLEAN, 'isInitial', (d->>'isInitial')::BOOLEAN,
    'capabilities', d->>'capabilities') AS details
FROM azuread_organization o, unnest(CAST(o.verified_domains AS JSON[])) AS t(d)`,
    packs: [...pack],
  },
  {
    id: "aad-unverified-domains",
    title: "Domains that are not verified",
    description: "A domain added to the tenant whose ownership was never verified.",
    rationale:
      "Unverified domains are clutter at best and a sign of an abandoned or mistyped setup at worst.",
    severity: "low",
    tags: ["domains"],
    remediation: { text: "Verify the domain (add the DNS record) or remove it." },
    sql: `SELECT integration_id, 'azuread_domain' AS "table", id AS resource_id, id AS display_name,
  json_object('authenticationType', authentication_type, 'supportedServices', supported_services) AS details
FROM azuread_domain
WHERE NOT coalesce(is_verified, false)`,
    packs: [...pack],
  },
  {
    id: "aad-guest-users",
    title: "Guest users",
    description: "Every guest account in the directory (inventory).",
    rationale: "Guests are outside your HR processes; the list is the starting point of every access review.",
    severity: "info",
    tags: ["inventory", "guests"],
    remediation: {
      text: "Review guests regularly (access reviews) and remove those who no longer collaborate.",
    },
    sql: `SELECT u.integration_id, 'azuread_user' AS "table", u.id AS resource_id, u.display_name,
  json_object('userPrincipalName', u.user_principal_name, 'mail', u.mail, 'externalUserState', u.external_user_state,
    'accountEnabled', u.account_enabled, 'createdDateTime', u.created_date_time) AS details
FROM azuread_user u
WHERE u.user_type = 'Guest'`,
    packs: [...pack],
  },
  {
    id: "aad-disabled-accounts",
    title: "Disabled user accounts",
    description: "User accounts that cannot sign in (accountEnabled is false).",
    rationale:
      "Disabled accounts should be deprovisioned on schedule; lingering ones keep licences, groups and roles.",
    severity: "low",
    tags: ["inventory", "users"],
    remediation: {
      text: "Delete disabled accounts after your retention period, and remove their licences and memberships meanwhile.",
    },
    sql: `SELECT u.integration_id, 'azuread_user' AS "table", u.id AS resource_id, u.display_name, ${userDetails} AS details
FROM azuread_user u
WHERE u.account_enabled = false`,
    packs: [...pack],
  },
  {
    id: "aad-tenant-wide-oauth2-grants",
    title: "Service principals with tenant-wide delegated permissions",
    description:
      "A delegated permission grant consented for all users of the tenant (consentType AllPrincipals), with the client application and its scopes.",
    rationale:
      "Admin consent lets an application act as every user within its scopes; each one should be known and needed.",
    severity: "medium",
    tags: ["applications", "consent"],
    remediation: {
      text: "Review the application's scopes; revoke the grant (Enterprise applications → Permissions) when it is not needed.",
    },
    sql: `SELECT g.integration_id, 'azuread_oauth2_permission_grant' AS "table", g.id AS resource_id,
  coalesce(sp.display_name, g.client_id) AS display_name,
  json_object('clientId', g.client_id, 'resource', coalesce(r.display_name, g.resource_id), 'scope', trim(g.scope)) AS details
FROM azuread_oauth2_permission_grant g
LEFT JOIN azuread_service_principal sp ON sp.integration_id = g.integration_id AND sp.id = g.client_id
LEFT JOIN azuread_service_principal r ON r.integration_id = g.integration_id AND r.id = g.resource_id
WHERE g.consent_type = 'AllPrincipals'`,
    packs: [...pack],
  },
  {
    id: "aad-groups-not-role-assignable",
    title: "Groups not assignable to roles",
    description:
      "Groups that cannot hold a directory role (isAssignableToRole is false or unset) (inventory).",
    rationale:
      "Only role-assignable groups are protected from membership changes by non-privileged admins; groups used for privileged access must be role-assignable.",
    severity: "info",
    tags: ["inventory", "groups"],
    remediation: {
      text: "Create privileged-access groups as role-assignable (the flag can only be set at creation).",
    },
    sql: `SELECT integration_id, 'azuread_group' AS "table", id AS resource_id, display_name,
  json_object('securityEnabled', security_enabled, 'mailEnabled', mail_enabled, 'groupTypes', group_types) AS details
FROM azuread_group
WHERE NOT coalesce(is_assignable_to_role, false)`,
    packs: [...pack],
  },

  // --- Accounts and MFA ---
  {
    id: "aad-stale-enabled-users",
    title: "Enabled users without a sign-in for 90 days",
    description:
      "An enabled member account has not signed in interactively for 90 days (or never, and is older than that).",
    rationale: "Unused accounts keep their access and nobody notices when someone else starts using them.",
    severity: "medium",
    tags: ["users", "hygiene"],
    remediation: {
      text: "Disable the account after confirming with its manager; delete it after your retention period.",
    },
    sql: `SELECT u.integration_id, 'azuread_user' AS "table", u.id AS resource_id, u.display_name,
  json_object('userPrincipalName', u.user_principal_name, 'lastSignIn', ${LAST_SIGN_IN}) AS details
FROM azuread_user u
JOIN azuread_user_sign_in_activity s ON s.integration_id = u.integration_id AND s.id = u.id
WHERE u.account_enabled AND u.user_type = 'Member'
  AND ${LAST_SIGN_IN} < now() - INTERVAL 90 DAY`,
    packs: [...pack],
  },
  {
    id: "aad-users-without-mfa",
    title: "Member users not registered for MFA",
    description: "An enabled member user has no strong authentication method registered.",
    rationale:
      "Until users register, MFA policies cannot protect them, and whoever registers first owns the account.",
    severity: "high",
    tags: ["mfa", "users"],
    remediation: {
      text: "Run a registration campaign (Authentication methods → Registration campaign) and follow up with the users listed.",
    },
    sql: `SELECT u.integration_id, 'azuread_user' AS "table", u.id AS resource_id, u.display_name,
  json_object('userPrincipalName', u.user_principal_name, 'methodsRegistered', r.methods_registered) AS details
FROM azuread_user_registration_details r
JOIN azuread_user u ON u.integration_id = r.integration_id AND u.id = r.id
WHERE u.account_enabled AND r.user_type = 'member' AND NOT coalesce(r.is_mfa_registered, false)`,
    packs: [...pack],
  },
  {
    id: "aad-admins-without-mfa",
    title: "Administrators not registered for MFA",
    description: "A user holding an administrator role has no strong authentication method registered.",
    rationale: "An administrator without MFA is the most valuable password in the tenant.",
    severity: "critical",
    tags: ["mfa", "privileged-access"],
    remediation: {
      text: "Have the administrator register a phishing-resistant method now; block their sign-in until then.",
    },
    references: [prowler("entra_admin_users_mfa_enabled")],
    sql: `SELECT r.integration_id, 'azuread_user' AS "table", r.id AS resource_id, r.user_display_name AS display_name,
  json_object('userPrincipalName', r.user_principal_name, 'methodsRegistered', r.methods_registered) AS details
FROM azuread_user_registration_details r
WHERE r.is_admin AND NOT coalesce(r.is_mfa_registered, false)`,
    packs: [...pack],
  },

  // --- Applications ---
  {
    id: "aad-app-secrets-expiring",
    title: "Application secrets expired or expiring within 30 days",
    description: "An app registration has a client secret that has expired or expires in the next 30 days.",
    rationale: "Expired secrets break integrations; forgotten expired ones show an app nobody maintains.",
    severity: "medium",
    tags: ["applications", "credentials"],
    remediation: {
      text: "Rotate the secret (or move to a certificate or managed identity) and remove expired ones.",
    },
    sql: `SELECT a.integration_id, 'azuread_application' AS "table", a.id AS resource_id, a.display_name,
  json_object('appId', a.app_id, 'secrets', list(json_object('keyId', c->>'keyId', 'displayName', c->>'displayName',
    'endDateTime', c->>'endDateTime') ORDER BY c->>'endDateTime')) AS details
FROM azuread_application a, unnest(CAST(a.password_credentials AS JSON[])) AS t(c)
WHERE TRY_CAST(c->>'endDateTime' AS TIMESTAMPTZ) < now() + INTERVAL 30 DAY
GROUP BY a.integration_id, a.id, a.display_name, a.app_id`,
    packs: [...pack],
  },
  {
    id: "aad-app-password-credentials",
    title: "Applications that authenticate with client secrets",
    description: "An app registration has at least one client secret (password credential).",
    rationale: "Secrets leak from code, pipelines and chat; certificates and managed identities are safer.",
    severity: "low",
    tags: ["applications", "credentials"],
    remediation: {
      text: "Replace secrets with certificates or federated credentials (managed identities, workload identity federation).",
    },
    references: [prowler("entra_app_registration_no_password_credentials")],
    sql: `SELECT integration_id, 'azuread_application' AS "table", id AS resource_id, display_name,
  json_object('appId', app_id, 'secrets', json_array_length(password_credentials)) AS details
FROM azuread_application
WHERE coalesce(json_array_length(password_credentials), 0) > 0`,
    packs: [...pack],
  },

  // --- Tenant settings ---
  {
    id: "aad-msol-powershell-blocked",
    title: "The MSOnline PowerShell module is blocked",
    description:
      "Non-admin users may still use the retired MSOnline PowerShell module (blockMsolPowerShell is not true).",
    rationale: "MSOnline bypasses modern controls and lets any user read the directory from a script.",
    severity: "medium",
    tags: ["authorization-policy"],
    remediation: { text: "Set blockMsolPowerShell of the authorization policy to true." },
    sql: policyRow({
      table: "azuread_authorization_policy",
      name: "Authorization policy",
      where: "block_msol_power_shell IS DISTINCT FROM true",
      details: [["blockMsolPowerShell", "block_msol_power_shell"]],
    }),
    packs: [...pack],
  },
  {
    id: "mt-1068-tenant-creation",
    title: "Non-admin users cannot create tenants",
    description: "Default users may create new Entra tenants (allowedToCreateTenants).",
    rationale: "Tenants created by users escape your policies while they carry your brand.",
    severity: "medium",
    tags: ["authorization-policy"],
    remediation: { text: "User settings → Restrict non-admin users from creating tenants: Yes." },
    references: [maester("MT.1068")],
    sql: policyRow({
      table: "azuread_authorization_policy",
      name: "Authorization policy",
      where: "(default_user_role_permissions->>'allowedToCreateTenants')::BOOLEAN IS DISTINCT FROM false",
      details: [["allowedToCreateTenants", "default_user_role_permissions->'allowedToCreateTenants'"]],
    }),
    packs: [...pack],
  },
  {
    id: "mt-1069-security-group-creation",
    title: "Non-admin users cannot create security groups",
    description: "Default users may create security groups (allowedToCreateSecurityGroups).",
    rationale: "User-created security groups end up granting access nobody reviews.",
    severity: "low",
    tags: ["authorization-policy", "groups"],
    remediation: { text: "Groups → General → Users can create security groups: No." },
    references: [maester("MT.1069")],
    sql: policyRow({
      table: "azuread_authorization_policy",
      name: "Authorization policy",
      where:
        "(default_user_role_permissions->>'allowedToCreateSecurityGroups')::BOOLEAN IS DISTINCT FROM false",
      details: [
        ["allowedToCreateSecurityGroups", "default_user_role_permissions->'allowedToCreateSecurityGroups'"],
      ],
    }),
    packs: [...pack],
  },
  {
    id: "mt-1055-m365-group-creation",
    title: "Microsoft 365 group creation is restricted",
    description:
      "Every user may create Microsoft 365 groups (the Group.Unified setting EnableGroupCreation is not false).",
    rationale:
      "Unrestricted group creation sprawls Teams, SharePoint sites and mailboxes with no owner in sight.",
    severity: "low",
    tags: ["directory-settings", "groups"],
    remediation: {
      text: "Set EnableGroupCreation of the Group.Unified settings to false and name the group allowed to create (GroupCreationAllowedGroupId).",
    },
    references: [maester("MT.1055")],
    sql: directorySetting({
      template: "Group.Unified",
      name: "EnableGroupCreation",
      violatesWhen: "lower(setting.value) <> 'false'",
    }),
    packs: [...pack],
  },
  {
    id: "mt-1021-security-defaults",
    title: "Security defaults are on when no Conditional Access policy is enabled",
    description: "Neither security defaults nor any enabled Conditional Access policy protect the tenant.",
    rationale: "Without either, nothing requires MFA or blocks legacy authentication.",
    severity: "critical",
    tags: ["conditional-access", "mfa"],
    remediation: {
      text: "Enable security defaults (Properties → Manage security defaults), or replace them with Conditional Access policies.",
    },
    references: [maester("MT.1021")],
    sql: `SELECT d.integration_id, 'azuread_security_defaults_policy' AS "table", d.id AS resource_id,
  'Security defaults' AS display_name, json_object('isEnabled', d.is_enabled) AS details
FROM azuread_security_defaults_policy d
WHERE d.is_enabled IS DISTINCT FROM true
  AND NOT EXISTS (
    SELECT 1 FROM azuread_conditional_access_policy p
    WHERE p.integration_id = d.integration_id AND p.state = 'enabled'
  )`,
    // Without a Conditional Access licence the table is empty: exactly the tenants this rule is for.
    emptyWhenNotCollected: ["azuread_conditional_access_policy"],
    packs: [...pack],
  },

  // --- Conditional Access hygiene ---
  {
    id: "mt-1005-ca-emergency-access",
    title: "An emergency access account is excluded from every Conditional Access policy",
    description: "No user or group is excluded from all enabled Conditional Access policies.",
    rationale:
      "A break-glass account outside Conditional Access is the way back in when a policy locks everyone out.",
    severity: "high",
    tags: ["conditional-access"],
    remediation: {
      text: "Create one or two cloud-only emergency accounts and exclude them (or their group) from every policy.",
    },
    references: [maester("MT.1005")],
    sql: `WITH ${CA},
policies AS (SELECT integration_id, count(*) AS n FROM ca GROUP BY ALL),
excluded AS (
  SELECT integration_id, principal, count(DISTINCT id) AS policies
  FROM (SELECT integration_id, id, unnest(list_concat(exclude_users, exclude_groups)) AS principal FROM ca)
  GROUP BY ALL
)
SELECT o.integration_id, 'azuread_organization' AS "table", o.id AS resource_id, o.display_name,
  json_object('enabledPolicies', p.n) AS details
FROM azuread_organization o
JOIN policies p ON p.integration_id = o.integration_id
WHERE NOT EXISTS (
  SELECT 1 FROM excluded e WHERE e.integration_id = o.integration_id AND e.policies = p.n
)`,
    packs: [...pack],
  },
  {
    id: "mt-1066-ca-deleted-objects",
    title: "Conditional Access policies reference only existing users and groups",
    description: "A Conditional Access policy includes or excludes a user or group that no longer exists.",
    rationale: "A deleted object in an exclusion is a hole waiting for a restored or recreated account.",
    severity: "medium",
    tags: ["conditional-access", "hygiene"],
    remediation: { text: "Edit the policy and remove the missing users and groups." },
    references: [maester("MT.1066")],
    sql: `WITH ${CA.replace("WHERE state = 'enabled'", "WHERE state IS NOT NULL")},
refs AS (
  SELECT integration_id, id, display_name, unnest(list_concat(include_users, exclude_users)) AS ref, 'user' AS kind FROM ca
  UNION ALL
  SELECT integration_id, id, display_name, unnest(list_concat(include_groups, exclude_groups)), 'group' FROM ca
),
missing AS (
  SELECT r.* FROM refs r
  WHERE r.ref NOT IN ('All', 'None', 'GuestsOrExternalUsers')
    AND ((r.kind = 'user' AND NOT EXISTS (SELECT 1 FROM azuread_user u WHERE u.integration_id = r.integration_id AND u.id = r.ref))
      OR (r.kind = 'group' AND NOT EXISTS (SELECT 1 FROM azuread_group g WHERE g.integration_id = r.integration_id AND g.id = r.ref)))
)
SELECT integration_id, 'azuread_conditional_access_policy' AS "table", id AS resource_id, display_name,
  json_object('missing', list(json_object('kind', kind, 'id', ref) ORDER BY ref)) AS details
FROM missing
GROUP BY integration_id, id, display_name`,
    packs: [...pack],
  },
  {
    id: "mt-1025-guests-privileged",
    title: "No guest holds a highly privileged role",
    description: "A guest account holds a highly privileged directory role.",
    rationale: "A guest's credentials are managed by another organization you cannot audit.",
    severity: "critical",
    tags: ["privileged-access", "guests"],
    remediation: {
      text: "Remove the role; give privileged access only to accounts of your own organization.",
    },
    references: [maester("MT.1025")],
    sql: `WITH ${PRIVILEGED_ASSIGNEES}
SELECT u.integration_id, 'azuread_user' AS "table", u.id AS resource_id, u.display_name,
  json_object('userPrincipalName', u.user_principal_name, 'roles', a.roles) AS details
FROM assignee a
JOIN azuread_user u ON u.integration_id = a.integration_id AND u.id = a.principal_id
WHERE u.user_type = 'Guest'`,
    packs: [...pack],
  },
  {
    id: "mt-1027-sp-secret-privileged",
    title: "No service principal with a client secret holds a highly privileged role",
    description:
      "A service principal that authenticates with a client secret holds a highly privileged directory role.",
    rationale: "A leaked secret of a privileged application is a tenant takeover without MFA.",
    severity: "critical",
    tags: ["privileged-access", "applications", "credentials"],
    remediation: { text: "Replace the secret with a certificate or managed identity, or remove the role." },
    references: [maester("MT.1027"), prowler("entra_service_principal_no_secrets_for_permanent_tier0_roles")],
    sql: `WITH ${PRIVILEGED_ASSIGNEES}
SELECT sp.integration_id, 'azuread_service_principal' AS "table", sp.id AS resource_id, sp.display_name,
  json_object('appId', sp.app_id, 'roles', a.roles, 'secrets', json_array_length(sp.password_credentials)) AS details
FROM assignee a
JOIN azuread_service_principal sp ON sp.integration_id = a.integration_id AND sp.id = a.principal_id
WHERE coalesce(json_array_length(sp.password_credentials), 0) > 0`,
    packs: [...pack],
  },
  {
    id: "mt-1029-stale-privileged-users",
    title: "Privileged users have signed in within 90 days",
    description: "A user holding a highly privileged role has not signed in interactively for 90 days.",
    rationale: "An unused privileged account is pure risk: nobody would notice someone else using it.",
    severity: "high",
    tags: ["privileged-access", "hygiene"],
    remediation: {
      text: "Remove the role (or make it eligible in PIM) and review whether the account is still needed.",
    },
    references: [maester("MT.1029")],
    sql: `WITH ${PRIVILEGED_ASSIGNEES}
SELECT u.integration_id, 'azuread_user' AS "table", u.id AS resource_id, u.display_name,
  json_object('userPrincipalName', u.user_principal_name, 'roles', a.roles, 'lastSignIn', ${LAST_SIGN_IN}) AS details
FROM assignee a
JOIN azuread_user u ON u.integration_id = a.integration_id AND u.id = a.principal_id
JOIN azuread_user_sign_in_activity s ON s.integration_id = u.integration_id AND s.id = u.id
WHERE ${LAST_SIGN_IN} < now() - INTERVAL 90 DAY`,
    packs: [...pack],
  },
];
