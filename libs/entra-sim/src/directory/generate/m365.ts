import type * as MG from "@microsoft/microsoft-graph-types";
import { hash4, pick, stableGuid, unit } from "../hash.js";
import { DAY, type GenContext, iso } from "./context.js";
import { userAt } from "./users.js";

/** Small but real collections of the Microsoft 365 families the collector reads (Intune, Teams, security, …). */

const KM = 0x3650;
const g = (ctx: GenContext, n: number, k = 0) => stableGuid(ctx.seed, KM, n, k);

function someUsers(ctx: GenContext, salt: number, n: number): MG.User[] {
  const U = ctx.counts.user;
  if (U === 0) return [];
  return Array.from({ length: Math.min(n, U) }, (_, k) => userAt(ctx, hash4(ctx.seed, KM, salt, k) % U));
}

// ---- Intune ----------------------------------------------------------------------------------------

export function deviceManagement(ctx: GenContext): MG.DeviceManagement {
  return { id: g(ctx, 1), intuneAccountId: g(ctx, 2), subscriptionState: "active" };
}

export function managedDevices(ctx: GenContext): MG.ManagedDevice[] {
  return someUsers(ctx, 10, 8).map((u, k): MG.ManagedDevice => {
    const windows = k % 3 !== 2;
    const compliant = unit(ctx.seed, KM, 11, k) < 0.8;
    return {
      id: g(ctx, 12, k),
      azureADDeviceId: g(ctx, 13, k),
      azureADRegistered: true,
      complianceGracePeriodExpirationDateTime: "9999-12-31T23:59:59Z",
      complianceState: compliant ? "compliant" : "noncompliant",
      deviceEnrollmentType: windows ? "windowsAzureADJoin" : "userEnrollment",
      deviceName: windows ? `DESKTOP-${g(ctx, 14, k).slice(0, 7).toUpperCase()}` : `${u.givenName}'s iPhone`,
      deviceRegistrationState: "registered",
      easActivated: !windows,
      emailAddress: u.mail ?? null,
      enrolledDateTime: iso(ctx.ref - (30 + k * 20) * DAY),
      exchangeAccessState: "none",
      exchangeAccessStateReason: "none",
      isEncrypted: windows ? compliant : true,
      isSupervised: false,
      jailBroken: windows ? "Unknown" : "False",
      lastSyncDateTime: iso(ctx.ref - (k % 5) * DAY),
      managedDeviceName: `${u.userPrincipalName}_${windows ? "Windows" : "iOS"}`,
      managedDeviceOwnerType: k % 4 === 3 ? "personal" : "company",
      managementAgent: "mdm",
      manufacturer: windows ? "Microsoft Corporation" : "Apple",
      model: windows ? "Surface Laptop 5" : "iPhone 15",
      operatingSystem: windows ? "Windows" : "iOS",
      osVersion: windows ? "10.0.22631.3447" : "17.4.1",
      serialNumber: g(ctx, 15, k).slice(0, 12).toUpperCase(),
      userDisplayName: u.displayName ?? null,
      userId: u.id ?? null,
      userPrincipalName: u.userPrincipalName ?? null,
    };
  });
}

export function deviceCompliancePolicies(ctx: GenContext): MG.DeviceCompliancePolicy[] {
  const strong = unit(ctx.seed, KM, 20) < 0.5;
  const p: MG.Windows10CompliancePolicy = {
    id: g(ctx, 21),
    createdDateTime: iso(ctx.ref - 300 * DAY),
    description: "Baseline compliance for Windows devices",
    displayName: "Windows 10/11 compliance baseline",
    lastModifiedDateTime: iso(ctx.ref - 20 * DAY),
    version: 3,
    bitLockerEnabled: strong,
    codeIntegrityEnabled: true,
    earlyLaunchAntiMalwareDriverEnabled: false,
    osMinimumVersion: "10.0.19045",
    passwordBlockSimple: true,
    passwordMinimumLength: strong ? 12 : 6,
    passwordRequired: true,
    passwordRequiredToUnlockFromIdle: false,
    passwordRequiredType: "deviceDefault",
    requireHealthyDeviceReport: strong,
    secureBootEnabled: true,
    storageRequireEncryption: strong,
  };
  return [{ "@odata.type": "#microsoft.graph.windows10CompliancePolicy", ...p } as MG.DeviceCompliancePolicy];
}

