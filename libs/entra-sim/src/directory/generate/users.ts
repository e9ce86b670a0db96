import type * as MG from "@microsoft/microsoft-graph-types";
import { hash4, pick, stableGuid, unit } from "../hash.js";
import { KIND_CODE } from "../kinds.js";
import { SKUS } from "./catalog.js";
import { DAY, type GenContext, iso } from "./context.js";
import { DEPARTMENTS, EXTERNAL_DOMAINS, FIRST_NAMES, JOB_TITLES, LAST_NAMES, OFFICES } from "./names.js";

const K = KIND_CODE.user;
const ascii = (s: string) =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
const FIRST_ASCII = FIRST_NAMES.map(ascii);
const LAST_ASCII = LAST_NAMES.map(ascii);

/** The properties rules and relations need, computed without building the whole object. */
export interface UserTraits {
  guest: boolean;
  enabled: boolean;
  synced: boolean;
  /** Days since the last interactive sign-in, or null when the user never signed in. */
  lastSignInDaysAgo: number | null;
}

export function userTraits(ctx: GenContext, u: number): UserTraits {
  const guest = u > 0 && unit(ctx.seed, K, u, 1) < 0.1;
  const enabled = u < 3 || unit(ctx.seed, K, u, 2) >= 0.08;
  const synced = !guest && u >= 3 && unit(ctx.seed, K, u, 3) < 0.4;
  const r = unit(ctx.seed, K, u, 4);
  const lastSignInDaysAgo =
    r < 0.05 && u >= 3
      ? null
      : r < 0.2 && u >= 3
        ? 91 + (hash4(ctx.seed, K, u, 5) % 400)
        : hash4(ctx.seed, K, u, 5) % 30;
  return { guest, enabled, synced, lastSignInDaysAgo };
}

const E3 = SKUS[0]!.skuId;
const E5 = SKUS[1]!.skuId;
const PBI = SKUS[2]!.skuId;

