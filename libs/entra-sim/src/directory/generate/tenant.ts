import type * as MG from "@microsoft/microsoft-graph-types";
import type { TenantLicences } from "../../types.js";
import { hash4, stableGuid, unit } from "../hash.js";
import { GLOBAL_ADMIN_TEMPLATE, ROLE_TEMPLATES, SKUS } from "./catalog.js";
import { DAY, type GenContext, iso } from "./context.js";

const POL = 0x9011;

/** Seeded coin for policy settings: each tenant gets its own mix of good and bad configuration. */
function flag(ctx: GenContext, n: number, p = 0.5): boolean {
  return unit(ctx.seed, POL, n) < p;
}

export function organization(ctx: GenContext, synced: boolean): MG.Organization {
  return {
    id: ctx.tenantId,
    deletedDateTime: null,
    assignedPlans: SKUS.filter((s) => s.gate === "base").flatMap((s) =>
      s.plans.map((p) => ({
        assignedDateTime: iso(ctx.ref - 700 * DAY),
        capabilityStatus: "Enabled",
        service: p.servicePlanName.split("_")[0] ?? p.servicePlanName,
        servicePlanId: p.servicePlanId,
      })),
    ),
    businessPhones: ["+1 425 555 0100"],
    city: "Redmond",
    country: null,
    countryLetterCode: "US",
    createdDateTime: iso(ctx.ref - 5 * 365 * DAY),
    defaultUsageLocation: null,
    displayName: ctx.tenantName,
    marketingNotificationEmails: [],
    onPremisesLastSyncDateTime: synced ? iso(ctx.ref - 1800_000) : null,
    onPremisesSyncEnabled: synced ? true : null,
    partnerTenantType: null,
    postalCode: "98052",
    preferredLanguage: "en",
    privacyProfile: null,
    provisionedPlans: [],
    securityComplianceNotificationMails: [],
    securityComplianceNotificationPhones: [],
    state: "WA",
    street: "1 Microsoft Way",
    technicalNotificationMails: [`admin@${ctx.primaryDomain}`],
    tenantType: "AAD",
    verifiedDomains: [
      {
        capabilities: "Email, OfficeCommunicationsOnline",
        isDefault: false,
        isInitial: true,
        name: ctx.initialDomain,
        type: "Managed",
      },
      { capabilities: "Email", isDefault: true, isInitial: false, name: ctx.primaryDomain, type: "Managed" },
    ],
  };
}

export function domains(ctx: GenContext): MG.Domain[] {
  const label = ctx.primaryDomain.split(".")[0] ?? "contoso";
  const base = {
    availabilityStatus: null,
    isAdminManaged: true,
    isRoot: true,
    manufacturer: null,
    model: null,
    passwordNotificationWindowInDays: 14,
    passwordValidityPeriodInDays: 2147483647,
    state: null,
  } satisfies MG.Domain;
  return [
    {
      id: ctx.initialDomain,
      ...base,
      authenticationType: "Managed",
      isDefault: false,
      isInitial: true,
      isVerified: true,
      supportedServices: ["Email", "OfficeCommunicationsOnline"],
    },
    {
      id: ctx.primaryDomain,
      ...base,
      authenticationType: "Managed",
      isDefault: true,
      isInitial: false,
      isVerified: true,
      supportedServices: ["Email", "Intune"],
    },
    {
      id: `${label}-labs.com`,
      ...base,
      authenticationType: "Managed",
      isDefault: false,
      isInitial: false,
      isVerified: false,
      supportedServices: [],
    },
    {
      id: `mail.${ctx.primaryDomain}`,
      ...base,
      // Some tenants still expire passwords on one domain (CISA MS.AAD.6.1v1 fails there).
      passwordValidityPeriodInDays: flag(ctx, 87, 0.4) ? 90 : 2147483647,
      authenticationType: flag(ctx, 1) ? "Federated" : "Managed",
      isDefault: false,
      isInitial: false,
      isRoot: false,
      isVerified: true,
      supportedServices: ["Email"],
    },
  ];
}