export function deviceConfigurations(ctx: GenContext): MG.DeviceConfiguration[] {
  const c: MG.Windows10GeneralConfiguration = {
    id: g(ctx, 30),
    createdDateTime: iso(ctx.ref - 250 * DAY),
    description: "Device restrictions for corporate Windows devices",
    displayName: "Windows device restrictions",
    lastModifiedDateTime: iso(ctx.ref - 15 * DAY),
    version: 2,
    passwordRequired: true,
    passwordMinimumLength: 8,
    screenCaptureBlocked: false,
    storageRequireMobileDeviceEncryption: true,
  };
  return [
    { "@odata.type": "#microsoft.graph.windows10GeneralConfiguration", ...c } as MG.DeviceConfiguration,
  ];
}

export function deviceEnrollmentConfigurations(ctx: GenContext): MG.DeviceEnrollmentConfiguration[] {
  return [
    {
      "@odata.type": "#microsoft.graph.deviceEnrollmentLimitConfiguration",
      id: `${ctx.tenantId}_DefaultLimit`,
      createdDateTime: iso(ctx.ref - 900 * DAY),
      description:
        "This is the default Device Limit Restriction applied with the lowest priority to all users regardless of group membership.",
      displayName: "All users and all devices",
      lastModifiedDateTime: iso(ctx.ref - 900 * DAY),
      priority: 0,
      version: 1,
      limit: 15,
    } as MG.DeviceEnrollmentConfiguration,
  ];
}

export function intuneRoleDefinitions(ctx: GenContext): MG.RoleDefinition[] {
  return [
    {
      "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition",
      id: g(ctx, 40),
      description: "Help Desk Operators perform remote tasks on users and devices.",
      displayName: "Help Desk Operator",
      isBuiltIn: true,
      rolePermissions: [
        {
          resourceActions: [
            {
              allowedResourceActions: ["Microsoft.Intune_ManagedDevices_Read"],
              notAllowedResourceActions: [],
            },
          ],
        },
      ],
    } as MG.RoleDefinition,
  ];
}

export function intuneRoleAssignments(ctx: GenContext): MG.DeviceAndAppManagementRoleAssignment[] {
  return [
    {
      id: g(ctx, 41),
      description: "Helpdesk team",
      displayName: "Helpdesk assignment",
      resourceScopes: [],
      members: ctx.counts.group > 0 ? [ctx.ids.encode("group", 0)] : [],
    },
  ];
}

export function cloudPcs(ctx: GenContext): MG.CloudPC[] {
  return someUsers(ctx, 50, 2).map((u, k) => ({
    id: g(ctx, 51, k),
    aadDeviceId: g(ctx, 52, k),
    displayName: `CPC-${(u.givenName ?? "user").toLowerCase()}-${k}`,
    gracePeriodEndDateTime: null,
    imageDisplayName: "Windows 11 Enterprise + Microsoft 365 Apps",
    lastModifiedDateTime: iso(ctx.ref - 3 * DAY),
    managedDeviceId: g(ctx, 53, k),
    managedDeviceName: `CPC-${k}`,
    onPremisesConnectionName: null,
    provisioningPolicyId: g(ctx, 54),
    provisioningPolicyName: "Engineering Cloud PCs",
    provisioningType: "dedicated",
    servicePlanId: g(ctx, 55),
    servicePlanName: "Cloud PC Enterprise 2vCPU/8GB/128GB",
    userPrincipalName: u.userPrincipalName ?? null,
  }));
}

