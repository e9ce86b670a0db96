import type * as MG from "@microsoft/microsoft-graph-types";
import { hash4, pick, stableGuid, unit } from "../hash.js";
import { FIRST_PARTY_APPS } from "./catalog.js";
import { DAY, type GenContext, iso } from "./context.js";
import { OFFICES } from "./names.js";
import { userAt, userTraits } from "./users.js";

const KA = 0xa0d1;
const KS = 0x5161;
const KR = 0x7e61;
const WINDOW = 30 * DAY;

/** Generated log sizes: sorted newest first, entry i happens at ref - i * step. */
export function auditCount(ctx: GenContext): number {
  return Math.min(5_000_000, Math.max(50, ctx.counts.user * 2));
}

export function signInCount(ctx: GenContext): number {
  return Math.min(10_000_000, Math.max(100, ctx.counts.user * 5));
}

export function auditStep(ctx: GenContext): number {
  return Math.max(1000, Math.floor(WINDOW / auditCount(ctx)));
}

export function signInStep(ctx: GenContext): number {
  return Math.max(1000, Math.floor(WINDOW / signInCount(ctx)));
}

interface Activity {
  name: string;
  category: string;
  operationType: string;
  target: "user" | "group" | "application" | "servicePrincipal" | "policy";
}

const ACTIVITIES: readonly Activity[] = [
  { name: "Update user", category: "UserManagement", operationType: "Update", target: "user" },
  { name: "Add user", category: "UserManagement", operationType: "Add", target: "user" },
  { name: "Reset user password", category: "UserManagement", operationType: "Update", target: "user" },
  { name: "Add member to group", category: "GroupManagement", operationType: "Assign", target: "group" },
  {
    name: "Remove member from group",
    category: "GroupManagement",
    operationType: "Unassign",
    target: "group",
  },
  {
    name: "Update application – Certificates and secrets management ",
    category: "ApplicationManagement",
    operationType: "Update",
    target: "application",
  },
  {
    name: "Consent to application",
    category: "ApplicationManagement",
    operationType: "Assign",
    target: "servicePrincipal",
  },
  { name: "Add member to role", category: "RoleManagement", operationType: "Assign", target: "user" },
  { name: "Update conditional access policy", category: "Policy", operationType: "Update", target: "policy" },
  { name: "Invite external user", category: "UserManagement", operationType: "Add", target: "user" },
];

function userBrief(ctx: GenContext, u: number): { id: string; upn: string; name: string } {
  const x = userAt(ctx, u);
  return { id: x.id!, upn: x.userPrincipalName ?? "", name: x.displayName ?? "" };
}

export function auditAt(ctx: GenContext, i: number): MG.DirectoryAudit {
  const s = ctx.seed;
  const U = ctx.counts.user;
  const act = pick(ACTIVITIES, hash4(s, KA, i, 1));
  const byApp = unit(s, KA, i, 2) < 0.25 || U === 0;
  const actor = byApp ? null : userBrief(ctx, hash4(s, KA, i, 3) % Math.min(U, 50));
  const failed = unit(s, KA, i, 4) < 0.04;
  let target: MG.TargetResource;
  if (act.target === "user" && U > 0) {
    const t = userBrief(ctx, hash4(s, KA, i, 5) % U);
    target = {
      displayName: t.name,
      groupType: null,
      id: t.id,
      modifiedProperties: [],
      type: "User",
      userPrincipalName: t.upn,
    };
  } else if (act.target === "group" && ctx.counts.group > 0) {
    const g = hash4(s, KA, i, 5) % ctx.counts.group;
    target = {
      displayName: null,
      groupType: null,
      id: ctx.ids.encode("group", g),
      modifiedProperties: [],
      type: "Group",
      userPrincipalName: null,
    };
  } else if (
    (act.target === "application" && ctx.counts.application > 0) ||
    act.target === "servicePrincipal"
  ) {
    const kind = act.target === "application" ? "application" : "servicePrincipal";
    const n = kind === "application" ? ctx.counts.application : ctx.counts.servicePrincipal;
    const idx = hash4(s, KA, i, 5) % Math.max(1, n);
    target = {
      displayName: null,
      groupType: null,
      id: ctx.ids.encode(kind, idx),
      modifiedProperties: [],
      type: kind === "application" ? "Application" : "ServicePrincipal",
      userPrincipalName: null,
    };
  } else {
    target = {
      displayName: "Conditional Access",
      groupType: null,
      id: stableGuid(s, KA, i, 6),
      modifiedProperties: [],
      type: "Policy",
      userPrincipalName: null,
    };
  }
  return {
    id: `Directory_${stableGuid(s, KA, i, 10)}_${hash4(s, KA, i, 11) % 100000}`,
    activityDateTime: iso(ctx.ref - i * auditStep(ctx) - (hash4(s, KA, i, 12) % 1000)),
    activityDisplayName: act.name,
    additionalDetails: [],
    category: act.category,
    correlationId: stableGuid(s, KA, i, 20),
    initiatedBy: byApp
      ? {
          app: {
            appId: FIRST_PARTY_APPS[2]!.appId,
            displayName: "Microsoft Substrate Management",
            servicePrincipalId: ctx.ids.encode("servicePrincipal", 2),
            servicePrincipalName: null,
          },
          user: null,
        }
      : {
          app: null,
          user: {
            id: actor!.id,
            displayName: null,
            ipAddress: "203.0.113.10",
            userPrincipalName: actor!.upn,
          },
        },
    loggedByService: act.category === "Policy" ? "Conditional Access" : "Core Directory",
    operationType: act.operationType,
    result: failed ? "failure" : "success",
    resultReason: failed ? "Insufficient privileges" : "",
    targetResources: [target],
  };
}