export function subscribedSkus(ctx: GenContext, licences: TenantLicences, users: number): MG.SubscribedSku[] {
  return SKUS.filter((s) => s.gate === "base" || licences[s.gate]).map((s, i) => {
    const enabled = Math.max(25, Math.ceil((users * (s.gate === "base" && i === 0 ? 0.8 : 0.3)) / 25) * 25);
    return {
      id: `${ctx.tenantId}_${s.skuId}`,
      accountId: ctx.tenantId,
      accountName: ctx.tenantName,
      appliesTo: "User",
      capabilityStatus: "Enabled",
      consumedUnits: Math.min(enabled, Math.floor(enabled * (0.6 + unit(ctx.seed, POL, 100 + i) * 0.5))),
      prepaidUnits: { enabled, lockedOut: 0, suspended: 0, warning: 0 },
      servicePlans: s.plans.map((p) => ({
        appliesTo: "User",
        provisioningStatus: "Success",
        servicePlanId: p.servicePlanId,
        servicePlanName: p.servicePlanName,
      })),
      skuId: s.skuId,
      skuPartNumber: s.skuPartNumber,
      subscriptionIds: [stableGuid(ctx.seed, POL, 200 + i)],
    };
  });
}

export function groupSettings(ctx: GenContext): MG.GroupSetting[] {
  const b = (x: boolean) => (x ? "true" : "false");
  return [
    {
      id: stableGuid(ctx.seed, POL, 300),
      displayName: "Group.Unified",
      templateId: "62375ab9-6b52-47ed-826b-58e47e0e304b",
      values: [
        { name: "NewUnifiedGroupWritebackDefault", value: "true" },
        { name: "EnableMIPLabels", value: b(flag(ctx, 2)) },
        { name: "CustomBlockedWordsList", value: "" },
        { name: "EnableMSStandardBlockedWords", value: "false" },
        { name: "ClassificationDescriptions", value: "" },
        { name: "DefaultClassification", value: "" },
        { name: "PrefixSuffixNamingRequirement", value: "" },
        { name: "AllowGuestsToBeGroupOwner", value: b(flag(ctx, 3, 0.3)) },
        { name: "AllowGuestsToAccessGroups", value: b(flag(ctx, 4, 0.7)) },
        { name: "GuestUsageGuidelinesUrl", value: "" },
        { name: "GroupCreationAllowedGroupId", value: "" },
        { name: "AllowToAddGuests", value: b(flag(ctx, 5, 0.7)) },
        { name: "UsageGuidelinesUrl", value: "" },
        { name: "ClassificationList", value: "" },
        { name: "EnableGroupCreation", value: b(flag(ctx, 6, 0.6)) },
      ],
    },
    {
      id: stableGuid(ctx.seed, POL, 301),
      displayName: "Password Rule Settings",
      templateId: "5cf42378-d67d-4f36-ba46-e8b86229381d",
      values: [
        { name: "BannedPasswordCheckOnPremisesMode", value: flag(ctx, 7) ? "Enforced" : "Audit" },
        { name: "EnableBannedPasswordCheckOnPremises", value: b(flag(ctx, 8)) },
        { name: "EnableBannedPasswordCheck", value: "true" },
        { name: "LockoutDurationInSeconds", value: "60" },
        { name: "LockoutThreshold", value: flag(ctx, 9) ? "10" : "5" },
        { name: "BannedPasswordList", value: "" },
      ],
    },
    {
      id: stableGuid(ctx.seed, POL, 302),
      displayName: "Consent Policy Settings",
      templateId: "dffd5d46-495d-40a9-8e21-954ff55e198a",
      values: [
        { name: "EnableGroupSpecificConsent", value: b(flag(ctx, 10)) },
        { name: "BlockUserConsentForRiskyApps", value: b(flag(ctx, 11, 0.7)) },
        { name: "EnableAdminConsentRequests", value: b(flag(ctx, 12)) },
        { name: "ConstrainGroupSpecificConsentToMembersOfGroupId", value: "" },
      ],
    },
  ];
}

function ipv4(cidrAddress: string): MG.IPv4CidrRange {
  return { "@odata.type": "#microsoft.graph.iPv4CidrRange", cidrAddress } as MG.IPv4CidrRange;
}

export function namedLocations(ctx: GenContext): MG.NamedLocation[] {
  const hq: MG.IpNamedLocation = {
    id: stableGuid(ctx.seed, POL, 400),
    createdDateTime: iso(ctx.ref - 600 * DAY),
    displayName: "Headquarters",
    modifiedDateTime: iso(ctx.ref - 100 * DAY),
    ipRanges: [ipv4("203.0.113.0/24"), ipv4("198.51.100.0/26")],
    isTrusted: true,
  };
  const blocked: MG.CountryNamedLocation = {
    id: stableGuid(ctx.seed, POL, 401),
    createdDateTime: iso(ctx.ref - 500 * DAY),
    displayName: "Blocked countries",
    modifiedDateTime: iso(ctx.ref - 50 * DAY),
    countriesAndRegions: ["KP", "IR"],
    countryLookupMethod: "clientIpAddress",
    includeUnknownCountriesAndRegions: false,
  };
  return [
    { "@odata.type": "#microsoft.graph.ipNamedLocation", ...hq } as MG.NamedLocation,
    { "@odata.type": "#microsoft.graph.countryNamedLocation", ...blocked } as MG.NamedLocation,
  ];
}