export function mobileApps(ctx: GenContext): MG.MobileApp[] {
  const app: MG.WebApp = {
    id: g(ctx, 60),
    createdDateTime: iso(ctx.ref - 200 * DAY),
    description: "Company intranet",
    developer: null,
    displayName: "Intranet",
    informationUrl: null,
    isFeatured: true,
    lastModifiedDateTime: iso(ctx.ref - 10 * DAY),
    notes: null,
    owner: null,
    privacyInformationUrl: null,
    publisher: ctx.tenantName,
    publishingState: "published",
    appUrl: `https://intranet.${ctx.primaryDomain}`,
    useManagedBrowser: true,
  };
  return [{ "@odata.type": "#microsoft.graph.webApp", ...app } as MG.MobileApp];
}

export function managedAppPolicies(ctx: GenContext): MG.ManagedAppPolicy[] {
  const p: MG.IosManagedAppProtection = {
    id: `T_${g(ctx, 70)}`,
    createdDateTime: iso(ctx.ref - 180 * DAY),
    description: "App protection for iOS",
    displayName: "iOS app protection",
    lastModifiedDateTime: iso(ctx.ref - 9 * DAY),
    version: "1",
    pinRequired: unit(ctx.seed, KM, 71) < 0.7,
    minimumPinLength: 6,
    dataBackupBlocked: true,
    printBlocked: false,
    isAssigned: true,
  };
  return [{ "@odata.type": "#microsoft.graph.iosManagedAppProtection", ...p } as MG.ManagedAppPolicy];
}

export function mobileAppConfigurations(ctx: GenContext): MG.ManagedDeviceMobileAppConfiguration[] {
  return [
    {
      "@odata.type": "#microsoft.graph.iosMobileAppConfiguration",
      id: g(ctx, 80),
      createdDateTime: iso(ctx.ref - 150 * DAY),
      description: "Outlook configuration",
      displayName: "Outlook for iOS",
      lastModifiedDateTime: iso(ctx.ref - 12 * DAY),
      targetedMobileApps: [],
      version: 1,
    } as MG.ManagedDeviceMobileAppConfiguration,
  ];
}

// ---- Teams -----------------------------------------------------------------------------------------

export function teamsApps(ctx: GenContext): MG.TeamsApp[] {
  return [
    { id: g(ctx, 90), displayName: "Planner", distributionMethod: "store", externalId: null },
    {
      id: g(ctx, 91),
      displayName: `${ctx.tenantName} Helpdesk Bot`,
      distributionMethod: "organization",
      externalId: g(ctx, 92),
    },
    { id: g(ctx, 93), displayName: "Polly", distributionMethod: "store", externalId: null },
  ];
}

export function teamFor(
  ctx: GenContext,
  group: { id: string; displayName: string; visibility: string | null; description: string | null },
): MG.Team {
  const open = unit(ctx.seed, KM, 100, hash4(0, 0, group.id.length)) < 0.5;
  return {
    id: group.id,
    classification: null,
    createdDateTime: null,
    description: group.description,
    displayName: group.displayName,
    funSettings: {
      allowCustomMemes: true,
      allowGiphy: true,
      allowStickersAndMemes: true,
      giphyContentRating: "moderate",
    },
    guestSettings: { allowCreateUpdateChannels: open, allowDeleteChannels: false },
    internalId: `19:${group.id.replaceAll("-", "")}@thread.tacv2`,
    isArchived: false,
    memberSettings: {
      allowAddRemoveApps: true,
      allowCreatePrivateChannels: true,
      allowCreateUpdateChannels: true,
      allowCreateUpdateRemoveConnectors: true,
      allowCreateUpdateRemoveTabs: true,
      allowDeleteChannels: open,
    },
    messagingSettings: {
      allowChannelMentions: true,
      allowOwnerDeleteMessages: true,
      allowTeamMentions: true,
      allowUserDeleteMessages: true,
      allowUserEditMessages: true,
    },
    specialization: "none",
    tenantId: ctx.tenantId,
    visibility: group.visibility === "Private" ? "private" : "public",
    webUrl: `https://teams.microsoft.com/l/team/19%3a${group.id.replaceAll("-", "")}%40thread.tacv2/conversations?groupId=${group.id}&tenantId=${ctx.tenantId}`,
  };
}

