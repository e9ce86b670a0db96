import { cisa, maester, prowler } from "./references.js";
import {
  authenticationMethod,
  caRequired,
  GLOBAL_ADMIN,
  PHISHING_RESISTANT,
  PRIVILEGED,
  PRIVILEGED_ASSIGNEES,
  PRIVILEGED_IDS,
  policyRow,
  ROLE_POLICY_RULES,
} from "./sql.js";
import type { ManagedRuleDecl } from "./types.js";

/**
 * CISA ScubaGear's Microsoft Entra ID baseline (MS.AAD.x.yvN) where no EIDSCA rule already says the
 * same (those carry both references: eidsca.ts). Conditional Access checks look for one enabled
 * policy that covers every user and application; PIM checks read the role management policies.
 */

const CA_URL =
  "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/ConditionalAccessBlade/~/Policies";
const PIM_URL =
  "https://entra.microsoft.com/#view/Microsoft_Azure_PIMCommon/ResourceMenuBlade/~/roles/resourceId//resourceType/tenant/provider/aadroles";
const METHODS_URL =
  "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/AuthenticationMethodsMenuBlade/~/AdminAuthMethods";
const pack = ["cisa-ms-aad"] as const;

const ALL_USERS_ALL_APPS = `list_contains(ca.include_users, 'All')
    AND list_contains(ca.include_apps, 'All')`;

/** A PIM rule of each highly privileged role (or only Global Administrator): violation when it is missing or bad. */
function privilegedRolePolicy(o: {
  onlyGlobalAdmin?: boolean;
  exceptGlobalAdmin?: boolean;
  ruleId: string;
  bad: string;
}): string {
  const scope = o.onlyGlobalAdmin
    ? `WHERE p.role_id = '${GLOBAL_ADMIN}'`
    : o.exceptGlobalAdmin
      ? `WHERE p.role_id <> '${GLOBAL_ADMIN}'`
      : "";
  return `WITH ${PRIVILEGED},
${ROLE_POLICY_RULES}
SELECT o.integration_id, 'azuread_role_management_policy_assignment' AS "table", p.role_id AS resource_id,
  p.role_name AS display_name, json_object('rule', ${`'${o.ruleId}'`}, 'setting', pr.rule) AS details
FROM azuread_organization o
CROSS JOIN privileged p
LEFT JOIN policy_rule pr ON pr.integration_id = o.integration_id AND pr.role_definition_id = p.role_id
  AND pr.rule_id = '${o.ruleId}'
${scope ? `${scope}\n  AND` : "WHERE"} (pr.rule IS NULL OR ${o.bad})`;
}

const NO_RECIPIENTS = "coalesce(json_array_length(pr.rule->'notificationRecipients'), 0) = 0";