export function conditionalAccessPolicies(
  ctx: GenContext,
  breakGlassUserId: string | null,
): MG.ConditionalAccessPolicy[] {
  const exclude = breakGlassUserId ? [breakGlassUserId] : [];
  const locations = namedLocations(ctx);
  const blockedLoc = locations[1]!.id!;
  const base = (
    n: number,
    displayName: string,
    state: MG.ConditionalAccessPolicyState,
  ): MG.ConditionalAccessPolicy => ({
    id: stableGuid(ctx.seed, POL, 500 + n),
    createdDateTime: iso(ctx.ref - (400 - n * 30) * DAY),
    description: null,
    displayName,
    modifiedDateTime: iso(ctx.ref - (40 - n) * DAY),
    sessionControls: null,
    state,
    templateId: null,
  });
  const users = (u: Partial<MG.ConditionalAccessUsers>): MG.ConditionalAccessUsers => ({
    excludeGroups: [],
    excludeGuestsOrExternalUsers: null,
    excludeRoles: [],
    excludeUsers: exclude,
    includeGroups: [],
    includeGuestsOrExternalUsers: null,
    includeRoles: [],
    includeUsers: [],
    ...u,
  });
  const apps = (include: string[]): MG.ConditionalAccessApplications => ({
    applicationFilter: null,
    excludeApplications: [],
    includeApplications: include,
    includeAuthenticationContextClassReferences: [],
    includeUserActions: [],
  });
  const conditions = (
    u: MG.ConditionalAccessUsers,
    over: Partial<MG.ConditionalAccessConditionSet> = {},
  ): MG.ConditionalAccessConditionSet => ({
    applications: apps(["All"]),
    clientAppTypes: ["all"],
    devices: null,
    locations: null,
    platforms: null,
    servicePrincipalRiskLevels: [],
    signInRiskLevels: [],
    userRiskLevels: [],
    users: u,
    ...over,
  });
  const grant = (controls: MG.ConditionalAccessGrantControl[]): MG.ConditionalAccessGrantControls => ({
    builtInControls: controls,
    customAuthenticationFactors: [],
    operator: "OR",
    termsOfUse: [],
  });
  return [
    {
      ...base(0, "Require MFA for administrators", "enabled"),
      conditions: conditions(
        users({
          includeRoles: [
            GLOBAL_ADMIN_TEMPLATE,
            "e8611ab8-c189-46e8-94e1-60213ab1f814",
            "194ae4cb-b126-40b2-bd5b-6091b380977d",
          ],
        }),
      ),
      grantControls: grant(["mfa"]),
    },
    {
      ...base(
        1,
        "Block legacy authentication",
        flag(ctx, 20) ? "enabled" : "enabledForReportingButNotEnforced",
      ),
      conditions: conditions(users({ includeUsers: ["All"] }), {
        clientAppTypes: ["exchangeActiveSync", "other"],
      }),
      grantControls: grant(["block"]),
    },
    {
      ...base(2, "Require MFA for all users", flag(ctx, 21) ? "enabled" : "disabled"),
      conditions: conditions(users({ includeUsers: ["All"] })),
      grantControls: grant(["mfa"]),
    },
    {
      ...base(3, "Block sign-ins from blocked countries", "enabled"),
      conditions: conditions(users({ includeUsers: ["All"] }), {
        locations: { includeLocations: [blockedLoc], excludeLocations: [] },
      }),
      grantControls: grant(["block"]),
    },
    {
      ...base(
        4,
        "Require compliant device for Office 365",
        flag(ctx, 22) ? "enabled" : "enabledForReportingButNotEnforced",
      ),
      conditions: conditions(users({ includeUsers: ["All"] }), { applications: apps(["Office365"]) }),
      grantControls: { ...grant(["compliantDevice", "domainJoinedDevice"]), operator: "OR" },
    },
    {
      ...base(5, "Block high user risk", flag(ctx, 82) ? "enabled" : "disabled"),
      conditions: conditions(users({ includeUsers: ["All"] }), { userRiskLevels: ["high"] }),
      grantControls: grant(["block"]),
    },
    {
      ...base(6, "Block high sign-in risk", flag(ctx, 83) ? "enabled" : "enabledForReportingButNotEnforced"),
      conditions: conditions(users({ includeUsers: ["All"] }), { signInRiskLevels: ["high"] }),
      grantControls: grant(["block"]),
    },
    {
      ...base(7, "Block device code flow", flag(ctx, 84) ? "enabled" : "disabled"),
      conditions: conditions(users({ includeUsers: ["All"] }), {
        authenticationFlows: { transferMethods: "deviceCodeFlow" },
      }),
      grantControls: grant(["block"]),
    },
    {
      ...base(8, "Phishing-resistant MFA for privileged roles", flag(ctx, 85) ? "enabled" : "disabled"),
      conditions: conditions(users({ includeRoles: [...HIGHLY_PRIVILEGED_ROLES] })),
      grantControls: {
        ...grant([]),
        authenticationStrength: authenticationStrengthPolicies().find(
          (p) => p.id === "00000000-0000-0000-0000-000000000004",
        ),
      },
    },
    {
      ...base(9, "Register security info from a managed device", flag(ctx, 86) ? "enabled" : "disabled"),
      conditions: conditions(users({ includeUsers: ["All"] }), {
        applications: { ...apps([]), includeUserActions: ["urn:user:registersecurityinfo"] },
      }),
      grantControls: grant(["compliantDevice", "domainJoinedDevice"]),
    },
  ];
}