export function channelsFor(ctx: GenContext, teamId: string): MG.Channel[] {
  const c = (n: number, displayName: string, membershipType: MG.ChannelMembershipType): MG.Channel => ({
    id: `19:${stableGuid(ctx.seed, KM, 110 + n, teamId.length).replaceAll("-", "")}@thread.tacv2`,
    createdDateTime: iso(ctx.ref - (100 - n) * DAY),
    description: null,
    displayName,
    email: null,
    isArchived: false,
    isFavoriteByDefault: null,
    membershipType,
    tenantId: ctx.tenantId,
    webUrl: `https://teams.microsoft.com/l/channel/${n}`,
  });
  return [c(0, "General", "standard"), c(1, "Announcements", "standard"), c(2, "Leadership", "private")];
}

export function conversationMember(
  ctx: GenContext,
  user: { id: string; displayName: string | null; mail: string | null },
  owner: boolean,
): MG.AadUserConversationMember {
  return {
    id: Buffer.from(`${ctx.tenantId}#${user.id}`).toString("base64url"),
    displayName: user.displayName,
    roles: owner ? ["owner"] : [],
    visibleHistoryStartDateTime: "0001-01-01T00:00:00Z",
    email: user.mail,
    tenantId: ctx.tenantId,
    userId: user.id,
  };
}

// ---- Security ----------------------------------------------------------------------------------------

export function alertsV2(ctx: GenContext): MG.SecurityNamespace.Alert[] {
  const titles = [
    "Suspicious inbox forwarding",
    "Atypical travel",
    "Password spray",
    "Mass download by a single user",
  ] as const;
  return someUsers(ctx, 120, 4).map((u, k) => ({
    id: `da${g(ctx, 121, k).replaceAll("-", "").slice(0, 30)}`,
    actorDisplayName: null,
    alertPolicyId: null,
    alertWebUrl: `https://security.microsoft.com/alerts/${k}`,
    assignedTo: null,
    category: k % 2 === 0 ? "InitialAccess" : "Exfiltration",
    classification: null,
    comments: [],
    createdDateTime: iso(ctx.ref - k * DAY),
    description: `${titles[k % titles.length]} involving ${u.userPrincipalName}`,
    detectionSource: "azureAdIdentityProtection",
    detectorId: g(ctx, 122, k),
    determination: null,
    evidence: [],
    firstActivityDateTime: iso(ctx.ref - k * DAY - 3600_000),
    incidentId: String(1000 + k),
    incidentWebUrl: `https://security.microsoft.com/incidents/${1000 + k}`,
    lastActivityDateTime: iso(ctx.ref - k * DAY),
    lastUpdateDateTime: iso(ctx.ref - k * DAY),
    mitreTechniques: ["T1078"],
    productName: "Azure Active Directory Identity Protection",
    providerAlertId: g(ctx, 123, k),
    recommendedActions: "Review the sign-in and reset the password if needed.",
    resolvedDateTime: null,
    serviceSource: "azureAdIdentityProtection",
    severity: (["high", "medium", "low", "informational"] as const)[k % 4]!,
    status: k === 3 ? "resolved" : "new",
    systemTags: [],
    tenantId: ctx.tenantId,
    threatDisplayName: null,
    threatFamilyName: null,
    title: titles[k % titles.length]!,
  }));
}

