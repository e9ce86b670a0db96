import type * as MG from "@microsoft/microsoft-graph-types";
import { hash4, pick, stableGuid, unit } from "../hash.js";
import { KIND_CODE } from "../kinds.js";
import {
  FIRST_PARTY_APPS,
  GRAPH_APP_ID,
  GRAPH_APP_ROLES,
  GRAPH_SCOPES,
  type GraphPermission,
  MICROSOFT_TENANT_ID,
} from "./catalog.js";
import { DAY, type GenContext, iso } from "./context.js";
import { APP_WORDS, EXTERNAL_DOMAINS } from "./names.js";

const KA = KIND_CODE.application;
const KS = KIND_CODE.servicePrincipal;
const KG = KIND_CODE.oauth2PermissionGrant;
const APPID = 0xa991d;
const TP = 0x7b17;
const MI = 0x3a11;

export type SpRole =
  | { type: "firstParty"; local: number }
  | { type: "own"; local: number }
  | { type: "thirdParty"; local: number }
  | { type: "managedIdentity"; local: number };

export function spRole(ctx: GenContext, s: number): SpRole {
  const { firstPartySps: fp, application: a, thirdPartySps: tp } = ctx.counts;
  if (s < fp) return { type: "firstParty", local: s };
  if (s < fp + a) return { type: "own", local: s - fp };
  if (s < fp + a + tp) return { type: "thirdParty", local: s - fp - a };
  return { type: "managedIdentity", local: s - fp - a - tp };
}

export function applicationAppId(ctx: GenContext, a: number): string {
  return stableGuid(ctx.seed, APPID, a);
}

function appName(ctx: GenContext, a: number): string {
  return `${pick(APP_WORDS, hash4(ctx.seed, KA, a, 1))} ${a}`;
}

/** A mix of healthy, expired, expiring-within-30-days and overly long-lived secrets. */
function passwordCredentials(
  ctx: GenContext,
  kind: number,
  i: number,
  created: number,
): MG.PasswordCredential[] {
  const s = ctx.seed;
  const n = hash4(s, kind, i, 20) % 4;
  return Array.from({ length: n }, (_, k) => {
    const r = unit(s, kind, i, 21 + k);
    const end =
      r < 0.2
        ? ctx.ref - (1 + (hash4(s, kind, i, 30 + k) % 365)) * DAY
        : r < 0.35
          ? ctx.ref + (1 + (hash4(s, kind, i, 30 + k) % 29)) * DAY
          : r < 0.45
            ? ctx.ref + (1000 + (hash4(s, kind, i, 30 + k) % 2000)) * DAY
            : ctx.ref + (60 + (hash4(s, kind, i, 30 + k) % 640)) * DAY;
    const validity = r >= 0.35 && r < 0.45 ? 3650 : [180, 365, 730][hash4(s, kind, i, 40 + k) % 3]!;
    const start = Math.max(created, end - validity * DAY);
    const keyId = stableGuid(s, kind, i, 100 + k * 4);
    return {
      customKeyIdentifier: null,
      displayName: k === 0 ? "Production secret" : `secret-${k}`,
      endDateTime: iso(end),
      hint: keyId.slice(0, 3),
      keyId,
      secretText: null,
      startDateTime: iso(start),
    };
  });
}

function keyCredentials(ctx: GenContext, kind: number, i: number, subject: string): MG.KeyCredential[] {
  const s = ctx.seed;
  if (unit(s, kind, i, 50) >= 0.4) return [];
  const r = unit(s, kind, i, 51);
  const end =
    r < 0.15
      ? ctx.ref - (1 + (hash4(s, kind, i, 52) % 200)) * DAY
      : r < 0.3
        ? ctx.ref + (1 + (hash4(s, kind, i, 52) % 29)) * DAY
        : ctx.ref + (90 + (hash4(s, kind, i, 52) % 600)) * DAY;
  const thumb = Buffer.from(
    stableGuid(s, kind, i, 60).replaceAll("-", "") + stableGuid(s, kind, i, 64).slice(0, 8),
    "hex",
  );
  return [
    {
      customKeyIdentifier: thumb.toString("hex").toUpperCase(),
      displayName: `CN=${subject}`,
      endDateTime: iso(end),
      key: null,
      keyId: stableGuid(s, kind, i, 70),
      startDateTime: iso(end - 365 * DAY),
      type: "AsymmetricX509Cert",
      usage: "Verify",
    },
  ];
}