/** CISA ScubaGear's highly privileged roles (template ids). */
export const HIGHLY_PRIVILEGED_ROLES = [
  "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
  "e8611ab8-c189-46e8-94e1-60213ab1f814", // Privileged Role Administrator
  "fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
  "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", // SharePoint Administrator
  "29232cdf-9323-42fd-ade2-1d097af3e4de", // Exchange Administrator
  "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", // Hybrid Identity Administrator
  "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", // Application Administrator
  "158c047a-c907-4556-b7ef-446551a6b5f7", // Cloud Application Administrator
] as const;

export function identityProviders(ctx: GenContext): MG.IdentityProviderBase[] {
  const google: MG.SocialIdentityProvider = {
    id: "Google-OAUTH",
    displayName: "Google",
    clientId: `${hash4(ctx.seed, POL, 600)}-sim.apps.googleusercontent.com`,
    clientSecret: "******",
    identityProviderType: "Google",
  };
  const aad: MG.BuiltInIdentityProvider = {
    id: "AADSignup-OAUTH",
    displayName: "Azure Active Directory Sign up",
    identityProviderType: "AADSignup",
  };
  const otp: MG.BuiltInIdentityProvider = {
    id: "EmailOtpSignup-OAUTH",
    displayName: "Email One Time Passcode",
    identityProviderType: "EmailOTP",
  };
  return [
    { "@odata.type": "#microsoft.graph.socialIdentityProvider", ...google } as MG.IdentityProviderBase,
    { "@odata.type": "#microsoft.graph.builtInIdentityProvider", ...aad } as MG.IdentityProviderBase,
    { "@odata.type": "#microsoft.graph.builtInIdentityProvider", ...otp } as MG.IdentityProviderBase,
  ];
}

export function authorizationPolicy(ctx: GenContext): MG.AuthorizationPolicy {
  const loose = flag(ctx, 30);
  return {
    id: "authorizationPolicy",
    deletedDateTime: null,
    description: "Used to manage authorization related settings across the company.",
    displayName: "Authorization Policy",
    allowedToSignUpEmailBasedSubscriptions: loose,
    allowedToUseSSPR: true,
    allowEmailVerifiedUsersToJoinOrganization: flag(ctx, 31, 0.3),
    allowInvitesFrom: loose ? "everyone" : "adminsAndGuestInviters",
    allowUserConsentForRiskyApps: flag(ctx, 32, 0.2),
    blockMsolPowerShell: flag(ctx, 33),
    defaultUserRolePermissions: {
      allowedToCreateApps: flag(ctx, 34, 0.6),
      allowedToCreateSecurityGroups: flag(ctx, 35, 0.6),
      allowedToCreateTenants: flag(ctx, 36),
      allowedToReadBitlockerKeysForOwnedDevice: true,
      allowedToReadOtherUsers: true,
      permissionGrantPoliciesAssigned: [
        flag(ctx, 37)
          ? "ManagePermissionGrantsForSelf.microsoft-user-default-legacy"
          : "ManagePermissionGrantsForSelf.microsoft-user-default-low",
        "ManagePermissionGrantsForOwnedResource.DeveloperConsent",
      ],
    },
    guestUserRoleId: flag(ctx, 38)
      ? "10dae51f-b6af-4016-8d66-8c2a99b929b3"
      : "2af84b1e-32c8-42b7-82bc-daa82404023b",
  };
}