export function secureScores(ctx: GenContext): MG.SecureScore[] {
  return Array.from({ length: 3 }, (_, k) => ({
    id: `${ctx.tenantId}_${iso(ctx.ref - k * DAY).slice(0, 10)}`,
    activeUserCount: ctx.counts.user,
    averageComparativeScores: [{ averageScore: 41.2, basis: "AllTenants" }],
    azureTenantId: ctx.tenantId,
    controlScores: [
      {
        controlCategory: "Identity",
        controlName: "MFARegistrationV2",
        description: "Ensure all users can complete multifactor authentication",
        score: 6.5,
      },
      {
        controlCategory: "Identity",
        controlName: "BlockLegacyAuthentication",
        description: "Block legacy authentication",
        score: 0,
      },
    ],
    createdDateTime: iso(ctx.ref - k * DAY),
    currentScore: 42 + (hash4(ctx.seed, KM, 130, k) % 20),
    enabledServices: ["HasExchange", "HasSharePoint", "HasOD4B"],
    licensedUserCount: Math.floor(ctx.counts.user * 0.9),
    maxScore: 230,
    vendorInformation: {
      provider: "SecureScore",
      providerVersion: null,
      subProvider: null,
      vendor: "Microsoft",
    },
  }));
}

export function secureScoreControlProfiles(ctx: GenContext): MG.SecureScoreControlProfile[] {
  const p = (
    n: number,
    title: string,
    controlName: string,
    maxScore: number,
  ): MG.SecureScoreControlProfile => ({
    id: controlName,
    actionType: "Config",
    actionUrl: "https://entra.microsoft.com",
    azureTenantId: ctx.tenantId,
    complianceInformation: [],
    controlCategory: "Identity",
    controlStateUpdates: [],
    deprecated: false,
    implementationCost: "Low",
    lastModifiedDateTime: iso(ctx.ref - 60 * DAY),
    maxScore,
    rank: n,
    remediation: `Configure: ${title}`,
    remediationImpact: "Users will be affected",
    service: "AzureAD",
    threats: ["AccountBreach"],
    tier: "Core",
    title,
    userImpact: "Moderate",
    vendorInformation: {
      provider: "SecureScore",
      providerVersion: null,
      subProvider: null,
      vendor: "Microsoft",
    },
  });
  return [
    p(
      1,
      "Ensure multifactor authentication is enabled for all users in administrative roles",
      "AdminMFAV2",
      10,
    ),
    p(2, "Enable policy to block legacy authentication", "BlockLegacyAuthentication", 8),
    p(3, "Do not allow users to grant consent to unreliable applications", "IntegratedApps", 4),
  ];
}

export function subjectRightsRequests(ctx: GenContext): MG.SubjectRightsRequest[] {
  return [
    {
      id: g(ctx, 140),
      closedDateTime: null,
      contentQuery: null,
      createdDateTime: iso(ctx.ref - 12 * DAY),
      dataSubjectType: "customer",
      description: "Access request from a former customer",
      displayName: "DSAR 2024-001",
      externalId: null,
      includeAllVersions: false,
      includeAuthoredContent: true,
      internalDueDateTime: iso(ctx.ref + 18 * DAY),
      lastModifiedDateTime: iso(ctx.ref - 2 * DAY),
      pauseAfterEstimate: true,
      regulations: ["GDPR"],
      stages: [],
      status: "active",
      type: "access",
    },
  ];
}

export function securityActions(ctx: GenContext): Record<string, unknown>[] {
  return [
    {
      id: g(ctx, 150),
      name: "blockIp",
      actionReason: "Malicious IP",
      status: "completed",
      createdDateTime: iso(ctx.ref - 5 * DAY),
    },
  ];
}

// ---- Service health -----------------------------------------------------------------------------------

const SERVICES = [
  "Exchange Online",
  "Microsoft Teams",
  "SharePoint Online",
  "Microsoft Entra",
  "Microsoft Intune",
] as const;

