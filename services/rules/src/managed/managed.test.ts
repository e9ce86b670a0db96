import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { writeGeneration } from "@tenantlens/query/testing";
import { tempDir } from "@tenantlens/testkit";
import { evaluate, type RuleResult } from "../evaluator.js";
import {
  APP_ADMIN,
  compliantTenant,
  EXCHANGE_ADMIN,
  GA,
  type Row,
  type Tables,
  workspaceTables,
} from "../testing/compliant-tenant.js";
import { memoryReader, SandboxExecutor } from "../testing/sandbox-executor.js";
import { managedRules } from "./index.js";

/**
 * Every managed rule against a violating and a compliant tenant, through the real evaluation path:
 * a Parquet generation (one integration per tenant), the query service's sandbox, the rules
 * service's result checks, coverage and judgement. The compliant tenant passes every rule; each
 * violating tenant is the compliant one with exactly the change its rule must catch.
 */

const DAY = 86_400_000;
const byId = <T extends Row>(rows: Row[] | undefined, id: string): T => {
  const r = rows?.find((x) => x.id === id);
  assert.ok(r, `fixture row ${id}`);
  return r as T;
};
const authz = (t: Tables) => byId(t.azuread_authorization_policy, "authorizationPolicy");
const perms = (t: Tables) => authz(t).default_user_role_permissions as Row;
const consent = (t: Tables) => byId(t.azuread_admin_consent_request_policy, "adminConsentRequestPolicy");
const methods = (t: Tables) => byId(t.azuread_authentication_method_policy, "authenticationMethodsPolicy");
const method = (t: Tables, id: string) => byId(methods(t).authentication_method_configurations as Row[], id);
const features = (t: Tables) => method(t, "MicrosoftAuthenticator").featureSettings as Record<string, Row>;
const keyRestrictions = (t: Tables) => method(t, "Fido2").keyRestrictions as Row;
const ca = (t: Tables, id: string) => byId(t.azuread_conditional_access_policy, id);
const caUsers = (t: Tables, id: string) => (ca(t, id).conditions as Record<string, Row>).users as Row;
const caGrant = (t: Tables, id: string) => ca(t, id).grant_controls as Row;
const appRestrictions = (t: Tables) =>
  byId(t.azuread_tenant_app_management_policy, "00000000-0000-0000-0000-000000000000")
    .application_restrictions as Record<string, Row[]>;
const restriction = (t: Tables, kind: "passwordCredentials" | "keyCredentials", type: string) => {
  const r = appRestrictions(t)[kind]?.find((x) => x.restrictionType === type);
  assert.ok(r, type);
  return r;
};
const setting = (t: Tables, name: string, value: string | undefined) => {
  for (const s of t.azuread_directory_setting ?? []) {
    const values = s.values as Array<{ name: string; value: string }>;
    const i = values.findIndex((v) => v.name === name);
    if (i < 0) continue;
    if (value === undefined) values.splice(i, 1);
    else values[i] = { name, value };
    return;
  }
  assert.fail(`setting ${name}`);
};
const signIn = (t: Tables, user: string, daysAgo: number) => {
  byId(t.azuread_user_sign_in_activity, user).sign_in_activity = {
    lastSignInDateTime: new Date(Date.now() - daysAgo * DAY).toISOString(),
  };
};
const rolePolicyRule = (t: Tables, role: string, rule: string) => {
  const a = t.azuread_role_management_policy_assignment?.find((x) => x.role_definition_id === role);
  assert.ok(a, `policy of ${role}`);
  const r = ((a.policy as Row).rules as Row[]).find((x) => x.id === rule);
  assert.ok(r, `${role} ${rule}`);
  return r;
};
const schedule = (t: Tables, user: string, role: string) =>
  byId(t.azuread_directory_role_assignment_schedule_instance, `rsi-${user}-${role.slice(0, 8)}`);

interface Case {
  /** Changes the compliant tenant so that the rule must flag exactly `expect`. */
  violate: (t: Tables) => void;
  expect: string[];
  /** For rules the shared compliant tenant cannot satisfy (frameworks that disagree): what makes it pass. */
  compliant?: (t: Tables) => void;
}