export const cisaRules: ManagedRuleDecl[] = [
  // --- 1. Legacy authentication ---
  {
    id: "cisa-ms-aad-1-1",
    title: "Legacy authentication is blocked",
    description:
      "No enabled Conditional Access policy blocks legacy authentication (Exchange ActiveSync and other clients) for all users and applications.",
    rationale: "Legacy protocols cannot do MFA: they are how password sprays get in.",
    severity: "critical",
    tags: ["conditional-access"],
    remediation: {
      text: "Create a Conditional Access policy for all users and all cloud apps, client apps Exchange ActiveSync and Other clients, grant: Block access.",
      url: CA_URL,
    },
    references: [cisa("1.1v1"), maester("MT.1009")],
    sql: caRequired({
      policyWhere: `${ALL_USERS_ALL_APPS}
    AND list_has_all(ca.client_app_types, ['exchangeActiveSync', 'other'])
    AND list_contains(ca.controls, 'block')`,
      missing: "an enabled policy blocking legacy authentication for all users and apps",
    }),
    packs: [...pack],
  },
  // --- 2. Risk-based policies ---
  {
    id: "cisa-ms-aad-2-1",
    title: "Users detected as high risk are blocked",
    description: "No enabled Conditional Access policy blocks users whose user risk is high.",
    rationale: "A high user risk means Identity Protection believes the account is compromised.",
    severity: "high",
    tags: ["conditional-access", "identity-protection"],
    remediation: {
      text: "Conditional Access policy for all users and apps, condition user risk: High, grant: Block access.",
      url: CA_URL,
    },
    references: [cisa("2.1v1"), maester("MT.1012")],
    sql: caRequired({
      policyWhere: `${ALL_USERS_ALL_APPS}
    AND list_contains(ca.user_risk_levels, 'high')
    AND list_contains(ca.controls, 'block')`,
      missing: "an enabled policy blocking high user risk",
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-2-3",
    title: "Sign-ins detected as high risk are blocked",
    description: "No enabled Conditional Access policy blocks sign-ins whose sign-in risk is high.",
    rationale:
      "A high sign-in risk means the sign-in itself looks like an attacker's (token replay, anonymous IP, …).",
    severity: "high",
    tags: ["conditional-access", "identity-protection"],
    remediation: {
      text: "Conditional Access policy for all users and apps, condition sign-in risk: High, grant: Block access.",
      url: CA_URL,
    },
    references: [cisa("2.3v1"), maester("MT.1013")],
    sql: caRequired({
      policyWhere: `${ALL_USERS_ALL_APPS}
    AND list_contains(ca.sign_in_risk_levels, 'high')
    AND list_contains(ca.controls, 'block')`,
      missing: "an enabled policy blocking high sign-in risk",
    }),
    packs: [...pack],
  },
  // --- 3. Strong authentication ---
  {
    id: "cisa-ms-aad-3-1",
    title: "Phishing-resistant MFA is required for all users",
    description:
      "No enabled Conditional Access policy requires the Phishing-resistant MFA authentication strength for all users and applications.",
    rationale:
      "Adversary-in-the-middle kits relay passwords and push approvals alike; only FIDO2, Windows Hello and certificates resist.",
    severity: "high",
    tags: ["conditional-access", "mfa"],
    remediation: {
      text: "Conditional Access policy for all users and apps, grant: Require authentication strength → Phishing-resistant MFA.",
      url: CA_URL,
    },
    references: [cisa("3.1v1")],
    sql: caRequired({
      policyWhere: `${ALL_USERS_ALL_APPS}
    AND ca.strength_id = '${PHISHING_RESISTANT}'`,
      missing: "an enabled policy requiring phishing-resistant MFA for all users and apps",
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-3-2",
    title: "MFA is required for all users",
    description:
      "No enabled Conditional Access policy requires MFA (or an authentication strength) for all users and applications.",
    rationale: "A password alone is one phishing email away from a takeover.",
    severity: "critical",
    tags: ["conditional-access", "mfa"],
    remediation: {
      text: "Conditional Access policy for all users and apps, grant: Require multifactor authentication.",
      url: CA_URL,
    },
    references: [cisa("3.2v2"), maester("MT.1007")],
    sql: caRequired({
      policyWhere: `${ALL_USERS_ALL_APPS}
    AND (list_contains(ca.controls, 'mfa') OR ca.strength_id IS NOT NULL)`,
      missing: "an enabled policy requiring MFA for all users and apps",
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-3-3",
    title: "Microsoft Authenticator shows sign-in context",
    description:
      "Microsoft Authenticator is enabled but its push notifications do not show both the application name and the location.",
    rationale: "Context (which app, from where) is what lets users refuse a prompt they did not start.",
    severity: "medium",
    tags: ["authentication-methods", "authenticator"],
    remediation: {
      text: "Microsoft Authenticator → Configure: show application name and geographic location, both Enabled for all users.",
      url: METHODS_URL,
    },
    references: [cisa("3.3v2")],
    sql: authenticationMethod({
      method: "MicrosoftAuthenticator",
      label: "Microsoft Authenticator",
      violatesWhen: `(config->>'state') = 'enabled' AND (
    (config->'featureSettings'->'displayAppInformationRequiredState'->>'state') IS DISTINCT FROM 'enabled'
    OR (config->'featureSettings'->'displayLocationInformationRequiredState'->>'state') IS DISTINCT FROM 'enabled')`,
      details: [["featureSettings", "method.config->'featureSettings'"]],
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-3-5",
    title: "SMS, voice call and email one-time passcodes are disabled",
    description:
      "One of the weak methods SMS, Voice or Email OTP is enabled in the authentication methods policy.",
    rationale: "SIM swaps, call forwarding and mailbox access defeat these methods.",
    severity: "high",
    tags: ["authentication-methods"],
    remediation: { text: "Authentication methods: disable SMS, Voice call and Email OTP.", url: METHODS_URL },
    references: [cisa("3.5v2"), prowler("entra_authentication_method_sms_voice_disabled")],
    sql: `SELECT p.integration_id, 'azuread_authentication_method_policy' AS "table", c->>'id' AS resource_id,
  'Authentication method: ' || (c->>'id') AS display_name, json_object('state', c->>'state') AS details
FROM azuread_authentication_method_policy p, unnest(CAST(p.authentication_method_configurations AS JSON[])) AS t(c)
WHERE (c->>'id') IN ('Sms', 'Voice', 'Email') AND (c->>'state') = 'enabled'`,
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-3-6",
    title: "Phishing-resistant MFA is required for highly privileged roles",
    description:
      "No enabled Conditional Access policy requires the Phishing-resistant MFA strength for every highly privileged role on all applications.",
    rationale: "Administrators are the accounts attackers phish first.",
    severity: "critical",
    tags: ["conditional-access", "mfa", "privileged-access"],
    remediation: {
      text: "Conditional Access policy including the highly privileged directory roles, all cloud apps, grant: Require authentication strength → Phishing-resistant MFA.",
      url: CA_URL,
    },
    references: [cisa("3.6v1"), maester("MT.1006")],
    sql: caRequired({
      policyWhere: `list_has_all(ca.include_roles, ${PRIVILEGED_IDS})
    AND list_contains(ca.include_apps, 'All')
    AND ca.strength_id = '${PHISHING_RESISTANT}'`,
      missing: "an enabled policy requiring phishing-resistant MFA for the highly privileged roles",
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-3-7",
    title: "Managed devices are required to sign in",
    description:
      "No enabled Conditional Access policy requires a compliant or hybrid-joined device for all users and applications.",
    rationale: "Tokens issued only to managed devices cannot be used from an attacker's machine.",
    severity: "medium",
    tags: ["conditional-access", "devices"],
    remediation: {
      text: "Conditional Access policy for all users and apps, grant: Require device to be marked as compliant OR Require Microsoft Entra hybrid joined device.",
      url: CA_URL,
    },
    references: [cisa("3.7v1")],
    sql: caRequired({
      policyWhere: `${ALL_USERS_ALL_APPS}
    AND list_has_all(ca.controls, ['compliantDevice', 'domainJoinedDevice'])
    AND ca.operator = 'OR'`,
      missing: "an enabled policy requiring a managed device for all users and apps",
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-3-8",
    title: "Managed devices are required to register MFA",
    description:
      "No enabled Conditional Access policy requires a compliant or hybrid-joined device to register security information.",
    rationale: "Otherwise whoever holds a stolen password can register their own MFA method.",
    severity: "medium",
    tags: ["conditional-access", "devices", "mfa"],
    remediation: {
      text: "Conditional Access policy for all users, user action Register security information, grant: compliant OR hybrid-joined device.",
      url: CA_URL,
    },
    references: [cisa("3.8v1")],
    sql: caRequired({
      policyWhere: `list_contains(ca.include_users, 'All')
    AND list_contains(ca.include_user_actions, 'urn:user:registersecurityinfo')
    AND list_has_all(ca.controls, ['compliantDevice', 'domainJoinedDevice'])
    AND ca.operator = 'OR'`,
      missing: "an enabled policy requiring a managed device to register security information",
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-3-9",
    title: "Device code flow is blocked",
    description:
      "No enabled Conditional Access policy blocks the device code authentication flow for all users.",
    rationale: "Device code phishing gets a victim to sign in on the attacker's behalf from any device.",
    severity: "high",
    tags: ["conditional-access"],
    remediation: {
      text: "Conditional Access policy for all users and apps, condition authentication flows: Device code flow, grant: Block access.",
      url: CA_URL,
    },
    references: [
      cisa("3.9v1"),
      maester("MT.1052"),
      prowler("entra_conditional_access_policy_device_code_flow_blocked"),
    ],
    sql: caRequired({
      policyWhere: `${ALL_USERS_ALL_APPS}
    AND list_contains(string_split(ca.transfer_methods, ','), 'deviceCodeFlow')
    AND list_contains(ca.controls, 'block')`,
      missing: "an enabled policy blocking device code flow",
    }),
    packs: [...pack],
  },
  // --- 5. Applications ---
  {
    id: "cisa-ms-aad-5-2",
    title: "Only administrators can consent to applications",
    description:
      "Default users may consent to applications themselves (a ManagePermissionGrantsForSelf policy is assigned to them).",
    rationale: "Consent phishing needs nothing but one user's click when users may consent.",
    severity: "high",
    tags: ["authorization-policy", "consent"],
    remediation: {
      text: "Consent and permissions → User consent settings: Do not allow user consent.",
      url: "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/UserSettings",
    },
    references: [cisa("5.2v1")],
    sql: policyRow({
      table: "azuread_authorization_policy",
      name: "Authorization policy",
      where: `len(list_filter(coalesce(CAST(default_user_role_permissions->'permissionGrantPoliciesAssigned' AS VARCHAR[]), []),
    x -> x LIKE 'ManagePermissionGrantsForSelf.%')) > 0`,
      details: [
        [
          "permissionGrantPoliciesAssigned",
          "default_user_role_permissions->'permissionGrantPoliciesAssigned'",
        ],
      ],
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-5-3",
    title: "The admin consent workflow is configured with reviewers",
    description: "The admin consent workflow is off or names no reviewers.",
    rationale: "Users blocked from consenting need a reviewed way to ask.",
    severity: "medium",
    tags: ["admin-consent", "consent"],
    remediation: {
      text: "Enterprise applications → Admin consent settings: Users can request admin consent: Yes, and choose reviewers.",
      url: "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/AdminConsentSettings",
    },
    references: [cisa("5.3v1"), prowler("entra_admin_consent_workflow_enabled")],
    sql: policyRow({
      table: "azuread_admin_consent_request_policy",
      name: "Admin consent request policy",
      where: "is_enabled IS DISTINCT FROM true OR coalesce(json_array_length(reviewers), 0) = 0",
      details: [
        ["isEnabled", "is_enabled"],
        ["reviewers", "reviewers"],
      ],
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-5-5",
    title: "Adding passwords to applications is blocked",
    description:
      "The tenant app management policy does not block new password secrets on applications (restriction passwordAddition).",
    rationale: "Client secrets leak from code and pipelines; certificates and managed identities do not.",
    severity: "medium",
    tags: ["applications", "credentials"],
    remediation: {
      text: "Enable the default app management policy with an enabled passwordAddition restriction (Graph: PATCH /policies/defaultAppManagementPolicy).",
      url: "https://learn.microsoft.com/graph/api/resources/tenantappmanagementpolicy",
    },
    references: [cisa("5.5v1")],
    sql: policyRow({
      table: "azuread_tenant_app_management_policy",
      name: "Default app management policy",
      where: `is_enabled IS DISTINCT FROM true OR NOT EXISTS (
    SELECT 1 FROM unnest(CAST(application_restrictions->'passwordCredentials' AS JSON[])) AS t(r)
    WHERE (r->>'restrictionType') = 'passwordAddition' AND (r->>'state') = 'enabled')`,
      details: [
        ["isEnabled", "is_enabled"],
        ["passwordCredentials", "application_restrictions->'passwordCredentials'"],
      ],
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-5-6",
    title: "Application passwords live at most 180 days",
    description:
      "The tenant app management policy does not limit application password lifetime to 180 days (restriction passwordLifetime).",
    rationale: "A long-lived secret that leaks keeps working for years.",
    severity: "medium",
    tags: ["applications", "credentials"],
    remediation: {
      text: "Add an enabled passwordLifetime restriction with maxLifetime P180D or less to the default app management policy.",
    },
    references: [cisa("5.6v1")],
    sql: policyRow({
      table: "azuread_tenant_app_management_policy",
      name: "Default app management policy",
      where: `is_enabled IS DISTINCT FROM true OR NOT EXISTS (
    SELECT 1 FROM unnest(CAST(application_restrictions->'passwordCredentials' AS JSON[])) AS t(r)
    WHERE (r->>'restrictionType') = 'passwordLifetime' AND (r->>'state') = 'enabled'
      AND TRY_CAST(regexp_extract(r->>'maxLifetime', '^P(\\d+)D$', 1) AS INTEGER) <= 180)`,
      details: [
        ["isEnabled", "is_enabled"],
        ["passwordCredentials", "application_restrictions->'passwordCredentials'"],
      ],
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-5-7",
    title: "Application certificates live at most 365 days",
    description:
      "The tenant app management policy does not limit application certificate lifetime to 365 days (restriction asymmetricKeyLifetime).",
    rationale: "Short-lived certificates limit how long a stolen private key is useful.",
    severity: "low",
    tags: ["applications", "credentials"],
    remediation: {
      text: "Add an enabled asymmetricKeyLifetime restriction with maxLifetime P365D or less to the default app management policy.",
    },
    references: [cisa("5.7v1")],
    sql: policyRow({
      table: "azuread_tenant_app_management_policy",
      name: "Default app management policy",
      where: `is_enabled IS DISTINCT FROM true OR NOT EXISTS (
    SELECT 1 FROM unnest(CAST(application_restrictions->'keyCredentials' AS JSON[])) AS t(r)
    WHERE (r->>'restrictionType') = 'asymmetricKeyLifetime' AND (r->>'state') = 'enabled'
      AND TRY_CAST(regexp_extract(r->>'maxLifetime', '^P(\\d+)D$', 1) AS INTEGER) <= 365)`,
      details: [
        ["isEnabled", "is_enabled"],
        ["keyCredentials", "application_restrictions->'keyCredentials'"],
      ],
    }),
    packs: [...pack],
  },
  // --- 6. Passwords ---
  {
    id: "cisa-ms-aad-6-1",
    title: "User passwords do not expire",
    description:
      "A verified domain sets a password lifetime (passwordValidityPeriodInDays is not 2147483647).",
    rationale:
      "Forced expiry makes users choose predictable passwords; NIST and Microsoft advise against it.",
    severity: "low",
    tags: ["passwords", "domains"],
    remediation: {
      text: "Microsoft 365 admin center → Settings → Org settings → Password expiration policy: Set passwords to never expire.",
    },
    references: [cisa("6.1v1")],
    sql: `SELECT integration_id, 'azuread_domain' AS "table", id AS resource_id, id AS display_name,
  json_object('passwordValidityPeriodInDays', password_validity_period_in_days) AS details
FROM azuread_domain
WHERE is_verified AND password_validity_period_in_days IS DISTINCT FROM 2147483647`,
    packs: [...pack],
  },
  // --- 7. Highly privileged roles ---
  {
    id: "cisa-ms-aad-7-1",
    title: "Between two and eight Global Administrators",
    description:
      "The tenant has fewer than two or more than eight users with an active Global Administrator assignment.",
    rationale: "One admin is a single point of failure; many admins are many targets.",
    severity: "high",
    tags: ["privileged-access"],
    remediation: { text: "Keep two to eight Global Administrators; give the others finer-grained roles." },
    references: [cisa("7.1v1"), maester("MT.1032")],
    sql: `WITH ga AS (
  SELECT a.integration_id, count(DISTINCT a.principal_id) AS admins
  FROM azuread_directory_role_assignment a
  JOIN azuread_user u ON u.integration_id = a.integration_id AND u.id = a.principal_id
  WHERE a.role_definition_id = '${GLOBAL_ADMIN}'
  GROUP BY ALL
)
SELECT o.integration_id, 'azuread_directory_role_definition' AS "table", '${GLOBAL_ADMIN}' AS resource_id,
  'Global Administrator' AS display_name, json_object('globalAdministrators', coalesce(ga.admins, 0)) AS details
FROM azuread_organization o
LEFT JOIN ga ON ga.integration_id = o.integration_id
WHERE coalesce(ga.admins, 0) NOT BETWEEN 2 AND 8`,
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-7-2",
    title: "Finer-grained roles are used instead of Global Administrator",
    description:
      "More users hold Global Administrator than the other highly privileged roles together (or none of those roles is used).",
    rationale: "Most administration needs a narrower role; every Global Administrator can do everything.",
    severity: "medium",
    tags: ["privileged-access"],
    remediation: {
      text: "Move administrators to the least privileged role that covers their work (User, Exchange, Application Administrator, …).",
    },
    references: [cisa("7.2v1")],
    sql: `WITH ${PRIVILEGED},
held AS (
  SELECT a.integration_id, a.role_definition_id = '${GLOBAL_ADMIN}' AS global_admin, a.principal_id
  FROM azuread_directory_role_assignment a
  JOIN privileged p ON p.role_id = a.role_definition_id
  JOIN azuread_user u ON u.integration_id = a.integration_id AND u.id = a.principal_id
),
counts AS (
  SELECT integration_id,
    count(DISTINCT principal_id) FILTER (WHERE global_admin) AS global_admins,
    count(DISTINCT principal_id) FILTER (WHERE NOT global_admin) AS other_admins
  FROM held GROUP BY ALL
)
SELECT o.integration_id, 'azuread_directory_role_definition' AS "table", '${GLOBAL_ADMIN}' AS resource_id,
  'Global Administrator' AS display_name,
  json_object('globalAdministrators', coalesce(c.global_admins, 0), 'otherPrivilegedAdministrators', coalesce(c.other_admins, 0)) AS details
FROM azuread_organization o
LEFT JOIN counts c ON c.integration_id = o.integration_id
WHERE coalesce(c.other_admins, 0) = 0 OR c.global_admins > c.other_admins`,
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-7-3",
    title: "Privileged users are cloud-only accounts",
    description: "A user holding a highly privileged role is synchronized from on-premises Active Directory.",
    rationale:
      "A synced admin falls with the on-premises domain: compromise there becomes compromise of the cloud.",
    severity: "high",
    tags: ["privileged-access", "hybrid"],
    remediation: {
      text: "Give privileged roles only to cloud-only accounts; keep synced accounts unprivileged.",
    },
    references: [cisa("7.3v1"), maester("MT.1081"), prowler("entra_admin_users_cloud_only")],
    sql: `WITH ${PRIVILEGED_ASSIGNEES}
SELECT u.integration_id, 'azuread_user' AS "table", u.id AS resource_id, u.display_name,
  json_object('userPrincipalName', u.user_principal_name, 'roles', a.roles) AS details
FROM assignee a
JOIN azuread_user u ON u.integration_id = a.integration_id AND u.id = a.principal_id
WHERE u.on_premises_sync_enabled`,
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-7-4",
    title: "No permanent active assignments of highly privileged roles",
    description:
      "A highly privileged role is assigned as active (not eligible through PIM) without an end date.",
    rationale:
      "Standing privilege is exposed all the time; eligible assignments are active only when needed.",
    severity: "high",
    tags: ["privileged-access", "pim"],
    remediation: {
      text: "Convert permanent active assignments to eligible ones (or set an end date) in Privileged Identity Management.",
      url: PIM_URL,
    },
    references: [cisa("7.4v1"), maester("MT.1031")],
    sql: `WITH ${PRIVILEGED}
SELECT s.integration_id, 'azuread_directory_role_assignment_schedule_instance' AS "table", s.id AS resource_id,
  coalesce(u.display_name, s.principal_id) || ' (' || p.role_name || ')' AS display_name,
  json_object('principalId', s.principal_id, 'role', p.role_name, 'assignmentType', s.assignment_type) AS details
FROM azuread_directory_role_assignment_schedule_instance s
JOIN privileged p ON p.role_id = s.role_definition_id
LEFT JOIN azuread_user u ON u.integration_id = s.integration_id AND u.id = s.principal_id
WHERE s.assignment_type = 'Assigned' AND s.end_date_time IS NULL`,
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-7-5",
    title: "Highly privileged roles are only provisioned through PIM",
    description:
      "A highly privileged role assignment was made outside Privileged Identity Management (it has no start time).",
    rationale: "Assignments outside PIM skip its approval, justification and audit trail.",
    severity: "high",
    tags: ["privileged-access", "pim"],
    remediation: {
      text: "Remove the assignment and make it again through Privileged Identity Management.",
      url: PIM_URL,
    },
    references: [cisa("7.5v1")],
    sql: `WITH ${PRIVILEGED}
SELECT s.integration_id, 'azuread_directory_role_assignment_schedule_instance' AS "table", s.id AS resource_id,
  coalesce(u.display_name, s.principal_id) || ' (' || p.role_name || ')' AS display_name,
  json_object('principalId', s.principal_id, 'role', p.role_name) AS details
FROM azuread_directory_role_assignment_schedule_instance s
JOIN privileged p ON p.role_id = s.role_definition_id
LEFT JOIN azuread_user u ON u.integration_id = s.integration_id AND u.id = s.principal_id
WHERE s.assignment_type = 'Assigned' AND s.start_date_time IS NULL`,
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-7-6",
    title: "Activating Global Administrator requires approval",
    description: "The PIM policy of Global Administrator does not require approval to activate the role.",
    rationale:
      "An approval step stops a stolen eligible account from becoming Global Administrator on its own.",
    severity: "high",
    tags: ["privileged-access", "pim"],
    remediation: {
      text: "PIM → Global Administrator → Settings → Require approval to activate: Yes, with approvers.",
      url: PIM_URL,
    },
    references: [cisa("7.6v1")],
    sql: privilegedRolePolicy({
      onlyGlobalAdmin: true,
      ruleId: "Approval_EndUser_Assignment",
      bad: "(pr.rule->'setting'->>'isApprovalRequired')::BOOLEAN IS DISTINCT FROM true",
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-7-7",
    title: "Assignments of highly privileged roles trigger an alert",
    description:
      "A highly privileged role's PIM policy sends no notification to additional recipients when the role is assigned, eligible or active.",
    rationale: "A new privileged assignment is one of the first steps of an attacker; someone must see it.",
    severity: "medium",
    tags: ["privileged-access", "pim"],
    remediation: {
      text: "PIM → role settings → Notifications: send notifications when members are assigned as eligible and as active, to your security team.",
      url: PIM_URL,
    },
    references: [cisa("7.7v1")],
    sql: `WITH ${PRIVILEGED},
${ROLE_POLICY_RULES},
notified AS (
  SELECT integration_id, role_definition_id, list(rule_id ORDER BY rule_id) AS rules
  FROM policy_rule
  WHERE rule_id IN ('Notification_Admin_Admin_Eligibility', 'Notification_Admin_Admin_Assignment')
    AND coalesce(json_array_length(rule->'notificationRecipients'), 0) > 0
  GROUP BY ALL
)
SELECT o.integration_id, 'azuread_role_management_policy_assignment' AS "table", p.role_id AS resource_id,
  p.role_name AS display_name, json_object('notifiedOn', coalesce(n.rules, [])) AS details
FROM azuread_organization o
CROSS JOIN privileged p
LEFT JOIN notified n ON n.integration_id = o.integration_id AND n.role_definition_id = p.role_id
WHERE coalesce(len(n.rules), 0) < 2`,
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-7-8",
    title: "Global Administrator activation triggers an alert",
    description:
      "The PIM policy of Global Administrator sends no notification to additional recipients when the role is activated.",
    rationale: "Every Global Administrator activation should be seen by the security team.",
    severity: "medium",
    tags: ["privileged-access", "pim"],
    remediation: {
      text: "PIM → Global Administrator → Settings → Notifications: role activation alerts to your security team.",
      url: PIM_URL,
    },
    references: [cisa("7.8v1")],
    sql: privilegedRolePolicy({
      onlyGlobalAdmin: true,
      ruleId: "Notification_Admin_EndUser_Assignment",
      bad: NO_RECIPIENTS,
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-7-9",
    title: "Activation of other highly privileged roles triggers an alert",
    description:
      "The PIM policy of a highly privileged role other than Global Administrator sends no notification to additional recipients on activation.",
    rationale: "Privileged Role or Exchange Administrator activations deserve the same attention.",
    severity: "low",
    tags: ["privileged-access", "pim"],
    remediation: {
      text: "PIM → each highly privileged role → Settings → Notifications: role activation alerts to your security team.",
      url: PIM_URL,
    },
    references: [cisa("7.9v1")],
    sql: privilegedRolePolicy({
      exceptGlobalAdmin: true,
      ruleId: "Notification_Admin_EndUser_Assignment",
      bad: NO_RECIPIENTS,
    }),
    packs: [...pack],
  },
  // --- 8. Guests ---
  {
    id: "cisa-ms-aad-8-1",
    title: "Guests have limited or restricted directory access",
    description:
      "Guest users have the same directory access as members (guestUserRoleId is not a guest role).",
    rationale: "Member-level access lets a guest enumerate the whole directory.",
    severity: "medium",
    tags: ["authorization-policy", "guests"],
    remediation: {
      text: "External collaboration settings → Guest user access: limited access or restricted access.",
      url: "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/CompanyRelationshipsMenuBlade/~/Settings/menuId/Settings",
    },
    references: [cisa("8.1v1")],
    sql: policyRow({
      table: "azuread_authorization_policy",
      name: "Authorization policy",
      where: `coalesce(guest_user_role_id, '') NOT IN ('10dae51f-b6af-4016-8d66-8c2a99b929b3', '2af84b1e-32c8-42b7-82bc-daa82404023b')`,
      details: [["guestUserRoleId", "guest_user_role_id"]],
    }),
    packs: [...pack],
  },
  {
    id: "cisa-ms-aad-8-3",
    title: "Guest access is limited to authorized external organizations",
    description:
      "By default, users of any other tenant may be invited as guests (the default inbound B2B collaboration settings do not block users); like Maester, Tenantlens checks this through the cross-tenant access defaults, with allowed organizations added as partners.",
    rationale: "Only organizations you work with should be able to come in as guests.",
    severity: "medium",
    tags: ["guests", "cross-tenant"],
    remediation: {
      text: "Cross-tenant access settings → Default settings → Inbound → B2B collaboration: block users and groups; allow partner organizations explicitly.",
      url: "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/CompanyRelationshipsMenuBlade/~/CrossTenantAccessSettings",
    },
    references: [cisa("8.3v1")],
    sql: policyRow({
      table: "azuread_cross_tenant_access_policy_configuration_default",
      name: "Cross-tenant access default settings",
      where: "(b2b_collaboration_inbound->'usersAndGroups'->>'accessType') IS DISTINCT FROM 'blocked'",
      details: [["usersAndGroups", "b2b_collaboration_inbound->'usersAndGroups'"]],
    }),
    packs: [...pack],
  },
];