export function healthOverviews(ctx: GenContext): MG.ServiceHealth[] {
  return SERVICES.map((service, k) => ({
    id: service.replaceAll(" ", ""),
    service,
    status: unit(ctx.seed, KM, 160, k) < 0.2 ? "serviceDegradation" : "serviceOperational",
  }));
}

export function healthIssues(ctx: GenContext): MG.ServiceHealthIssue[] {
  return [0, 1].map((k) => ({
    id: `EX${700000 + (hash4(ctx.seed, KM, 170, k) % 99999)}`,
    details: [],
    endDateTime: k === 1 ? iso(ctx.ref - DAY) : null,
    lastModifiedDateTime: iso(ctx.ref - k * DAY),
    startDateTime: iso(ctx.ref - (k + 2) * DAY),
    title: k === 0 ? "Some users may be unable to access shared mailboxes" : "Delays in message delivery",
    classification: k === 0 ? "advisory" : "incident",
    feature: "E-Mail and calendar access",
    featureGroup: "E-Mail and calendar access",
    impactDescription: "Users may experience delays.",
    isResolved: k === 1,
    origin: "microsoft",
    posts: [],
    service: "Exchange Online",
    status: k === 1 ? "serviceRestored" : "investigating",
  }));
}

export function serviceMessages(ctx: GenContext): MG.ServiceUpdateMessage[] {
  return [0, 1, 2].map((k) => ({
    id: `MC${800000 + (hash4(ctx.seed, KM, 180, k) % 99999)}`,
    details: [],
    endDateTime: iso(ctx.ref + (60 - k) * DAY),
    lastModifiedDateTime: iso(ctx.ref - k * DAY),
    startDateTime: iso(ctx.ref - (k + 5) * DAY),
    title: [
      "Retirement of legacy MFA settings",
      "New Teams admin controls",
      "Update to app consent experience",
    ][k]!,
    actionRequiredByDateTime: k === 0 ? iso(ctx.ref + 45 * DAY) : null,
    body: { content: "<p>Details of the change.</p>", contentType: "html" },
    category: k === 0 ? "planForChange" : "stayInformed",
    hasAttachments: false,
    isMajorChange: k === 0,
    services: [pick(SERVICES, k)],
    severity: "normal",
    tags: ["Admin impact"],
    viewPoint: null,
  }));
}

// ---- Sites -------------------------------------------------------------------------------------------

export function sites(ctx: GenContext): MG.Site[] {
  const host = `${ctx.initialDomain.split(".")[0]}.sharepoint.com`;
  const s = (k: number, name: string, path: string): MG.Site => ({
    id: `${host},${g(ctx, 190, k)},${g(ctx, 191, k)}`,
    createdDateTime: iso(ctx.ref - (400 - k * 50) * DAY),
    description: null,
    displayName: name,
    eTag: null,
    lastModifiedDateTime: iso(ctx.ref - k * DAY),
    name: path.split("/").pop() || "root",
    webUrl: `https://${host}${path}`,
    isPersonalSite: false,
  });
  return [
    s(0, "Communication site", ""),
    s(1, "Finance", "/sites/finance"),
    s(2, "Project Falcon", "/sites/falcon"),
    s(3, "HR", "/sites/hr"),
  ];
}

export function listsFor(ctx: GenContext, siteId: string): MG.List[] {
  return [
    {
      id: stableGuid(ctx.seed, KM, 200, siteId.length),
      createdDateTime: iso(ctx.ref - 300 * DAY),
      description: "",
      displayName: "Documents",
      eTag: null,
      lastModifiedDateTime: iso(ctx.ref - DAY),
      name: "Shared Documents",
      webUrl: `https://example.invalid/Shared%20Documents`,
      list: { contentTypesEnabled: false, hidden: false, template: "documentLibrary" },
    },
  ];
}

// ---- Identity governance and protection -----------------------------------------------------------------