const cases: Record<string, Case> = {
  // --- essentials ---
  "aad-verified-domains": {
    violate: (t) => {
      byId(t.azuread_organization, "org").verified_domains = [
        { name: "contoso.com", type: "Managed", isDefault: true, isInitial: false, capabilities: "Email" },
      ];
    },
    expect: ["contoso.com"],
  },
  "aad-unverified-domains": {
    violate: (t) => t.azuread_domain?.push({ id: "contoso-labs.com", is_verified: false }),
    expect: ["contoso-labs.com"],
  },
  "aad-guest-users": {
    violate: (t) =>
      t.azuread_user?.push({
        id: "u-guest",
        display_name: "Gus Guest",
        user_type: "Guest",
        account_enabled: true,
      }),
    expect: ["u-guest"],
  },
  "aad-disabled-accounts": {
    violate: (t) => {
      byId(t.azuread_user, "u-member2").account_enabled = false;
    },
    expect: ["u-member2"],
  },
  "aad-tenant-wide-oauth2-grants": {
    violate: (t) => {
      byId(t.azuread_oauth2_permission_grant, "grant-1").consent_type = "AllPrincipals";
    },
    expect: ["grant-1"],
  },
  "aad-groups-not-role-assignable": {
    violate: (t) => {
      t.azuread_group?.push({ id: "g-sales", display_name: "Sales", is_assignable_to_role: false });
      t.azuread_group?.push({ id: "g-unset", display_name: "Unset", is_assignable_to_role: null });
    },
    expect: ["g-sales", "g-unset"],
  },
  "aad-stale-enabled-users": { violate: (t) => signIn(t, "u-member1", 100), expect: ["u-member1"] },
  "aad-users-without-mfa": {
    violate: (t) => {
      byId(t.azuread_user_registration_details, "u-member1").is_mfa_registered = false;
    },
    expect: ["u-member1"],
  },
  "aad-admins-without-mfa": {
    violate: (t) => {
      byId(t.azuread_user_registration_details, "u-admin2").is_mfa_registered = false;
    },
    expect: ["u-admin2"],
  },
  "aad-app-secrets-expiring": {
    violate: (t) => {
      byId(t.azuread_application, "app-portal").password_credentials = [
        { keyId: "s-soon", endDateTime: new Date(Date.now() + 10 * DAY).toISOString() },
        { keyId: "s-later", endDateTime: new Date(Date.now() + 300 * DAY).toISOString() },
      ];
    },
    expect: ["app-portal"],
  },
  "aad-app-password-credentials": {
    violate: (t) => {
      byId(t.azuread_application, "app-portal").password_credentials = [
        { keyId: "s-later", endDateTime: new Date(Date.now() + 300 * DAY).toISOString() },
      ];
    },
    expect: ["app-portal"],
  },
  "aad-msol-powershell-blocked": {
    violate: (t) => {
      authz(t).block_msol_power_shell = false;
    },
    expect: ["authorizationPolicy"],
  },
  "mt-1068-tenant-creation": {
    violate: (t) => {
      perms(t).allowedToCreateTenants = true;
    },
    expect: ["authorizationPolicy"],
  },
  "mt-1069-security-group-creation": {
    violate: (t) => {
      perms(t).allowedToCreateSecurityGroups = true;
    },
    expect: ["authorizationPolicy"],
  },
  "mt-1055-m365-group-creation": {
    violate: (t) => setting(t, "EnableGroupCreation", "true"),
    expect: ["EnableGroupCreation"],
  },
  "mt-1021-security-defaults": {
    violate: (t) => {
      for (const p of t.azuread_conditional_access_policy ?? []) p.state = "disabled";
    },
    expect: ["00000000-0000-0000-0000-000000000005"],
  },
  "mt-1005-ca-emergency-access": {
    violate: (t) => {
      caUsers(t, "ca-mfa").excludeUsers = [];
    },
    expect: ["org"],
  },
  "mt-1066-ca-deleted-objects": {
    violate: (t) => {
      caUsers(t, "ca-mfa").excludeUsers = ["u-breakglass", "u-deleted"];
    },
    expect: ["ca-mfa"],
  },
  "mt-1025-guests-privileged": {
    violate: (t) => {
      t.azuread_user?.push({
        id: "u-guestadmin",
        display_name: "Guest Admin",
        user_type: "Guest",
        account_enabled: true,
      });
      t.azuread_directory_role_assignment?.push({
        id: "ra-guest",
        principal_id: "u-guestadmin",
        role_definition_id: EXCHANGE_ADMIN,
      });
    },
    expect: ["u-guestadmin"],
  },
  "mt-1027-sp-secret-privileged": {
    violate: (t) => {
      byId(t.azuread_service_principal, "sp-portal").password_credentials = [{ keyId: "k1" }];
      t.azuread_directory_role_assignment?.push({
        id: "ra-sp",
        principal_id: "sp-portal",
        role_definition_id: APP_ADMIN,
      });
    },
    expect: ["sp-portal"],
  },
  "mt-1029-stale-privileged-users": { violate: (t) => signIn(t, "u-exadmin", 120), expect: ["u-exadmin"] },

  // --- EIDSCA ---
  "eidsca-ap01": {
    violate: (t) => {
      authz(t).allowed_to_use_sspr = true;
    },
    expect: ["authorizationPolicy"],
  },
  "eidsca-ap04": {
    violate: (t) => {
      authz(t).allow_invites_from = "everyone";
    },
    expect: ["authorizationPolicy"],
  },
  "eidsca-ap05": {
    violate: (t) => {
      authz(t).allowed_to_sign_up_email_based_subscriptions = true;
    },
    expect: ["authorizationPolicy"],
  },
  "eidsca-ap06": {
    violate: (t) => {
      authz(t).allow_email_verified_users_to_join_organization = true;
    },
    expect: ["authorizationPolicy"],
  },
  "eidsca-ap07": {
    // Limited access satisfies CISA 8.1 but not EIDSCA's "most restricted".
    violate: (t) => {
      authz(t).guest_user_role_id = "10dae51f-b6af-4016-8d66-8c2a99b929b3";
    },
    expect: ["authorizationPolicy"],
  },
  "eidsca-ap08": {
    violate: (t) => {
      perms(t).permissionGrantPoliciesAssigned = [
        "ManagePermissionGrantsForSelf.microsoft-user-default-legacy",
      ];
    },
    expect: ["authorizationPolicy"],
  },
  "eidsca-ap09": {
    violate: (t) => {
      authz(t).allow_user_consent_for_risky_apps = true;
    },
    expect: ["authorizationPolicy"],
  },
  "eidsca-ap10": {
    violate: (t) => {
      perms(t).allowedToCreateApps = true;
    },
    expect: ["authorizationPolicy"],
  },
  "eidsca-ap14": {
    violate: (t) => {
      perms(t).allowedToReadOtherUsers = false;
    },
    expect: ["authorizationPolicy"],
  },
  "eidsca-cp01": {
    violate: (t) => setting(t, "EnableGroupSpecificConsent", "True"),
    expect: ["EnableGroupSpecificConsent"],
  },
  "eidsca-cp03": {
    violate: (t) => setting(t, "BlockUserConsentForRiskyApps", "false"),
    expect: ["BlockUserConsentForRiskyApps"],
  },
  "eidsca-cp04": {
    // Never set at all: the setting is missing from the tenant.
    violate: (t) => setting(t, "EnableAdminConsentRequests", undefined),
    expect: ["EnableAdminConsentRequests"],
  },
  "eidsca-pr01": {
    violate: (t) => setting(t, "BannedPasswordCheckOnPremisesMode", "Audit"),
    expect: ["BannedPasswordCheckOnPremisesMode"],
  },
  "eidsca-pr02": {
    violate: (t) => setting(t, "EnableBannedPasswordCheckOnPremises", "False"),
    expect: ["EnableBannedPasswordCheckOnPremises"],
  },
  "eidsca-pr03": {
    violate: (t) => setting(t, "EnableBannedPasswordCheck", "False"),
    expect: ["EnableBannedPasswordCheck"],
  },
  "eidsca-pr05": {
    violate: (t) => setting(t, "LockoutDurationInSeconds", "30"),
    expect: ["LockoutDurationInSeconds"],
  },
  "eidsca-pr06": { violate: (t) => setting(t, "LockoutThreshold", "20"), expect: ["LockoutThreshold"] },
  "eidsca-st08": {
    violate: (t) => setting(t, "AllowGuestsToBeGroupOwner", "true"),
    expect: ["AllowGuestsToBeGroupOwner"],
  },
  "eidsca-st09": {
    violate: (t) => setting(t, "AllowGuestsToAccessGroups", "false"),
    expect: ["AllowGuestsToAccessGroups"],
  },
  "eidsca-cr01": {
    violate: (t) => {
      consent(t).is_enabled = false;
    },
    expect: ["adminConsentRequestPolicy"],
  },
  "eidsca-cr02": {
    violate: (t) => {
      consent(t).notify_reviewers = false;
    },
    expect: ["adminConsentRequestPolicy"],
  },
  "eidsca-cr03": {
    violate: (t) => {
      consent(t).reminders_enabled = false;
    },
    expect: ["adminConsentRequestPolicy"],
  },
  "eidsca-cr04": {
    violate: (t) => {
      consent(t).request_duration_in_days = 90;
    },
    expect: ["adminConsentRequestPolicy"],
  },
  "eidsca-ag01": {
    violate: (t) => {
      methods(t).policy_migration_state = "preMigration";
    },
    expect: ["authenticationMethodsPolicy"],
  },
  "eidsca-ag02": {
    violate: (t) => {
      (methods(t).report_suspicious_activity_settings as Row).state = "default";
    },
    expect: ["authenticationMethodsPolicy"],
  },
  "eidsca-ag03": {
    violate: (t) => {
      (methods(t).report_suspicious_activity_settings as Row).includeTarget = {
        targetType: "group",
        id: "g-pilot",
      };
    },
    expect: ["authenticationMethodsPolicy"],
  },
  "eidsca-am01": {
    violate: (t) => {
      method(t, "MicrosoftAuthenticator").state = "disabled";
    },
    expect: ["MicrosoftAuthenticator"],
  },
  "eidsca-am02": {
    violate: (t) => {
      method(t, "MicrosoftAuthenticator").isSoftwareOathEnabled = true;
    },
    expect: ["MicrosoftAuthenticator"],
  },
  "eidsca-am03": {
    violate: (t) => {
      features(t).numberMatchingRequiredState = {
        state: "default",
        includeTarget: { id: "all_users" },
      };
    },
    expect: ["MicrosoftAuthenticator"],
  },
  "eidsca-am04": {
    violate: (t) => {
      features(t).numberMatchingRequiredState = { state: "enabled", includeTarget: { id: "g-pilot" } };
    },
    expect: ["MicrosoftAuthenticator"],
  },
  "eidsca-am06": {
    violate: (t) => {
      features(t).displayAppInformationRequiredState = {
        state: "disabled",
        includeTarget: { id: "all_users" },
      };
    },
    expect: ["MicrosoftAuthenticator"],
  },
  "eidsca-am07": {
    violate: (t) => {
      features(t).displayAppInformationRequiredState = {
        state: "enabled",
        includeTarget: { id: "g-pilot" },
      };
    },
    expect: ["MicrosoftAuthenticator"],
  },
  "eidsca-am09": {
    violate: (t) => {
      features(t).displayLocationInformationRequiredState = {
        state: "default",
        includeTarget: { id: "all_users" },
      };
    },
    expect: ["MicrosoftAuthenticator"],
  },
  "eidsca-am10": {
    violate: (t) => {
      features(t).displayLocationInformationRequiredState = {
        state: "enabled",
        includeTarget: { id: "g-pilot" },
      };
    },
    expect: ["MicrosoftAuthenticator"],
  },
  "eidsca-af01": {
    violate: (t) => {
      method(t, "Fido2").state = "disabled";
    },
    expect: ["Fido2"],
  },
  "eidsca-af02": {
    violate: (t) => {
      method(t, "Fido2").isSelfServiceRegistrationAllowed = false;
    },
    expect: ["Fido2"],
  },
  "eidsca-af03": {
    violate: (t) => {
      method(t, "Fido2").isAttestationEnforced = false;
    },
    expect: ["Fido2"],
  },
  "eidsca-af04": {
    violate: (t) => {
      keyRestrictions(t).isEnforced = false;
    },
    expect: ["Fido2"],
  },
  "eidsca-af05": {
    violate: (t) => {
      keyRestrictions(t).aaGuids = [];
    },
    expect: ["Fido2"],
  },
  "eidsca-af06": {
    violate: (t) => {
      keyRestrictions(t).enforcementType = "unknown";
    },
    expect: ["Fido2"],
  },
  "eidsca-at01": {
    violate: (t) => {
      method(t, "TemporaryAccessPass").state = "disabled";
    },
    expect: ["TemporaryAccessPass"],
  },
  "eidsca-at02": {
    violate: (t) => {
      method(t, "TemporaryAccessPass").isUsableOnce = false;
    },
    expect: ["TemporaryAccessPass"],
  },
  "eidsca-av01": {
    violate: (t) => {
      method(t, "Voice").state = "enabled";
    },
    expect: ["Voice"],
  },
  "eidsca-as04": {
    violate: (t) => {
      method(t, "Sms").includeTargets = [{ targetType: "group", id: "all_users", isUsableForSignIn: true }];
    },
    expect: ["Sms"],
  },

  // --- CISA ScubaGear ---
  "cisa-ms-aad-1-1": {
    violate: (t) => {
      ca(t, "ca-legacy").state = "disabled";
    },
    expect: ["org"],
  },
  "cisa-ms-aad-2-1": {
    violate: (t) => {
      caGrant(t, "ca-user-risk").builtInControls = ["mfa"];
    },
    expect: ["org"],
  },
  "cisa-ms-aad-2-3": {
    violate: (t) => {
      ca(t, "ca-sign-in-risk").state = "enabledForReportingButNotEnforced";
    },
    expect: ["org"],
  },
  "cisa-ms-aad-3-1": {
    violate: (t) => {
      ca(t, "ca-phish-all").grant_controls = { operator: "OR", builtInControls: ["mfa"] };
    },
    expect: ["org"],
  },
  "cisa-ms-aad-3-2": {
    violate: (t) => {
      ca(t, "ca-mfa").state = "disabled";
      ca(t, "ca-phish-all").state = "disabled";
    },
    expect: ["org"],
  },
  "cisa-ms-aad-3-3": {
    violate: (t) => {
      features(t).displayLocationInformationRequiredState = {
        state: "disabled",
        includeTarget: { id: "all_users" },
      };
    },
    expect: ["MicrosoftAuthenticator"],
  },
  "cisa-ms-aad-3-5": {
    violate: (t) => {
      method(t, "Sms").state = "enabled";
      method(t, "Email").state = "enabled";
    },
    expect: ["Email", "Sms"],
  },
  "cisa-ms-aad-3-6": {
    violate: (t) => {
      caUsers(t, "ca-phish-admins").includeRoles = [GA];
    },
    expect: ["org"],
  },
  "cisa-ms-aad-3-7": {
    violate: (t) => {
      caGrant(t, "ca-managed-device").operator = "AND";
    },
    expect: ["org"],
  },
  "cisa-ms-aad-3-8": {
    violate: (t) => {
      (ca(t, "ca-register").conditions as Record<string, Row>).applications = {
        includeApplications: ["All"],
      };
    },
    expect: ["org"],
  },
  "cisa-ms-aad-3-9": {
    violate: (t) => {
      (ca(t, "ca-device-code").conditions as Row).authenticationFlows = {
        transferMethods: "authenticationTransfer",
      };
    },
    expect: ["org"],
  },
  "cisa-ms-aad-5-2": {
    // EIDSCA.AP08 wants user consent for low-risk permissions; CISA wants none: the compliant tenant follows EIDSCA.
    compliant: (t) => {
      perms(t).permissionGrantPoliciesAssigned = ["ManagePermissionGrantsForOwnedResource.DeveloperConsent"];
    },
    violate: () => {},
    expect: ["authorizationPolicy"],
  },
  "cisa-ms-aad-5-3": {
    violate: (t) => {
      consent(t).reviewers = [];
    },
    expect: ["adminConsentRequestPolicy"],
  },
  "cisa-ms-aad-5-5": {
    violate: (t) => {
      const r = appRestrictions(t);
      r.passwordCredentials = (r.passwordCredentials ?? []).filter(
        (x) => x.restrictionType !== "passwordAddition",
      );
    },
    expect: ["00000000-0000-0000-0000-000000000000"],
  },
  "cisa-ms-aad-5-6": {
    violate: (t) => {
      restriction(t, "passwordCredentials", "passwordLifetime").maxLifetime = "P365D";
    },
    expect: ["00000000-0000-0000-0000-000000000000"],
  },
  "cisa-ms-aad-5-7": {
    violate: (t) => {
      restriction(t, "keyCredentials", "asymmetricKeyLifetime").maxLifetime = "P2Y";
    },
    expect: ["00000000-0000-0000-0000-000000000000"],
  },
  "cisa-ms-aad-6-1": {
    violate: (t) => {
      byId(t.azuread_domain, "contoso.com").password_validity_period_in_days = 90;
    },
    expect: ["contoso.com"],
  },
  "cisa-ms-aad-7-1": {
    violate: (t) => {
      t.azuread_directory_role_assignment = (t.azuread_directory_role_assignment ?? []).filter(
        (a) => !(a.role_definition_id === GA && a.principal_id !== "u-admin1"),
      );
    },
    expect: [GA],
  },
  "cisa-ms-aad-7-2": {
    violate: (t) => {
      t.azuread_directory_role_assignment = (t.azuread_directory_role_assignment ?? []).filter(
        (a) => a.principal_id !== "u-useradmin",
      );
    },
    expect: [GA],
  },
  "cisa-ms-aad-7-3": {
    violate: (t) => {
      byId(t.azuread_user, "u-admin1").on_premises_sync_enabled = true;
    },
    expect: ["u-admin1"],
  },
  "cisa-ms-aad-7-4": {
    violate: (t) => {
      const s = schedule(t, "u-admin1", GA);
      s.assignment_type = "Assigned";
      s.end_date_time = null;
    },
    expect: ["rsi-u-admin1-62e90394"],
  },
  "cisa-ms-aad-7-5": {
    violate: (t) => {
      const s = schedule(t, "u-exadmin", EXCHANGE_ADMIN);
      s.assignment_type = "Assigned";
      s.start_date_time = null;
    },
    expect: ["rsi-u-exadmin-29232cdf"],
  },
  "cisa-ms-aad-7-6": {
    violate: (t) => {
      rolePolicyRule(t, GA, "Approval_EndUser_Assignment").setting = { isApprovalRequired: false };
    },
    expect: [GA],
  },
  "cisa-ms-aad-7-7": {
    violate: (t) => {
      rolePolicyRule(t, EXCHANGE_ADMIN, "Notification_Admin_Admin_Eligibility").notificationRecipients = [];
    },
    expect: [EXCHANGE_ADMIN],
  },
  "cisa-ms-aad-7-8": {
    violate: (t) => {
      rolePolicyRule(t, GA, "Notification_Admin_EndUser_Assignment").notificationRecipients = [];
    },
    expect: [GA],
  },
  "cisa-ms-aad-7-9": {
    violate: (t) => {
      rolePolicyRule(t, APP_ADMIN, "Notification_Admin_EndUser_Assignment").notificationRecipients = [];
    },
    expect: [APP_ADMIN],
  },
  "cisa-ms-aad-8-1": {
    violate: (t) => {
      authz(t).guest_user_role_id = "a0b1b346-4d3e-4e8b-98f8-753987be4970";
    },
    expect: ["authorizationPolicy"],
  },
  "cisa-ms-aad-8-3": {
    violate: (t) => {
      (
        byId(
          t.azuread_cross_tenant_access_policy_configuration_default,
          "crossTenantAccessPolicyConfigurationDefault",
        ).b2b_collaboration_inbound as Record<string, Row>
      ).usersAndGroups = { accessType: "allowed", targets: [] };
    },
    expect: ["crossTenantAccessPolicyConfigurationDefault"],
  },
};