/** `api` of an app registration that exposes no API of its own (also what a created app starts with). */
export function emptyAppApi() {
  return {
    acceptMappedClaims: null,
    knownClientApplications: [],
    oauth2PermissionScopes: [],
    preAuthorizedApplications: [],
    requestedAccessTokenVersion: 2,
  };
}

/** `info` without marketing, support or terms links (apps and service principals). */
export function emptyInfoUrls() {
  return {
    logoUrl: null,
    marketingUrl: null,
    privacyStatementUrl: null,
    supportUrl: null,
    termsOfServiceUrl: null,
  };
}

export function unverifiedPublisher() {
  return { addedDateTime: null, displayName: null, verifiedPublisherId: null };
}

export function applicationAt(ctx: GenContext, a: number): MG.Application {
  const s = ctx.seed;
  const appId = applicationAppId(ctx, a);
  const name = appName(ctx, a);
  const created = ctx.ref - (1 + (hash4(s, KA, a, 2) % (3 * 365))) * DAY;
  const audR = unit(s, KA, a, 3);
  const signInAudience =
    audR < 0.75 ? "AzureADMyOrg" : audR < 0.95 ? "AzureADMultipleOrgs" : "AzureADandPersonalMicrosoftAccount";
  const roles: GraphPermission[] = [];
  for (let k = 0; k < hash4(s, KA, a, 4) % 3; k++) {
    const p = GRAPH_APP_ROLES[hash4(s, KA, a, 5 + k) % GRAPH_APP_ROLES.length]!;
    if (!roles.includes(p)) roles.push(p);
  }
  const implicit = unit(s, KA, a, 8) < 0.15;
  const host = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return {
    id: ctx.ids.encode("application", a),
    deletedDateTime: null,
    addIns: [],
    api: emptyAppApi(),
    appId,
    applicationTemplateId: null,
    appRoles: [],
    createdDateTime: iso(created),
    defaultRedirectUri: null,
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: name,
    groupMembershipClaims: unit(s, KA, a, 9) < 0.2 ? "SecurityGroup" : null,
    identifierUris: unit(s, KA, a, 10) < 0.4 ? [`api://${appId}`] : [],
    info: emptyInfoUrls(),
    isDeviceOnlyAuthSupported: null,
    isFallbackPublicClient: unit(s, KA, a, 11) < 0.1 ? true : null,
    keyCredentials: keyCredentials(ctx, KA, a, `${host}.${ctx.primaryDomain}`),
    notes: null,
    optionalClaims: null,
    parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: "Allow" },
    passwordCredentials: passwordCredentials(ctx, KA, a, created),
    publicClient: { redirectUris: [] },
    publisherDomain: ctx.primaryDomain,
    requiredResourceAccess: [
      {
        resourceAppId: GRAPH_APP_ID,
        resourceAccess: [
          { id: GRAPH_SCOPES[0]!.id, type: "Scope" },
          ...roles.map((p) => ({ id: p.id, type: "Role" })),
        ],
      },
    ],
    serviceManagementReference: null,
    signInAudience,
    spa: { redirectUris: [] },
    tags: [],
    tokenEncryptionKeyId: null,
    uniqueName: null,
    verifiedPublisher: unverifiedPublisher(),
    web: {
      homePageUrl: `https://${host}.${ctx.primaryDomain}`,
      implicitGrantSettings: { enableAccessTokenIssuance: implicit, enableIdTokenIssuance: implicit },
      logoutUrl: null,
      redirectUris: [`https://${host}.${ctx.primaryDomain}/signin-oidc`],
      redirectUriSettings: [],
    },
  };
}

const EMPTY_SP_FIELDS = {
  addIns: [],
  applicationTemplateId: null,
  customSecurityAttributes: null,
  description: null,
  disabledByMicrosoftStatus: null,
  info: emptyInfoUrls(),
  loginUrl: null,
  logoutUrl: null,
  notes: null,
  notificationEmailAddresses: [],
  preferredTokenSigningKeyThumbprint: null,
  resourceSpecificApplicationPermissions: [],
  samlSingleSignOnSettings: null,
  tokenEncryptionKeyId: null,
} satisfies MG.ServicePrincipal;