export function accessReviewDefinitions(ctx: GenContext): MG.AccessReviewScheduleDefinition[] {
  const groupId = ctx.counts.group > 0 ? ctx.ids.encode("group", 0) : g(ctx, 210);
  const scope = {
    "@odata.type": "#microsoft.graph.accessReviewQueryScope",
    query: `/groups/${groupId}/transitiveMembers`,
    queryRoot: null,
    queryType: "MicrosoftGraph",
  } as MG.AccessReviewQueryScope;
  return [
    {
      id: g(ctx, 211),
      createdDateTime: iso(ctx.ref - 120 * DAY),
      descriptionForAdmins: "Quarterly review of guest access",
      descriptionForReviewers: "Please confirm each guest still needs access.",
      displayName: "Quarterly guest access review",
      fallbackReviewers: [],
      instanceEnumerationScope: scope,
      lastModifiedDateTime: iso(ctx.ref - 30 * DAY),
      reviewers: [{ query: "./manager", queryRoot: null, queryType: "MicrosoftGraph" }],
      scope,
      settings: {
        autoApplyDecisionsEnabled: unit(ctx.seed, KM, 212) < 0.5,
        decisionHistoriesForReviewersEnabled: false,
        defaultDecision: "None",
        defaultDecisionEnabled: false,
        instanceDurationInDays: 14,
        justificationRequiredOnApproval: true,
        mailNotificationsEnabled: true,
        recommendationsEnabled: true,
        reminderNotificationsEnabled: true,
      },
      stageSettings: [],
      status: "InProgress",
    },
  ];
}

export function appConsentRequests(ctx: GenContext): MG.AppConsentRequest[] {
  return [
    {
      id: g(ctx, 220),
      appDisplayName: "Mail Merge Helper",
      appId: g(ctx, 221),
      pendingScopes: [{ displayName: "Mail.Send" }, { displayName: "Contacts.Read" }],
    },
  ];
}

export function riskyUsers(ctx: GenContext): MG.RiskyUser[] {
  return someUsers(ctx, 230, 3).map((u, k) => ({
    id: u.id!,
    isDeleted: false,
    isProcessing: false,
    riskDetail: "none",
    riskLastUpdatedDateTime: iso(ctx.ref - k * DAY),
    riskLevel: (["high", "medium", "low"] as const)[k]!,
    riskState: "atRisk",
    userDisplayName: u.displayName ?? null,
    userPrincipalName: u.userPrincipalName ?? null,
  }));
}

export function riskDetections(ctx: GenContext): MG.RiskDetection[] {
  return someUsers(ctx, 240, 2).map((u, k) => ({
    id: g(ctx, 241, k),
    activity: "signin",
    activityDateTime: iso(ctx.ref - k * DAY),
    additionalInfo: null,
    correlationId: g(ctx, 242, k),
    detectedDateTime: iso(ctx.ref - k * DAY),
    detectionTimingType: "realtime",
    ipAddress: "192.0.2.44",
    lastUpdatedDateTime: iso(ctx.ref - k * DAY),
    location: { city: "Unknown", countryOrRegion: "ZZ", geoCoordinates: null, state: null },
    requestId: g(ctx, 243, k),
    riskDetail: "none",
    riskEventType: k === 0 ? "unfamiliarFeatures" : "anonymizedIPAddress",
    riskLevel: "medium",
    riskState: "atRisk",
    source: "IdentityProtection",
    tokenIssuerType: "AzureAD",
    userDisplayName: u.displayName ?? null,
    userId: u.id ?? null,
    userPrincipalName: u.userPrincipalName ?? null,
  }));
}

export function managedTenants(ctx: GenContext): Record<string, unknown>[] {
  return [
    {
      id: ctx.tenantId,
      tenantId: ctx.tenantId,
      displayName: ctx.tenantName,
      contract: null,
      tenantStatusInformation: null,
    },
  ];
}