const WS = "rules-fixtures";
const BASELINE = "int_baseline000";
const UNLICENSED = "int_unlicensed0";
const violatingId = (i: number) => `int_violates${String(i).padStart(4, "0")}`;
const compliantId = (i: number) => `int_complies${String(i).padStart(4, "0")}`;

describe("managed rules: a violating and a compliant tenant each, through the sandbox", () => {
  let executor: SandboxExecutor;
  let reader: Awaited<ReturnType<typeof memoryReader>>;
  let results: Map<string, RuleResult>;
  const ruleIds = Object.keys(cases);

  before(async () => {
    const root = tempDir("tl-rules-managed");
    const tenants = [{ integrationId: BASELINE, tables: compliantTenant() }];
    for (const [i, id] of ruleIds.entries()) {
      const c = cases[id] as Case;
      const violating = compliantTenant();
      c.violate(violating);
      tenants.push({ integrationId: violatingId(i), tables: violating });
      if (c.compliant) {
        const compliant = compliantTenant();
        c.compliant(compliant);
        tenants.push({ integrationId: compliantId(i), tables: compliant });
      }
    }
    // A tenant without Entra ID P1: Conditional Access is not collected.
    const unlicensed = compliantTenant();
    unlicensed.azuread_conditional_access_policy = [];
    const all = workspaceTables([
      ...tenants,
      { integrationId: UNLICENSED, tables: unlicensed, notCollected: ["azuread_conditional_access_policy"] },
    ]);
    const generation = await writeGeneration({
      root,
      workspaceId: WS,
      generationId: 1,
      tables: all,
      allCatalogTables: true,
    });
    executor = await SandboxExecutor.open(root);
    executor.add(generation);
    reader = await memoryReader();
    const evaluation = await evaluate(
      executor,
      reader,
      {
        workspaceId: WS,
        generationId: 1,
        rules: managedRules.map((r) => ({
          id: r.id,
          queries: r.definition.queries,
          evaluation: r.definition.evaluation,
          emptyWhenNotCollected: r.emptyWhenNotCollected,
        })),
      },
      { concurrency: 2, maxRows: 10_000 },
    );
    assert.equal(evaluation.coverageError, null);
    results = new Map(evaluation.results.map((r) => [r.rule.id, r]));
    // The candidate violations exactly as a run stages them (same SQL over the same result files).
    for (const r of evaluation.results) {
      if (!r.candidates) continue;
      for (const row of await reader.all(`${r.candidates} ORDER BY resource_id`)) {
        const key = `${r.rule.id}\u0000${String(row.integration_id)}`;
        const list = candidates.get(key) ?? [];
        list.push({
          resourceId: String(row.resource_id),
          table: String(row.resource_table),
          displayName: row.display_name === null ? null : String(row.display_name),
        });
        candidates.set(key, list);
      }
    }
  });

  after(async () => {
    reader?.close();
    await executor?.close();
  });

  interface Found {
    resourceId: string;
    table: string;
    displayName: string | null;
  }
  const candidates = new Map<string, Found[]>();

  const verdictOf = (ruleId: string, integrationId: string): { count: number; candidates: Found[] } => {
    const j = results.get(ruleId)?.judgements.find((x) => x.integrationId === integrationId);
    assert.ok(j, `${ruleId} judged ${integrationId}`);
    if (j.kind === "error") assert.fail(`${ruleId} failed: ${j.error}`);
    assert.equal(j.kind, "verdict", `${ruleId} on ${integrationId}: ${JSON.stringify(j)}`);
    const found = candidates.get(`${ruleId}\u0000${integrationId}`) ?? [];
    const count = j.kind === "verdict" ? j.count : -1;
    assert.equal(count, found.length, `${ruleId} on ${integrationId}: counted as listed`);
    return { count, candidates: found };
  };

  it("has a case for every managed rule (and no case without a rule)", () => {
    assert.deepEqual(Object.keys(cases).sort(), managedRules.map((r) => r.id).sort());
  });

  for (const [i, ruleId] of Object.keys(cases).entries()) {
    it(`${ruleId}: flags the violating tenant, passes the compliant one`, () => {
      const c = cases[ruleId] as Case;
      const compliant = verdictOf(ruleId, c.compliant ? compliantId(i) : BASELINE);
      assert.deepEqual(
        compliant.candidates.map((v) => v.resourceId),
        [],
        `${ruleId} must pass the compliant tenant`,
      );
      const violating = verdictOf(ruleId, violatingId(i));
      assert.deepEqual(violating.candidates.map((v) => v.resourceId).sort(), [...c.expect].sort());
      for (const v of violating.candidates) {
        assert.ok(v.table.startsWith("azuread_"), `${ruleId}: table of ${v.resourceId}`);
        assert.ok(v.displayName, `${ruleId}: display name of ${v.resourceId}`);
      }
    });
  }

  it("skips rules reading a table the tenant's licence keeps uncollected, except where that means none", () => {
    const legacy = results.get("cisa-ms-aad-1-1")?.judgements.find((j) => j.integrationId === UNLICENSED);
    assert.equal(legacy?.kind, "skipped");
    assert.match(
      legacy?.kind === "skipped" ? legacy.reason : "",
      /azuread_conditional_access_policy was not collected/,
    );
    // Security defaults are off and no Conditional Access can be read: exactly what MT.1021 is for.
    assert.deepEqual(
      verdictOf("mt-1021-security-defaults", UNLICENSED).candidates.map((c) => c.resourceId),
      ["00000000-0000-0000-0000-000000000005"],
    );
    // A rule that does not read Conditional Access is judged as usual.
    assert.deepEqual(verdictOf("eidsca-ap01", UNLICENSED).candidates, []);
  });
});