export function servicePrincipalAt(ctx: GenContext, s: number): MG.ServicePrincipal {
  const seed = ctx.seed;
  const role = spRole(ctx, s);
  const id = ctx.ids.encode("servicePrincipal", s);
  const verified = { addedDateTime: null, displayName: null, verifiedPublisherId: null };
  switch (role.type) {
    case "firstParty": {
      const fp = FIRST_PARTY_APPS[role.local]!;
      const isGraph = fp.appId === GRAPH_APP_ID;
      return {
        id,
        deletedDateTime: null,
        ...EMPTY_SP_FIELDS,
        accountEnabled: true,
        alternativeNames: [],
        appDescription: null,
        appDisplayName: fp.displayName,
        appId: fp.appId,
        appOwnerOrganizationId: MICROSOFT_TENANT_ID,
        appRoleAssignmentRequired: false,
        appRoles: isGraph
          ? GRAPH_APP_ROLES.map((p) => ({
              allowedMemberTypes: ["Application"],
              description: `Allows the app to use ${p.value} without a signed-in user.`,
              displayName: p.value,
              id: p.id,
              isEnabled: true,
              origin: "Application",
              value: p.value,
            }))
          : [],
        displayName: fp.displayName,
        homepage: null,
        keyCredentials: [],
        oauth2PermissionScopes: isGraph
          ? GRAPH_SCOPES.map((p) => ({
              adminConsentDescription: `Allows the app to use ${p.value} on behalf of the signed-in user.`,
              adminConsentDisplayName: p.value,
              id: p.id,
              isEnabled: true,
              origin: null,
              type: p.risky ? "Admin" : "User",
              userConsentDescription: `Allows the app to use ${p.value} on your behalf.`,
              userConsentDisplayName: p.value,
              value: p.value,
            }))
          : [],
        passwordCredentials: [],
        preferredSingleSignOnMode: null,
        replyUrls: [],
        servicePrincipalNames: [fp.appId],
        servicePrincipalType: "Application",
        signInAudience: "AzureADMultipleOrgs",
        tags: [],
        verifiedPublisher: verified,
      };
    }
    case "own": {
      const app = applicationAt(ctx, role.local);
      const saml = unit(seed, KS, s, 1) < 0.15;
      return {
        id,
        deletedDateTime: null,
        ...EMPTY_SP_FIELDS,
        accountEnabled: unit(seed, KS, s, 2) >= 0.05,
        alternativeNames: [],
        appDescription: null,
        appDisplayName: app.displayName,
        appId: app.appId,
        appOwnerOrganizationId: ctx.tenantId,
        appRoleAssignmentRequired: unit(seed, KS, s, 3) < 0.3,
        appRoles: [],
        displayName: app.displayName,
        homepage: app.web?.homePageUrl ?? null,
        keyCredentials: saml ? keyCredentials(ctx, KS, s, `Microsoft Azure Federated SSO Certificate`) : [],
        oauth2PermissionScopes: [],
        passwordCredentials: [],
        preferredSingleSignOnMode: saml ? "saml" : null,
        replyUrls: app.web?.redirectUris ?? [],
        servicePrincipalNames: [app.appId ?? "", ...(app.identifierUris ?? [])],
        servicePrincipalType: "Application",
        signInAudience: app.signInAudience,
        tags: [
          "WindowsAzureActiveDirectoryIntegratedApp",
          ...(saml ? ["WindowsAzureActiveDirectoryCustomSingleSignOnApplication"] : []),
        ],
        verifiedPublisher: verified,
      };
    }
    case "thirdParty": {
      const appId = stableGuid(seed, TP, role.local);
      const domain = pick(EXTERNAL_DOMAINS.slice(0, 5), hash4(seed, TP, role.local, 1));
      const name = `${pick(APP_WORDS, hash4(seed, TP, role.local, 2))} by ${domain.split(".")[0]}`;
      const isVerified = unit(seed, TP, role.local, 3) < 0.5;
      return {
        id,
        deletedDateTime: null,
        ...EMPTY_SP_FIELDS,
        accountEnabled: true,
        alternativeNames: [],
        appDescription: null,
        appDisplayName: name,
        appId,
        appOwnerOrganizationId: stableGuid(seed, TP, role.local, 10),
        appRoleAssignmentRequired: false,
        appRoles: [],
        displayName: name,
        homepage: `https://www.${domain}`,
        keyCredentials: [],
        oauth2PermissionScopes: [],
        passwordCredentials: [],
        preferredSingleSignOnMode: null,
        replyUrls: [`https://app.${domain}/auth/callback`],
        servicePrincipalNames: [appId],
        servicePrincipalType: "Application",
        signInAudience: "AzureADMultipleOrgs",
        tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
        verifiedPublisher: isVerified
          ? {
              addedDateTime: iso(ctx.ref - 400 * DAY),
              displayName: domain.split(".")[0] ?? domain,
              verifiedPublisherId: String(1000000 + role.local),
            }
          : verified,
      };
    }
    case "managedIdentity": {
      const appId = stableGuid(seed, MI, role.local);
      const name = `mi-${pick(APP_WORDS, hash4(seed, MI, role.local, 1))
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")}-${role.local}`;
      const resource = `/subscriptions/${stableGuid(seed, MI, 0, 9)}/resourcegroups/rg-prod/providers/Microsoft.Web/sites/${name}`;
      return {
        id,
        deletedDateTime: null,
        ...EMPTY_SP_FIELDS,
        accountEnabled: true,
        alternativeNames: ["isExplicit=False", resource],
        appDescription: null,
        appDisplayName: null,
        appId,
        appOwnerOrganizationId: null,
        appRoleAssignmentRequired: false,
        appRoles: [],
        displayName: name,
        homepage: null,
        keyCredentials: [
          {
            customKeyIdentifier: stableGuid(seed, MI, role.local, 3).replaceAll("-", "").toUpperCase(),
            displayName: `CN=${appId}, DC=${ctx.tenantId}`,
            endDateTime: iso(ctx.ref + 60 * DAY),
            key: null,
            keyId: stableGuid(seed, MI, role.local, 7),
            startDateTime: iso(ctx.ref - 30 * DAY),
            type: "AsymmetricX509Cert",
            usage: "Verify",
          },
        ],
        oauth2PermissionScopes: [],
        passwordCredentials: [],
        preferredSingleSignOnMode: null,
        replyUrls: [],
        servicePrincipalNames: [appId, `https://identity.azure.net/${stableGuid(seed, MI, role.local, 5)}`],
        servicePrincipalType: "ManagedIdentity",
        signInAudience: null,
        tags: [],
        verifiedPublisher: verified,
      };
    }
  }
}

