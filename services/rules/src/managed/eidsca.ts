import { cisa, eidsca, prowler } from "./references.js";
import { authenticationMethod, directorySetting, policyRow } from "./sql.js";
import type { ManagedRuleDecl } from "./types.js";

/**
 * Entra ID Security Config Analyzer (EIDSCA) checks, as Maester publishes them: one setting of the
 * authorization policy, the directory settings, the admin consent policy or the authentication
 * methods policy each, with the value that passes.
 */

const AUTHZ_URL =
  "https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserManagementMenuBlade/~/UserSettings";
const EXTERNAL_URL =
  "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/CompanyRelationshipsMenuBlade/~/Settings/menuId/Settings";
const CONSENT_URL =
  "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/UserSettings";
const METHODS_URL =
  "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/AuthenticationMethodsMenuBlade/~/AdminAuthMethods";
const PASSWORD_URL =
  "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/AuthenticationMethodsMenuBlade/~/PasswordProtection";

function authz(where: string, details: ReadonlyArray<readonly [string, string]>): string {
  return policyRow({ table: "azuread_authorization_policy", name: "Authorization policy", where, details });
}

function consentPolicy(where: string, details: ReadonlyArray<readonly [string, string]>): string {
  return policyRow({
    table: "azuread_admin_consent_request_policy",
    name: "Admin consent request policy",
    where,
    details,
  });
}

function methodsPolicy(where: string, details: ReadonlyArray<readonly [string, string]>): string {
  return policyRow({
    table: "azuread_authentication_method_policy",
    name: "Authentication methods policy",
    where,
    details,
  });
}

/** `config->'featureSettings'->'<feature>'` */
const feature = (name: string) => `config->'featureSettings'->'${name}'`;

const eidscaPack = ["eidsca"] as const;