export function securityDefaultsPolicy(ctx: GenContext): MG.IdentitySecurityDefaultsEnforcementPolicy {
  return {
    id: "00000000-0000-0000-0000-000000000005",
    deletedDateTime: null,
    description:
      "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization.",
    displayName: "Security Defaults",
    isEnabled: flag(ctx, 40, 0.25),
  };
}

export function adminConsentRequestPolicy(
  ctx: GenContext,
  reviewerId: string | null,
): MG.AdminConsentRequestPolicy {
  const enabled = flag(ctx, 12);
  return {
    isEnabled: enabled,
    notifyReviewers: enabled,
    remindersEnabled: enabled,
    requestDurationInDays: enabled ? 30 : 0,
    reviewers:
      enabled && reviewerId
        ? [{ query: `/users/${reviewerId}`, queryRoot: null, queryType: "MicrosoftGraph" }]
        : [],
    version: 1,
  };
}

export function crossTenantAccessPolicy(ctx: GenContext): MG.CrossTenantAccessPolicy {
  return {
    id: "crossTenantAccessPolicy",
    deletedDateTime: null,
    description: null,
    displayName: "CrossTenantAccessPolicy",
    allowedCloudEndpoints: flag(ctx, 41, 0.2) ? ["microsoftonline.us"] : [],
  };
}

export function crossTenantDefault(ctx: GenContext): MG.CrossTenantAccessPolicyConfigurationDefault {
  const all = (
    accessType: MG.CrossTenantAccessPolicyTargetConfigurationAccessType,
    target: string,
    targetType: MG.CrossTenantAccessPolicyTargetType,
  ) => ({
    accessType,
    targets: [{ target, targetType }],
  });
  const open = flag(ctx, 42, 0.7);
  return {
    automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: false },
    b2bCollaborationInbound: {
      applications: all("allowed", "AllApplications", "application"),
      usersAndGroups: all(open ? "allowed" : "blocked", "AllUsers", "user"),
    },
    b2bCollaborationOutbound: {
      applications: all("allowed", "AllApplications", "application"),
      usersAndGroups: all("allowed", "AllUsers", "user"),
    },
    b2bDirectConnectInbound: {
      applications: all("blocked", "AllApplications", "application"),
      usersAndGroups: all("blocked", "AllUsers", "user"),
    },
    b2bDirectConnectOutbound: {
      applications: all("blocked", "AllApplications", "application"),
      usersAndGroups: all("blocked", "AllUsers", "user"),
    },
    inboundTrust: {
      isCompliantDeviceAccepted: flag(ctx, 43),
      isHybridAzureADJoinedDeviceAccepted: flag(ctx, 44),
      isMfaAccepted: flag(ctx, 45),
    },
    isServiceDefault: !flag(ctx, 46),
  };
}

const ALL_USERS = { targetType: "group", id: "all_users" } as const;
const NOBODY = { targetType: "group", id: "00000000-0000-0000-0000-000000000000" } as const;

/**
 * The authentication methods policy as Graph beta returns it (v1.0 lacks the beta-only parts: see
 * authenticationMethodsPolicyV1). Each tenant gets its own seeded mix of good and weak settings.
 */