export function userAt(ctx: GenContext, u: number): MG.User {
  const s = ctx.seed;
  const tr = userTraits(ctx, u);
  const fi = hash4(s, K, u, 6) % FIRST_NAMES.length;
  const li = hash4(s, K, u, 7) % LAST_NAMES.length;
  const first = FIRST_NAMES[fi]!;
  const last = LAST_NAMES[li]!;
  const handle = `${FIRST_ASCII[fi]}.${LAST_ASCII[li]}${u}`;
  const office = OFFICES[hash4(s, K, u, 8) % OFFICES.length]!;
  const created = ctx.ref - (1 + (hash4(s, K, u, 9) % (5 * 365))) * DAY - (hash4(s, K, u, 10) % DAY);
  const id = ctx.ids.encode("user", u);
  const extDomain = pick(EXTERNAL_DOMAINS, hash4(s, K, u, 11));
  const upn = tr.guest
    ? `${handle}_${extDomain.replace(".", "_")}#EXT#@${ctx.initialDomain}`
    : `${handle}@${ctx.primaryDomain}`;
  const mail = tr.guest ? `${handle}@${extDomain}` : `${handle}@${ctx.primaryDomain}`;
  const department = tr.guest ? null : pick(DEPARTMENTS, hash4(s, K, u, 12));
  const jobTitle = tr.guest ? null : pick(JOB_TITLES, hash4(s, K, u, 13));
  const licR = unit(s, K, u, 14);
  const assignedLicenses: MG.AssignedLicense[] = tr.guest
    ? []
    : licR < 0.1
      ? []
      : licR < 0.3
        ? [{ disabledPlans: [], skuId: E5 }]
        : licR < 0.9
          ? [{ disabledPlans: [], skuId: E3 }]
          : [
              { disabledPlans: [], skuId: E3 },
              { disabledPlans: [], skuId: PBI },
            ];
  const lastSignIn =
    tr.lastSignInDaysAgo === null ? null : ctx.ref - tr.lastSignInDaysAgo * DAY - (hash4(s, K, u, 15) % DAY);
  const nonInteractive = lastSignIn === null ? null : lastSignIn + (hash4(s, K, u, 16) % (2 * DAY));
  const pendingGuest = tr.guest && unit(s, K, u, 17) < 0.25;
  const syncTime = ctx.ref - (hash4(s, K, u, 18) % 7200) * 1000;
  const sam = `${FIRST_ASCII[fi]!.slice(0, 1)}${LAST_ASCII[li]}${u}`.slice(0, 20);
  return {
    id,
    deletedDateTime: null,
    accountEnabled: tr.enabled,
    ageGroup: null,
    assignedLicenses,
    businessPhones: tr.guest ? [] : [`+1 425 555 ${String(1000 + (u % 9000)).padStart(4, "0")}`],
    city: tr.guest ? null : office.city,
    companyName: tr.guest ? null : ctx.tenantName,
    country: tr.guest ? null : office.country,
    createdDateTime: iso(created),
    creationType: tr.guest ? "Invitation" : null,
    department,
    displayName: tr.guest ? `${first} ${last} (${extDomain})` : `${first} ${last}`,
    employeeId: tr.guest ? null : String(100000 + u),
    employeeType: tr.guest ? null : unit(s, K, u, 19) < 0.1 ? "Contractor" : "Employee",
    externalUserState: tr.guest ? (pendingGuest ? "PendingAcceptance" : "Accepted") : null,
    externalUserStateChangeDateTime: tr.guest ? iso(created + DAY) : null,
    givenName: first,
    identities: tr.guest
      ? [{ signInType: "userPrincipalName", issuer: ctx.initialDomain, issuerAssignedId: upn }]
      : [{ signInType: "userPrincipalName", issuer: ctx.initialDomain, issuerAssignedId: upn }],
    jobTitle,
    lastPasswordChangeDateTime: iso(created + (hash4(s, K, u, 20) % 400) * DAY),
    mail,
    mailNickname: tr.guest ? `${handle}_${extDomain.replace(".", "_")}#EXT#` : handle,
    mobilePhone:
      tr.guest || unit(s, K, u, 21) < 0.5 ? null : `+1 206 555 ${String(u % 10000).padStart(4, "0")}`,
    officeLocation: tr.guest ? null : `${office.city}/${1 + (u % 40)}`,
    onPremisesDistinguishedName: tr.synced
      ? `CN=${first} ${last},OU=Users,DC=${ctx.primaryDomain.split(".")[0]},DC=local`
      : null,
    onPremisesDomainName: tr.synced ? `${ctx.primaryDomain.split(".")[0]}.local` : null,
    onPremisesImmutableId: tr.synced
      ? Buffer.from(stableGuid(s, K, u, 40).replaceAll("-", ""), "hex").toString("base64")
      : null,
    onPremisesLastSyncDateTime: tr.synced ? iso(syncTime) : null,
    onPremisesSamAccountName: tr.synced ? sam : null,
    onPremisesSecurityIdentifier: tr.synced
      ? `S-1-5-21-${hash4(s, 77)}-${hash4(s, 78)}-${hash4(s, 79)}-${1100 + u}`
      : null,
    onPremisesSyncEnabled: tr.synced ? true : null,
    onPremisesUserPrincipalName: tr.synced ? `${handle}@${ctx.primaryDomain}` : null,
    otherMails: tr.guest ? [mail] : [],
    passwordPolicies: tr.synced
      ? "DisablePasswordExpiration"
      : unit(s, K, u, 22) < 0.15
        ? "DisablePasswordExpiration"
        : null,
    postalCode: tr.guest ? null : String(10000 + (hash4(s, K, u, 23) % 89999)),
    preferredDataLocation: null,
    preferredLanguage: tr.guest ? null : "en-US",
    proxyAddresses: tr.guest ? [] : [`SMTP:${mail}`, `smtp:${handle}@${ctx.initialDomain}`],
    securityIdentifier: `S-1-12-1-${hash4(s, K, u, 24)}-${hash4(s, K, u, 25)}-${hash4(s, K, u, 26)}-${hash4(s, K, u, 27)}`,
    showInAddressList: null,
    signInActivity: {
      lastSignInDateTime: lastSignIn === null ? null : iso(lastSignIn),
      lastSignInRequestId: lastSignIn === null ? null : stableGuid(s, K, u, 50),
      lastNonInteractiveSignInDateTime:
        nonInteractive === null ? null : iso(Math.min(nonInteractive, ctx.ref)),
      lastNonInteractiveSignInRequestId: nonInteractive === null ? null : stableGuid(s, K, u, 54),
      lastSuccessfulSignInDateTime: lastSignIn === null ? null : iso(lastSignIn),
      lastSuccessfulSignInRequestId: lastSignIn === null ? null : stableGuid(s, K, u, 50),
    },
    signInSessionsValidFromDateTime: iso(created),
    state: tr.guest ? null : office.state,
    streetAddress: tr.guest ? null : `${1 + (u % 999)} Main Street`,
    surname: last,
    usageLocation: tr.guest ? null : office.usage,
    userPrincipalName: upn,
    userType: tr.guest ? "Guest" : "Member",
  };
}