const CLIENT_APPS = [
  "Browser",
  "Browser",
  "Browser",
  "Mobile Apps and Desktop clients",
  "Mobile Apps and Desktop clients",
  "Exchange ActiveSync",
  "IMAP4",
  "Authenticated SMTP",
] as const;

const FAILURES: readonly { code: number; reason: string }[] = [
  { code: 50126, reason: "Error validating credentials due to invalid username or password." },
  {
    code: 50053,
    reason:
      "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
  },
  {
    code: 53003,
    reason:
      "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
  },
  { code: 50074, reason: "Strong Authentication is required." },
];

export function signInAt(ctx: GenContext, i: number): MG.SignIn {
  const s = ctx.seed;
  const U = Math.max(1, ctx.counts.user);
  const u = hash4(s, KS, i, 1) % U;
  const who =
    ctx.counts.user > 0
      ? userBrief(ctx, u)
      : { id: stableGuid(s, KS, 0), upn: `admin@${ctx.primaryDomain}`, name: "Admin" };
  const app = FIRST_PARTY_APPS[1 + (hash4(s, KS, i, 2) % (FIRST_PARTY_APPS.length - 1))]!;
  const failed = unit(s, KS, i, 3) < 0.08;
  const failure = pick(FAILURES, hash4(s, KS, i, 4));
  const office = pick(OFFICES, hash4(s, KS, i, 5));
  const risky = unit(s, KS, i, 6) < 0.02;
  const client = pick(CLIENT_APPS, hash4(s, KS, i, 7));
  return {
    id: stableGuid(s, KS, i, 10),
    appDisplayName: app.displayName,
    appId: app.appId,
    appliedConditionalAccessPolicies: [],
    clientAppUsed: client,
    conditionalAccessStatus:
      failed && failure.code === 53003 ? "failure" : unit(s, KS, i, 8) < 0.6 ? "success" : "notApplied",
    correlationId: stableGuid(s, KS, i, 20),
    createdDateTime: iso(ctx.ref - i * signInStep(ctx) - (hash4(s, KS, i, 9) % 1000)),
    deviceDetail: {
      browser: client === "Browser" ? "Edge 124.0.0" : null,
      deviceId: null,
      displayName: null,
      isCompliant: unit(s, KS, i, 11) < 0.6,
      isManaged: unit(s, KS, i, 12) < 0.7,
      operatingSystem: unit(s, KS, i, 13) < 0.7 ? "Windows10" : "Ios",
      trustType: null,
    },
    ipAddress: `198.51.100.${hash4(s, KS, i, 14) % 250}`,
    isInteractive: true,
    location: {
      city: office.city,
      countryOrRegion: office.usage,
      geoCoordinates: {
        altitude: null,
        latitude: 47.6 - (hash4(s, KS, i, 15) % 40),
        longitude: -122.3 + (hash4(s, KS, i, 16) % 160),
      },
      state: office.state,
    },
    resourceDisplayName: "Microsoft Graph",
    resourceId: "00000003-0000-0000-c000-000000000000",
    riskDetail: "none",
    riskEventTypes: risky ? ["unfamiliarFeatures"] : [],
    riskEventTypes_v2: risky ? ["unfamiliarFeatures"] : [],
    riskLevelAggregated: risky ? "medium" : "none",
    riskLevelDuringSignIn: risky ? "medium" : "none",
    riskState: risky ? "atRisk" : "none",
    status: failed
      ? { additionalDetails: null, errorCode: failure.code, failureReason: failure.reason }
      : { additionalDetails: null, errorCode: 0, failureReason: "Other." },
    userDisplayName: who.name,
    userId: who.id,
    userPrincipalName: who.upn,
  };
}

export function registrationDetailsAt(
  ctx: GenContext,
  u: number,
  isAdmin: boolean,
): MG.UserRegistrationDetails {
  const s = ctx.seed;
  const x = userAt(ctx, u);
  const tr = userTraits(ctx, u);
  const r = unit(s, KR, u, 1);
  const mfa = tr.guest ? r < 0.3 : isAdmin ? r < 0.9 : r < 0.7;
  const methods = mfa
    ? (["microsoftAuthenticatorPush", "softwareOneTimePasscode", "mobilePhone"] as const).filter(
        (_, k) => k === 0 || unit(s, KR, u, 2 + k) < 0.5,
      )
    : unit(s, KR, u, 5) < 0.3
      ? (["email"] as const)
      : [];
  const passwordless = mfa && unit(s, KR, u, 6) < 0.15;
  return {
    id: x.id!,
    isAdmin,
    isMfaCapable: mfa && tr.enabled,
    isMfaRegistered: mfa,
    isPasswordlessCapable: passwordless,
    isSsprCapable: methods.length > 0 && !tr.guest,
    isSsprEnabled: !tr.guest,
    isSsprRegistered: methods.length > 0,
    isSystemPreferredAuthenticationMethodEnabled: unit(s, KR, u, 7) < 0.5,
    lastUpdatedDateTime: iso(ctx.ref - (hash4(s, KR, u, 8) % 30) * DAY),
    methodsRegistered: passwordless ? [...methods, "windowsHelloForBusiness"] : [...methods],
    systemPreferredAuthenticationMethods: mfa ? ["push"] : [],
    userDisplayName: x.displayName ?? "",
    userPreferredMethodForSecondaryAuthentication: mfa ? "push" : "none",
    userPrincipalName: x.userPrincipalName ?? "",
    userType: tr.guest ? "guest" : "member",
  };
}