export function authenticationMethodsPolicy(ctx: GenContext): Record<string, unknown> {
  const feature = (on: boolean) => ({
    state: on ? "enabled" : "default",
    includeTarget: ALL_USERS,
    excludeTarget: NOBODY,
  });
  const cfg = (id: string, type: string, state: MG.AuthenticationMethodState, extra: object) => ({
    "@odata.type": `#microsoft.graph.${type}AuthenticationMethodConfiguration`,
    id,
    state,
    excludeTargets: [],
    ...extra,
  });
  const keysEnforced = flag(ctx, 56, 0.3);
  return {
    id: "authenticationMethodsPolicy",
    description:
      "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
    displayName: "Authentication Methods Policy",
    lastModifiedDateTime: iso(ctx.ref - 90 * DAY),
    policyMigrationState: flag(ctx, 50) ? "migrationComplete" : "preMigration",
    policyVersion: "1.5",
    reconfirmationInDays: 180,
    registrationEnforcement: {
      authenticationMethodsRegistrationCampaign: {
        excludeTargets: [],
        includeTargets: [
          { id: "all_users", targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" },
        ],
        snoozeDurationInDays: 1,
        state: flag(ctx, 51) ? "enabled" : "default",
      },
    },
    reportSuspiciousActivitySettings: {
      state: flag(ctx, 80) ? "enabled" : "default",
      includeTarget: flag(ctx, 81, 0.7)
        ? ALL_USERS
        : { targetType: "group", id: stableGuid(ctx.seed, POL, 740) },
      voiceReportingCode: 0,
    },
    systemCredentialPreferences: { state: "default", excludeTargets: [], includeTargets: [ALL_USERS] },
    authenticationMethodConfigurations: [
      cfg("Fido2", "fido2", flag(ctx, 52) ? "enabled" : "disabled", {
        isAttestationEnforced: flag(ctx, 55),
        isSelfServiceRegistrationAllowed: flag(ctx, 88, 0.8),
        keyRestrictions: {
          isEnforced: keysEnforced,
          enforcementType: flag(ctx, 89) ? "allow" : "block",
          aaGuids: keysEnforced
            ? ["cb69481e-8ff7-4039-93ec-0a2729a154a8", "ee882879-721c-4913-9775-3dfcce97072a"]
            : [],
        },
        includeTargets: [{ ...ALL_USERS, isRegistrationRequired: false }],
      }),
      cfg("MicrosoftAuthenticator", "microsoftAuthenticator", "enabled", {
        isSoftwareOathEnabled: flag(ctx, 57, 0.3),
        featureSettings: {
          displayAppInformationRequiredState: feature(flag(ctx, 58)),
          displayLocationInformationRequiredState: feature(flag(ctx, 59)),
          numberMatchingRequiredState: feature(true),
        },
        includeTargets: [{ ...ALL_USERS, isRegistrationRequired: false, authenticationMode: "any" }],
      }),
      cfg("Sms", "sms", flag(ctx, 53) ? "enabled" : "disabled", {
        includeTargets: [{ ...ALL_USERS, isRegistrationRequired: false, isUsableForSignIn: flag(ctx, 65) }],
      }),
      cfg("TemporaryAccessPass", "temporaryAccessPass", flag(ctx, 54) ? "enabled" : "disabled", {
        defaultLifetimeInMinutes: 60,
        defaultLength: 8,
        minimumLifetimeInMinutes: 60,
        maximumLifetimeInMinutes: 480,
        isUsableOnce: flag(ctx, 66),
        includeTargets: [{ ...ALL_USERS, isRegistrationRequired: false }],
      }),
      cfg("Email", "email", "enabled", {
        allowExternalIdToUseEmailOtp: "default",
        includeTargets: [{ ...ALL_USERS, isRegistrationRequired: false }],
      }),
      cfg("Voice", "voice", flag(ctx, 67, 0.3) ? "enabled" : "disabled", {
        isOfficePhoneAllowed: false,
        includeTargets: [{ ...ALL_USERS, isRegistrationRequired: false }],
      }),
    ],
  };
}

/** Graph v1.0's view of the same policy: without the settings only beta has. */
export function authenticationMethodsPolicyV1(beta: Record<string, unknown>): Record<string, unknown> {
  const { reportSuspiciousActivitySettings: _r, systemCredentialPreferences: _s, ...rest } = beta;
  const configs = (rest.authenticationMethodConfigurations as Record<string, unknown>[]).map((c) => {
    if (c.id !== "MicrosoftAuthenticator") return c;
    const { numberMatchingRequiredState: _n, ...features } = c.featureSettings as Record<string, unknown>;
    return { ...c, featureSettings: features };
  });
  return { ...rest, authenticationMethodConfigurations: configs };
}

export function authenticationFlowsPolicy(ctx: GenContext): MG.AuthenticationFlowsPolicy {
  return {
    id: "authenticationFlowsPolicy",
    description:
      "Authentication flows policy allows modification of settings related to authentication flows in AAD tenant, such as self-service sign up configuration.",
    displayName: "Authentication flows policy",
    selfServiceSignUp: { isEnabled: flag(ctx, 60, 0.3) },
  };
}

export function tokenLifetimePolicies(ctx: GenContext): MG.TokenLifetimePolicy[] {
  if (!flag(ctx, 61)) return [];
  return [
    {
      id: stableGuid(ctx.seed, POL, 700),
      deletedDateTime: null,
      definition: ['{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"08:00:00"}}'],
      description: null,
      displayName: "Long-lived access tokens",
      isOrganizationDefault: false,
    },
  ];
}

export function emptyStsPolicies(): MG.StsPolicy[] {
  return [];
}

export function permissionGrantPolicies(): MG.PermissionGrantPolicy[] {
  const set = (id: string, classification: string): MG.PermissionGrantConditionSet => ({
    id,
    clientApplicationIds: ["all"],
    clientApplicationPublisherIds: ["all"],
    clientApplicationsFromVerifiedPublisherOnly: false,
    clientApplicationTenantIds: ["all"],
    permissionClassification: classification,
    permissions: ["all"],
    permissionType: "delegated",
    resourceApplication: "any",
  });
  return [
    {
      id: "microsoft-user-default-low",
      deletedDateTime: null,
      description: "All low risk permissions are consentable by member type users by default.",
      displayName: "Default User Low Policy",
      excludes: [],
      includes: [set(stableGuid(1, 2, 3), "low")],
    },
    {
      id: "microsoft-user-default-legacy",
      deletedDateTime: null,
      description: "All permissions are consentable by member type users by default.",
      displayName: "Default User Legacy Policy",
      excludes: [],
      includes: [set(stableGuid(1, 2, 4), "all")],
    },
  ];
}

export function appManagementPolicies(ctx: GenContext): MG.AppManagementPolicy[] {
  if (!flag(ctx, 62)) return [];
  return [
    {
      id: stableGuid(ctx.seed, POL, 710),
      deletedDateTime: null,
      description: "Limit secret lifetime for pilot apps",
      displayName: "Credential lifetime restriction",
      isEnabled: true,
      restrictions: {
        keyCredentials: [],
        passwordCredentials: [
          {
            maxLifetime: "P90D",
            restrictForAppsCreatedAfterDateTime: "2024-01-01T00:00:00Z",
            restrictionType: "passwordLifetime",
            state: "enabled",
          },
        ],
      },
    },
  ];
}

export function defaultAppManagementPolicy(ctx: GenContext): MG.TenantAppManagementPolicy {
  const on = flag(ctx, 63);
  return {
    id: "00000000-0000-0000-0000-000000000000",
    deletedDateTime: null,
    description:
      "Default tenant policy that enforces app management restrictions on applications and service principals.",
    displayName: "Default app management tenant policy",
    isEnabled: on,
    applicationRestrictions: {
      keyCredentials: [],
      passwordCredentials: on
        ? [
            {
              maxLifetime: "P365D",
              restrictForAppsCreatedAfterDateTime: "2023-01-01T00:00:00Z",
              restrictionType: "passwordLifetime",
              state: "enabled",
            },
          ]
        : [],
    },
    servicePrincipalRestrictions: { keyCredentials: [], passwordCredentials: [] },
  };
}

export function featureRolloutPolicies(ctx: GenContext): MG.FeatureRolloutPolicy[] {
  return flag(ctx, 64)
    ? [
        {
          id: stableGuid(ctx.seed, POL, 720),
          description: "Pilot of cloud authentication",
          displayName: "Staged rollout: PHS",
          feature: "passwordHashSync",
          isAppliedToOrganization: false,
          isEnabled: true,
        },
      ]
    : [];
}

export function authenticationStrengthPolicies(): MG.AuthenticationStrengthPolicy[] {
  const p = (
    id: string,
    displayName: string,
    combos: MG.AuthenticationMethodModes[],
  ): MG.AuthenticationStrengthPolicy => ({
    id,
    allowedCombinations: combos,
    createdDateTime: "2021-12-01T00:00:00Z",
    description: `Combinations of methods that satisfy ${displayName.toLowerCase()}`,
    displayName,
    modifiedDateTime: "2021-12-01T00:00:00Z",
    policyType: "builtIn",
    requirementsSatisfied: "mfa",
  });
  return [
    p("00000000-0000-0000-0000-000000000002", "Multifactor authentication", [
      "windowsHelloForBusiness",
      "fido2",
      "x509CertificateMultiFactor",
      "microsoftAuthenticatorPush",
      "sms",
    ]),
    p("00000000-0000-0000-0000-000000000003", "Passwordless MFA", [
      "windowsHelloForBusiness",
      "fido2",
      "x509CertificateMultiFactor",
      "deviceBasedPush",
    ]),
    p("00000000-0000-0000-0000-000000000004", "Phishing-resistant MFA", [
      "windowsHelloForBusiness",
      "fido2",
      "x509CertificateMultiFactor",
    ]),
  ];
}

/**
 * PIM settings per directory role (Graph has one policy per role): activation approval, expiry and
 * notification rules. Highly privileged roles get seeded settings, the others Microsoft's defaults.
 */
export function roleManagementPolicies(ctx: GenContext): Record<string, unknown>[] {
  const target = (caller: string, level: string) => ({
    caller,
    operations: ["all"],
    level,
    inheritableSettings: [],
    enforcedSettings: [],
  });
  const notify = (id: string, recipientType: string, recipients: string[]) => ({
    "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule",
    id,
    notificationType: "Email",
    recipientType,
    notificationLevel: "All",
    isDefaultRecipientsEnabled: true,
    notificationRecipients: recipients,
    target: target(
      id.includes("EndUser") ? "EndUser" : "Admin",
      id.endsWith("Eligibility") ? "Eligibility" : "Assignment",
    ),
  });
  const security = [`security@${ctx.primaryDomain}`];
  return ROLE_TEMPLATES.map((t, i) => {
    const privileged = (HIGHLY_PRIVILEGED_ROLES as readonly string[]).includes(t.id);
    const ga = t.id === GLOBAL_ADMIN_TEMPLATE;
    const alerts = privileged && flag(ctx, 90, 0.6);
    return {
      id: `Directory_${ctx.tenantId}_${stableGuid(ctx.seed, POL, 730 + i)}`,
      description: "",
      displayName: "Directory",
      isOrganizationDefault: false,
      lastModifiedBy: null,
      lastModifiedDateTime: null,
      scopeId: "/",
      scopeType: "DirectoryRole",
      roleDefinitionId: t.id,
      rules: [
        {
          "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
          id: "Expiration_Admin_Eligibility",
          isExpirationRequired: false,
          maximumDuration: "P365D",
          target: target("Admin", "Eligibility"),
        },
        {
          "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
          id: "Expiration_Admin_Assignment",
          isExpirationRequired: privileged && flag(ctx, 91),
          maximumDuration: "P180D",
          target: target("Admin", "Assignment"),
        },
        {
          "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
          id: "Expiration_EndUser_Assignment",
          isExpirationRequired: true,
          maximumDuration: "PT8H",
          target: target("EndUser", "Assignment"),
        },
        {
          "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
          id: "Enablement_EndUser_Assignment",
          enabledRules: privileged ? ["MultiFactorAuthentication", "Justification"] : ["Justification"],
          target: target("EndUser", "Assignment"),
        },
        {
          "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
          id: "Approval_EndUser_Assignment",
          setting: {
            isApprovalRequired: ga && flag(ctx, 92),
            isApprovalRequiredForExtension: false,
            isRequestorJustificationRequired: true,
            approvalMode: "SingleStage",
            approvalStages: [],
          },
          target: target("EndUser", "Assignment"),
        },
        notify("Notification_Admin_Admin_Eligibility", "Admin", alerts ? security : []),
        notify("Notification_Admin_Admin_Assignment", "Admin", alerts ? security : []),
        notify(
          "Notification_Admin_EndUser_Assignment",
          "Admin",
          privileged && flag(ctx, ga ? 93 : 94, 0.6) ? security : [],
        ),
        notify("Notification_Requestor_EndUser_Assignment", "Requestor", []),
      ],
    };
  });
}

export function deviceRegistrationPolicy(ctx: GenContext): MG.DeviceRegistrationPolicy {
  return {
    id: "deviceRegistrationPolicy",
    description:
      "Tenant-wide policy that manages initial provisioning controls using quota restrictions, additional authentication and authorization checks",
    displayName: "Device Registration Policy",
    multiFactorAuthConfiguration: flag(ctx, 70) ? "required" : "notRequired",
    userDeviceQuota: flag(ctx, 71) ? 50 : 20,
  };
}

export function externalIdentitiesPolicy(ctx: GenContext): Record<string, unknown> {
  return {
    id: "externalidentitiespolicy",
    displayName: "ExternalIdentitiesPolicy",
    allowExternalIdentitiesToLeave: flag(ctx, 72, 0.7),
    allowDeletedIdentitiesDataRemoval: false,
  };
}