const BENIGN_SCOPES = [
  "openid profile email offline_access User.Read",
  "User.Read",
  "openid profile User.Read offline_access",
];
const RISKY_SCOPES = [
  "Mail.Read offline_access User.Read",
  "Files.Read.All Mail.Read offline_access",
  "Directory.AccessAsUser.All offline_access",
];

/** Grant i belongs to client j = i >> 1: even indices are tenant-wide (AllPrincipals), odd per-user. */
export function grantAt(
  ctx: GenContext,
  i: number,
  graphSpId: string,
  userId: (u: number) => string,
): MG.OAuth2PermissionGrant {
  const s = ctx.seed;
  const client = ctx.counts.firstPartySps + (i >> 1);
  const perUser = (i & 1) === 1 && ctx.counts.user > 0;
  const risky = unit(s, KG, i, 1) < 0.3;
  return {
    id: ctx.ids.encode("oauth2PermissionGrant", i),
    clientId: ctx.ids.encode("servicePrincipal", client),
    consentType: perUser ? "Principal" : "AllPrincipals",
    principalId: perUser ? userId(hash4(s, KG, i, 2) % ctx.counts.user) : null,
    resourceId: graphSpId,
    scope: ` ${pick(risky ? RISKY_SCOPES : BENIGN_SCOPES, hash4(s, KG, i, 3))}`.trimStart(),
  };
}

/** appRoleAssignment ids are 43-character base64url strings in Graph. */
export function assignmentId(ctx: GenContext, a: number, b: number, c: number): string {
  const hex =
    stableGuid(ctx.seed, a, b, c).replaceAll("-", "") + stableGuid(ctx.seed, a, b, c + 8).replaceAll("-", "");
  return Buffer.from(hex, "hex").toString("base64url");
}