export const eidscaRules: ManagedRuleDecl[] = [
  // --- Default authorization settings (policies/authorizationPolicy) ---
  {
    id: "eidsca-ap01",
    title: "Self-service password reset for administrators is off",
    description: "The authorization policy lets administrators reset their own password (allowedToUseSSPR).",
    rationale:
      "A self-service reset of an administrator's password is a path to a privileged account that bypasses the help desk's identity checks.",
    severity: "high",
    tags: ["authorization-policy", "passwords"],
    remediation: {
      text: "Set allowedToUseSSPR of the authorization policy to false (Graph: PATCH /policies/authorizationPolicy).",
      url: "https://learn.microsoft.com/graph/api/resources/authorizationpolicy",
    },
    references: [eidsca("AP01")],
    sql: authz("allowed_to_use_sspr IS DISTINCT FROM false", [["allowedToUseSSPR", "allowed_to_use_sspr"]]),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-ap04",
    title: "Only administrators and Guest Inviters can invite guests",
    description: "Who may invite guests (allowInvitesFrom) is wider than adminsAndGuestInviters (or none).",
    rationale:
      "When every member (or every guest) can invite, external accounts enter the directory without any approval.",
    severity: "medium",
    tags: ["authorization-policy", "guests"],
    remediation: {
      text: "External collaboration settings → Guest invite settings: only users assigned to specific admin roles can invite.",
      url: EXTERNAL_URL,
    },
    references: [eidsca("AP04"), cisa("8.2v1"), prowler("entra_policy_guest_invite_only_for_admin_roles")],
    sql: authz("coalesce(allow_invites_from, '') NOT IN ('adminsAndGuestInviters', 'none')", [
      ["allowInvitesFrom", "allow_invites_from"],
    ]),
    packs: ["eidsca", "cisa-ms-aad"],
  },
  {
    id: "eidsca-ap05",
    title: "Users cannot sign up for email-based subscriptions",
    description: "Users may sign up for self-service (viral) subscriptions with their email address.",
    rationale:
      "Self-service sign-ups create unmanaged services and licences outside the IT department's control.",
    severity: "medium",
    tags: ["authorization-policy"],
    remediation: { text: "Set allowedToSignUpEmailBasedSubscriptions of the authorization policy to false." },
    references: [eidsca("AP05")],
    sql: authz("allowed_to_sign_up_email_based_subscriptions IS DISTINCT FROM false", [
      ["allowedToSignUpEmailBasedSubscriptions", "allowed_to_sign_up_email_based_subscriptions"],
    ]),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-ap06",
    title: "Users cannot join the tenant by email validation",
    description: "Users with a verified email address of the tenant's domains can join it on their own.",
    rationale: "Email-verified joins create accounts that no administrator created or reviewed.",
    severity: "medium",
    tags: ["authorization-policy"],
    remediation: {
      text: "Set allowEmailVerifiedUsersToJoinOrganization of the authorization policy to false.",
    },
    references: [eidsca("AP06")],
    sql: authz("allow_email_verified_users_to_join_organization IS DISTINCT FROM false", [
      ["allowEmailVerifiedUsersToJoinOrganization", "allow_email_verified_users_to_join_organization"],
    ]),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-ap07",
    title: "Guest access is the most restricted level",
    description:
      "Guest users are not given the most restrictive access to directory objects (guestUserRoleId is not Restricted Guest User).",
    rationale:
      "Guests with the default access can enumerate users, groups and memberships: reconnaissance made easy if a guest account is compromised.",
    severity: "medium",
    tags: ["authorization-policy", "guests"],
    remediation: {
      text: "External collaboration settings → Guest user access: guest user access is restricted to properties and memberships of their own directory objects.",
      url: EXTERNAL_URL,
    },
    references: [eidsca("AP07")],
    sql: authz("guest_user_role_id IS DISTINCT FROM '2af84b1e-32c8-42b7-82bc-daa82404023b'", [
      ["guestUserRoleId", "guest_user_role_id"],
    ]),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-ap08",
    title: "User consent is limited to low-risk permissions of verified publishers",
    description:
      "The user consent policy assigned to default users is not ManagePermissionGrantsForSelf.microsoft-user-default-low.",
    rationale:
      "Consent phishing: users who may consent to any permission can hand mail and files to a malicious application.",
    severity: "high",
    tags: ["authorization-policy", "consent"],
    remediation: {
      text: "Consent and permissions → User consent settings: allow user consent for apps from verified publishers, for selected permissions.",
      url: CONSENT_URL,
    },
    references: [eidsca("AP08")],
    sql: authz(
      `list_filter(coalesce(CAST(default_user_role_permissions->'permissionGrantPoliciesAssigned' AS VARCHAR[]), []),
    x -> x LIKE 'ManagePermissionGrantsForSelf.%')
    IS DISTINCT FROM ['ManagePermissionGrantsForSelf.microsoft-user-default-low']`,
      [
        [
          "permissionGrantPoliciesAssigned",
          "default_user_role_permissions->'permissionGrantPoliciesAssigned'",
        ],
      ],
    ),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-ap09",
    title: "Users cannot consent to risky apps",
    description: "Users may consent to applications Microsoft flags as risky (allowUserConsentForRiskyApps).",
    rationale: "Risky-app consent is exactly what consent-phishing campaigns need.",
    severity: "high",
    tags: ["authorization-policy", "consent"],
    remediation: { text: "Set allowUserConsentForRiskyApps of the authorization policy to false." },
    references: [eidsca("AP09")],
    sql: authz("allow_user_consent_for_risky_apps IS DISTINCT FROM false", [
      ["allowUserConsentForRiskyApps", "allow_user_consent_for_risky_apps"],
    ]),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-ap10",
    title: "Only administrators can register applications",
    description: "Default users may register applications (defaultUserRolePermissions.allowedToCreateApps).",
    rationale:
      "Any user-registered application can request permissions and become a persistence or phishing vehicle.",
    severity: "high",
    tags: ["authorization-policy", "applications"],
    remediation: {
      text: "User settings → Users can register applications: No.",
      url: AUTHZ_URL,
    },
    references: [eidsca("AP10"), cisa("5.1v1")],
    sql: authz("(default_user_role_permissions->>'allowedToCreateApps')::BOOLEAN IS DISTINCT FROM false", [
      ["allowedToCreateApps", "default_user_role_permissions->'allowedToCreateApps'"],
    ]),
    packs: ["eidsca", "cisa-ms-aad"],
  },
  {
    id: "eidsca-ap14",
    title: "Default users can read other users",
    description: "Default users are denied reading other users' profiles (allowedToReadOtherUsers).",
    rationale: "Blocking this breaks Outlook, Teams and people search; EIDSCA expects the default (true).",
    severity: "low",
    tags: ["authorization-policy"],
    remediation: { text: "Set defaultUserRolePermissions.allowedToReadOtherUsers to true." },
    references: [eidsca("AP14")],
    sql: authz("(default_user_role_permissions->>'allowedToReadOtherUsers')::BOOLEAN IS DISTINCT FROM true", [
      ["allowedToReadOtherUsers", "default_user_role_permissions->'allowedToReadOtherUsers'"],
    ]),
    packs: [...eidscaPack],
  },

  // --- Consent policy settings (directory settings) ---
  {
    id: "eidsca-cp01",
    title: "Group owners cannot consent to apps accessing their group's data",
    description: "The Consent Policy Settings directory setting EnableGroupSpecificConsent is not False.",
    rationale:
      "Group owners consenting for their group hand the group's content to applications without review.",
    severity: "medium",
    tags: ["directory-settings", "consent"],
    remediation: {
      text: "Consent and permissions → User consent settings → Group owner consent: do not allow.",
      url: CONSENT_URL,
    },
    references: [eidsca("CP01")],
    sql: directorySetting({
      template: "Consent Policy Settings",
      name: "EnableGroupSpecificConsent",
      violatesWhen: "lower(setting.value) <> 'false'",
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-cp03",
    title: "User consent to risky apps is blocked",
    description: "The Consent Policy Settings directory setting BlockUserConsentForRiskyApps is not true.",
    rationale: "Consent to apps Microsoft flags as risky should always need an administrator.",
    severity: "high",
    tags: ["directory-settings", "consent"],
    remediation: { text: "Set BlockUserConsentForRiskyApps of the Consent Policy Settings to true." },
    references: [eidsca("CP03")],
    sql: directorySetting({
      template: "Consent Policy Settings",
      name: "BlockUserConsentForRiskyApps",
      violatesWhen: "lower(setting.value) <> 'true'",
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-cp04",
    title: "Users can request admin consent",
    description: "The Consent Policy Settings directory setting EnableAdminConsentRequests is not true.",
    rationale:
      "Without a request path, users blocked from consenting look for workarounds or give up on tools.",
    severity: "low",
    tags: ["directory-settings", "consent"],
    remediation: { text: "Set EnableAdminConsentRequests of the Consent Policy Settings to true." },
    references: [eidsca("CP04")],
    sql: directorySetting({
      template: "Consent Policy Settings",
      name: "EnableAdminConsentRequests",
      violatesWhen: "lower(setting.value) <> 'true'",
    }),
    packs: [...eidscaPack],
  },

  // --- Password protection (directory settings) ---
  {
    id: "eidsca-pr01",
    title: "Password protection is enforced on premises",
    description: "The Password Rule Settings value BannedPasswordCheckOnPremisesMode is not Enforce.",
    rationale: "In audit mode banned passwords are only logged on the domain controllers, never refused.",
    severity: "medium",
    tags: ["directory-settings", "passwords"],
    remediation: { text: "Password protection → Mode: Enforced.", url: PASSWORD_URL },
    references: [eidsca("PR01")],
    sql: directorySetting({
      template: "Password Rule Settings",
      name: "BannedPasswordCheckOnPremisesMode",
      violatesWhen: "lower(setting.value) <> 'enforce'",
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-pr02",
    title: "Password protection is enabled on premises",
    description: "The Password Rule Settings value EnableBannedPasswordCheckOnPremises is not True.",
    rationale: "Without it, on-premises password changes skip the banned-password list.",
    severity: "medium",
    tags: ["directory-settings", "passwords"],
    remediation: {
      text: "Password protection → Enable password protection on Windows Server AD: Yes.",
      url: PASSWORD_URL,
    },
    references: [eidsca("PR02")],
    sql: directorySetting({
      template: "Password Rule Settings",
      name: "EnableBannedPasswordCheckOnPremises",
      violatesWhen: "lower(setting.value) <> 'true'",
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-pr03",
    title: "The custom banned password list is enforced",
    description: "The Password Rule Settings value EnableBannedPasswordCheck is not True.",
    rationale: "Company names, products and places are the first guesses of a password spray.",
    severity: "medium",
    tags: ["directory-settings", "passwords"],
    remediation: { text: "Password protection → Enforce custom list: Yes.", url: PASSWORD_URL },
    references: [eidsca("PR03")],
    sql: directorySetting({
      template: "Password Rule Settings",
      name: "EnableBannedPasswordCheck",
      violatesWhen: "lower(setting.value) <> 'true'",
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-pr05",
    title: "Smart lockout lasts at least 60 seconds",
    description: "The Password Rule Settings value LockoutDurationInSeconds is below 60.",
    rationale: "Short lockouts let a brute-force attempt resume almost at once.",
    severity: "low",
    tags: ["directory-settings", "passwords"],
    remediation: {
      text: "Password protection → Lockout duration in seconds: 60 or more.",
      url: PASSWORD_URL,
    },
    references: [eidsca("PR05")],
    sql: directorySetting({
      template: "Password Rule Settings",
      name: "LockoutDurationInSeconds",
      violatesWhen: "coalesce(TRY_CAST(setting.value AS INTEGER) < 60, true)",
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-pr06",
    title: "Smart lockout threshold is at most 10",
    description: "The Password Rule Settings value LockoutThreshold is above 10.",
    rationale: "More failed attempts before lockout mean more guesses per account in a spray.",
    severity: "low",
    tags: ["directory-settings", "passwords"],
    remediation: { text: "Password protection → Lockout threshold: 10 or fewer.", url: PASSWORD_URL },
    references: [eidsca("PR06")],
    sql: directorySetting({
      template: "Password Rule Settings",
      name: "LockoutThreshold",
      violatesWhen: "coalesce(TRY_CAST(setting.value AS INTEGER) > 10, true)",
    }),
    packs: [...eidscaPack],
  },

  // --- Microsoft 365 groups (directory settings) ---
  {
    id: "eidsca-st08",
    title: "Guests cannot own Microsoft 365 groups",
    description: "The Group.Unified setting AllowGuestsToBeGroupOwner is not false.",
    rationale: "A guest owner controls membership and content of a group inside your tenant.",
    severity: "medium",
    tags: ["directory-settings", "groups", "guests"],
    remediation: { text: "Set AllowGuestsToBeGroupOwner of the Group.Unified settings to false." },
    references: [eidsca("ST08")],
    sql: directorySetting({
      template: "Group.Unified",
      name: "AllowGuestsToBeGroupOwner",
      violatesWhen: "lower(setting.value) <> 'false'",
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-st09",
    title: "Guests can access Microsoft 365 groups",
    description: "The Group.Unified setting AllowGuestsToAccessGroups is not True.",
    rationale: "EIDSCA expects the default: collaboration with guests goes through groups you can govern.",
    severity: "info",
    tags: ["directory-settings", "groups", "guests"],
    remediation: { text: "Set AllowGuestsToAccessGroups of the Group.Unified settings to True." },
    references: [eidsca("ST09")],
    sql: directorySetting({
      template: "Group.Unified",
      name: "AllowGuestsToAccessGroups",
      violatesWhen: "lower(setting.value) <> 'true'",
    }),
    packs: [...eidscaPack],
  },

  // --- Admin consent workflow (policies/adminConsentRequestPolicy) ---
  {
    id: "eidsca-cr01",
    title: "The admin consent workflow is enabled",
    description: "Users cannot ask an administrator to consent to an application (isEnabled is false).",
    rationale: "A reviewed request path is what makes blocking user consent workable.",
    severity: "medium",
    tags: ["admin-consent", "consent"],
    remediation: {
      text: "Enterprise applications → Admin consent settings → Users can request admin consent: Yes, with reviewers.",
      url: "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ConsentPoliciesMenuBlade/~/AdminConsentSettings",
    },
    references: [eidsca("CR01"), prowler("entra_admin_consent_workflow_enabled")],
    sql: consentPolicy("is_enabled IS DISTINCT FROM true", [["isEnabled", "is_enabled"]]),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-cr02",
    title: "Reviewers are notified of consent requests",
    description: "Reviewers get no email for new admin consent requests (notifyReviewers).",
    rationale: "Requests nobody sees expire unanswered.",
    severity: "low",
    tags: ["admin-consent", "consent"],
    remediation: { text: "Admin consent settings → Selected users will receive email notifications: Yes." },
    references: [eidsca("CR02")],
    sql: consentPolicy("notify_reviewers IS DISTINCT FROM true", [["notifyReviewers", "notify_reviewers"]]),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-cr03",
    title: "Reviewers get reminders before consent requests expire",
    description: "Reminders for pending admin consent requests are off (remindersEnabled).",
    rationale: "Reminders keep requests from silently expiring.",
    severity: "low",
    tags: ["admin-consent", "consent"],
    remediation: {
      text: "Admin consent settings → Selected users will receive request expiration reminders: Yes.",
    },
    references: [eidsca("CR03")],
    sql: consentPolicy("reminders_enabled IS DISTINCT FROM true", [
      ["remindersEnabled", "reminders_enabled"],
    ]),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-cr04",
    title: "Consent requests expire within 30 days",
    description: "Admin consent requests stay open longer than 30 days (requestDurationInDays).",
    rationale: "Long-lived requests are approved out of context, long after anyone remembers why.",
    severity: "low",
    tags: ["admin-consent", "consent"],
    remediation: { text: "Admin consent settings → Consent request expires after (days): 30 or fewer." },
    references: [eidsca("CR04")],
    sql: consentPolicy("coalesce(request_duration_in_days > 30, true)", [
      ["requestDurationInDays", "request_duration_in_days"],
    ]),
    packs: [...eidscaPack],
  },

  // --- Authentication methods policy: general settings ---
  {
    id: "eidsca-ag01",
    title: "The authentication methods migration is complete",
    description:
      "The authentication methods policy still defers to the legacy MFA and SSPR policies (policyMigrationState is not migrationComplete).",
    rationale:
      "Until migration completes, methods disabled in the authentication methods policy may still be allowed by the legacy policies.",
    severity: "medium",
    tags: ["authentication-methods"],
    remediation: {
      text: "Authentication methods → Policies → Manage migration: Migration Complete.",
      url: METHODS_URL,
    },
    references: [eidsca("AG01"), cisa("3.4v1")],
    sql: methodsPolicy("coalesce(policy_migration_state, '') NOT IN ('migrationComplete', '')", [
      ["policyMigrationState", "policy_migration_state"],
    ]),
    packs: ["eidsca", "cisa-ms-aad"],
  },
  {
    id: "eidsca-ag02",
    title: "Users can report suspicious activity",
    description: "Report suspicious activity is not enabled (reportSuspiciousActivitySettings.state).",
    rationale: "A user denying an unexpected MFA prompt is the earliest signal of a compromised password.",
    severity: "medium",
    tags: ["authentication-methods"],
    remediation: {
      text: "Authentication methods → Settings → Report suspicious activity: Enabled.",
      url: METHODS_URL,
    },
    references: [eidsca("AG02")],
    sql: methodsPolicy("(report_suspicious_activity_settings->>'state') IS DISTINCT FROM 'enabled'", [
      ["state", "report_suspicious_activity_settings->>'state'"],
    ]),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-ag03",
    title: "Report suspicious activity covers all users",
    description: "Report suspicious activity does not target all users (includeTarget.id is not all_users).",
    rationale: "Every user can receive a fraudulent MFA prompt.",
    severity: "low",
    tags: ["authentication-methods"],
    remediation: {
      text: "Authentication methods → Settings → Report suspicious activity → Target: All users.",
      url: METHODS_URL,
    },
    references: [eidsca("AG03")],
    sql: methodsPolicy(
      "(report_suspicious_activity_settings->'includeTarget'->>'id') IS DISTINCT FROM 'all_users'",
      [["includeTarget", "report_suspicious_activity_settings->'includeTarget'"]],
    ),
    packs: [...eidscaPack],
  },

  // --- Microsoft Authenticator ---
  {
    id: "eidsca-am01",
    title: "Microsoft Authenticator is enabled",
    description: "The Microsoft Authenticator method is not enabled.",
    rationale: "Authenticator push with number matching is the strongest method most users can adopt.",
    severity: "medium",
    tags: ["authentication-methods", "authenticator"],
    remediation: { text: "Authentication methods → Microsoft Authenticator: Enable.", url: METHODS_URL },
    references: [eidsca("AM01")],
    sql: authenticationMethod({
      method: "MicrosoftAuthenticator",
      label: "Microsoft Authenticator",
      violatesWhen: "(config->>'state') IS DISTINCT FROM 'enabled'",
      details: [["state", "method.config->>'state'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-am02",
    title: "Authenticator one-time passcodes (software OATH) are off",
    description: "Microsoft Authenticator may be used as a software OATH token (isSoftwareOathEnabled).",
    rationale:
      "Passcodes can be phished and relayed; push with number matching cannot be replayed the same way.",
    severity: "low",
    tags: ["authentication-methods", "authenticator"],
    remediation: {
      text: "Microsoft Authenticator → Configure → Allow use of Microsoft Authenticator OTP: No.",
      url: METHODS_URL,
    },
    references: [eidsca("AM02")],
    sql: authenticationMethod({
      method: "MicrosoftAuthenticator",
      label: "Microsoft Authenticator",
      violatesWhen: "(config->>'isSoftwareOathEnabled')::BOOLEAN IS DISTINCT FROM false",
      details: [["isSoftwareOathEnabled", "method.config->'isSoftwareOathEnabled'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-am03",
    title: "Authenticator requires number matching",
    description: "Number matching for Authenticator push is not enabled.",
    rationale: "Without number matching, MFA-fatigue attacks succeed when a tired user taps Approve.",
    severity: "high",
    tags: ["authentication-methods", "authenticator"],
    remediation: {
      text: "Microsoft Authenticator → Configure → Require number matching: Enabled.",
      url: METHODS_URL,
    },
    references: [eidsca("AM03")],
    sql: authenticationMethod({
      method: "MicrosoftAuthenticator",
      label: "Microsoft Authenticator",
      violatesWhen: `(${feature("numberMatchingRequiredState")}->>'state') IS DISTINCT FROM 'enabled'`,
      details: [["numberMatchingRequiredState", `method.${feature("numberMatchingRequiredState")}`]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-am04",
    title: "Number matching covers all users",
    description: "Number matching does not target all users.",
    rationale: "Every Authenticator user can be targeted by MFA fatigue.",
    severity: "medium",
    tags: ["authentication-methods", "authenticator"],
    remediation: { text: "Require number matching → Target: All users.", url: METHODS_URL },
    references: [eidsca("AM04")],
    sql: authenticationMethod({
      method: "MicrosoftAuthenticator",
      label: "Microsoft Authenticator",
      violatesWhen: `(${feature("numberMatchingRequiredState")}->'includeTarget'->>'id') IS DISTINCT FROM 'all_users'`,
      details: [["numberMatchingRequiredState", `method.${feature("numberMatchingRequiredState")}`]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-am06",
    title: "Authenticator shows the application name",
    description:
      "Authenticator push notifications do not show which application asks (displayAppInformationRequiredState).",
    rationale: "Context lets a user spot a prompt they did not cause.",
    severity: "medium",
    tags: ["authentication-methods", "authenticator"],
    remediation: {
      text: "Microsoft Authenticator → Configure → Show application name in push notifications: Enabled.",
      url: METHODS_URL,
    },
    references: [eidsca("AM06")],
    sql: authenticationMethod({
      method: "MicrosoftAuthenticator",
      label: "Microsoft Authenticator",
      violatesWhen: `(${feature("displayAppInformationRequiredState")}->>'state') IS DISTINCT FROM 'enabled'`,
      details: [
        ["displayAppInformationRequiredState", `method.${feature("displayAppInformationRequiredState")}`],
      ],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-am07",
    title: "Application name display covers all users",
    description: "Showing the application name does not target all users.",
    rationale: "Every Authenticator user needs the context.",
    severity: "low",
    tags: ["authentication-methods", "authenticator"],
    remediation: {
      text: "Show application name in push notifications → Target: All users.",
      url: METHODS_URL,
    },
    references: [eidsca("AM07")],
    sql: authenticationMethod({
      method: "MicrosoftAuthenticator",
      label: "Microsoft Authenticator",
      violatesWhen: `(${feature("displayAppInformationRequiredState")}->'includeTarget'->>'id') IS DISTINCT FROM 'all_users'`,
      details: [
        ["displayAppInformationRequiredState", `method.${feature("displayAppInformationRequiredState")}`],
      ],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-am09",
    title: "Authenticator shows the sign-in location",
    description:
      "Authenticator push notifications do not show where the sign-in comes from (displayLocationInformationRequiredState).",
    rationale: "A prompt from another country is the clearest sign of a stolen password.",
    severity: "medium",
    tags: ["authentication-methods", "authenticator"],
    remediation: {
      text: "Microsoft Authenticator → Configure → Show geographic location in push notifications: Enabled.",
      url: METHODS_URL,
    },
    references: [eidsca("AM09")],
    sql: authenticationMethod({
      method: "MicrosoftAuthenticator",
      label: "Microsoft Authenticator",
      violatesWhen: `(${feature("displayLocationInformationRequiredState")}->>'state') IS DISTINCT FROM 'enabled'`,
      details: [
        [
          "displayLocationInformationRequiredState",
          `method.${feature("displayLocationInformationRequiredState")}`,
        ],
      ],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-am10",
    title: "Location display covers all users",
    description: "Showing the sign-in location does not target all users.",
    rationale: "Every Authenticator user needs the context.",
    severity: "low",
    tags: ["authentication-methods", "authenticator"],
    remediation: {
      text: "Show geographic location in push notifications → Target: All users.",
      url: METHODS_URL,
    },
    references: [eidsca("AM10")],
    sql: authenticationMethod({
      method: "MicrosoftAuthenticator",
      label: "Microsoft Authenticator",
      violatesWhen: `(${feature("displayLocationInformationRequiredState")}->'includeTarget'->>'id') IS DISTINCT FROM 'all_users'`,
      details: [
        [
          "displayLocationInformationRequiredState",
          `method.${feature("displayLocationInformationRequiredState")}`,
        ],
      ],
    }),
    packs: [...eidscaPack],
  },

  // --- FIDO2 security keys ---
  {
    id: "eidsca-af01",
    title: "FIDO2 security keys are enabled",
    description: "The FIDO2 security key method is not enabled.",
    rationale: "Security keys are phishing-resistant; they cannot be used unless the method is on.",
    severity: "medium",
    tags: ["authentication-methods", "fido2"],
    remediation: { text: "Authentication methods → Passkey (FIDO2): Enable.", url: METHODS_URL },
    references: [eidsca("AF01")],
    sql: authenticationMethod({
      method: "Fido2",
      label: "FIDO2 security keys",
      violatesWhen: "(config->>'state') IS DISTINCT FROM 'enabled'",
      details: [["state", "method.config->>'state'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-af02",
    title: "Users can register FIDO2 keys themselves",
    description: "Self-service registration of FIDO2 keys is not allowed (isSelfServiceRegistrationAllowed).",
    rationale: "Without self-service, phishing-resistant keys do not get adopted.",
    severity: "low",
    tags: ["authentication-methods", "fido2"],
    remediation: { text: "Passkey (FIDO2) → Configure → Allow self-service set up: Yes.", url: METHODS_URL },
    references: [eidsca("AF02")],
    sql: authenticationMethod({
      method: "Fido2",
      label: "FIDO2 security keys",
      violatesWhen: "(config->>'isSelfServiceRegistrationAllowed')::BOOLEAN IS DISTINCT FROM true",
      details: [["isSelfServiceRegistrationAllowed", "method.config->'isSelfServiceRegistrationAllowed'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-af03",
    title: "FIDO2 attestation is enforced",
    description: "FIDO2 keys are registered without attestation (isAttestationEnforced).",
    rationale: "Attestation proves the key is a genuine, certified authenticator.",
    severity: "medium",
    tags: ["authentication-methods", "fido2"],
    remediation: { text: "Passkey (FIDO2) → Configure → Enforce attestation: Yes.", url: METHODS_URL },
    references: [eidsca("AF03")],
    sql: authenticationMethod({
      method: "Fido2",
      label: "FIDO2 security keys",
      violatesWhen: "(config->>'isAttestationEnforced')::BOOLEAN IS DISTINCT FROM true",
      details: [["isAttestationEnforced", "method.config->'isAttestationEnforced'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-af04",
    title: "FIDO2 key restrictions are enforced",
    description: "Which FIDO2 key models may be used is not restricted (keyRestrictions.isEnforced).",
    rationale: "Restricting key models keeps unvetted or vulnerable authenticators out.",
    severity: "low",
    tags: ["authentication-methods", "fido2"],
    remediation: { text: "Passkey (FIDO2) → Configure → Enforce key restrictions: Yes.", url: METHODS_URL },
    references: [eidsca("AF04")],
    sql: authenticationMethod({
      method: "Fido2",
      label: "FIDO2 security keys",
      violatesWhen: "(config->'keyRestrictions'->>'isEnforced')::BOOLEAN IS DISTINCT FROM true",
      details: [["keyRestrictions", "method.config->'keyRestrictions'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-af05",
    title: "FIDO2 key restrictions name the allowed or blocked models",
    description: "The FIDO2 key restriction lists no AAGUIDs (keyRestrictions.aaGuids).",
    rationale: "An enforced restriction without key models restricts nothing.",
    severity: "low",
    tags: ["authentication-methods", "fido2"],
    remediation: {
      text: "Passkey (FIDO2) → Configure → Restrict specific keys: add the AAGUIDs of your key models.",
      url: METHODS_URL,
    },
    references: [eidsca("AF05")],
    sql: authenticationMethod({
      method: "Fido2",
      label: "FIDO2 security keys",
      violatesWhen: "coalesce(json_array_length(config->'keyRestrictions'->'aaGuids'), 0) = 0",
      details: [["aaGuids", "method.config->'keyRestrictions'->'aaGuids'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-af06",
    title: "FIDO2 key restrictions allow or block specific models",
    description: "The FIDO2 key restriction has no AAGUIDs or no enforcement type (allow or block).",
    rationale: "The restriction must say which models and whether they are allowed or blocked.",
    severity: "low",
    tags: ["authentication-methods", "fido2"],
    remediation: {
      text: "Passkey (FIDO2) → Configure → Restrict specific keys: Allow (or Block) with AAGUIDs.",
      url: METHODS_URL,
    },
    references: [eidsca("AF06")],
    sql: authenticationMethod({
      method: "Fido2",
      label: "FIDO2 security keys",
      violatesWhen: `coalesce(json_array_length(config->'keyRestrictions'->'aaGuids'), 0) = 0
    OR coalesce(config->'keyRestrictions'->>'enforcementType', '') NOT IN ('allow', 'block')`,
      details: [["keyRestrictions", "method.config->'keyRestrictions'"]],
    }),
    packs: [...eidscaPack],
  },

  // --- Temporary Access Pass, voice, SMS ---
  {
    id: "eidsca-at01",
    title: "Temporary Access Pass is enabled",
    description: "The Temporary Access Pass method is not enabled.",
    rationale: "A time-limited pass is the safe way to onboard passwordless users and recover lost keys.",
    severity: "low",
    tags: ["authentication-methods"],
    remediation: { text: "Authentication methods → Temporary Access Pass: Enable.", url: METHODS_URL },
    references: [eidsca("AT01")],
    sql: authenticationMethod({
      method: "TemporaryAccessPass",
      label: "Temporary Access Pass",
      violatesWhen: "(config->>'state') IS DISTINCT FROM 'enabled'",
      details: [["state", "method.config->>'state'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-at02",
    title: "Temporary Access Passes are one-time use",
    description: "A Temporary Access Pass can be used more than once within its lifetime (isUsableOnce).",
    rationale: "A reusable pass that leaks works like a password until it expires.",
    severity: "medium",
    tags: ["authentication-methods"],
    remediation: { text: "Temporary Access Pass → Configure → One-time: Yes.", url: METHODS_URL },
    references: [eidsca("AT02")],
    sql: authenticationMethod({
      method: "TemporaryAccessPass",
      label: "Temporary Access Pass",
      violatesWhen: "(config->>'isUsableOnce')::BOOLEAN IS DISTINCT FROM true",
      details: [["isUsableOnce", "method.config->'isUsableOnce'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-av01",
    title: "Voice call is disabled",
    description: "The voice call method is not disabled.",
    rationale: "Phone calls can be redirected or socially engineered; they are the weakest MFA method.",
    severity: "medium",
    tags: ["authentication-methods"],
    remediation: { text: "Authentication methods → Voice call: Disable.", url: METHODS_URL },
    references: [eidsca("AV01"), prowler("entra_authentication_method_sms_voice_disabled")],
    sql: authenticationMethod({
      method: "Voice",
      label: "Voice call",
      violatesWhen: "(config->>'state') IS DISTINCT FROM 'disabled'",
      details: [["state", "method.config->>'state'"]],
    }),
    packs: [...eidscaPack],
  },
  {
    id: "eidsca-as04",
    title: "SMS cannot be used to sign in",
    description: "SMS is usable as a first factor (sign in with a text message) for some target.",
    rationale: "SMS sign-in makes a SIM swap enough to take over an account.",
    severity: "medium",
    tags: ["authentication-methods"],
    remediation: { text: "SMS → Configure → Use for sign-in: off for every target.", url: METHODS_URL },
    references: [eidsca("AS04")],
    sql: authenticationMethod({
      method: "Sms",
      label: "SMS",
      violatesWhen:
        "list_contains(coalesce(CAST(json_extract(config, '$.includeTargets[*].isUsableForSignIn') AS BOOLEAN[]), []), true)",
      details: [["includeTargets", "method.config->'includeTargets'"]],
    }),
    packs: [...eidscaPack],
  },
];
