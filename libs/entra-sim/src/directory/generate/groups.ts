import type * as MG from "@microsoft/microsoft-graph-types";
import { hash4, pick, unit } from "../hash.js";
import { KIND_CODE } from "../kinds.js";
import { DAY, type GenContext, iso } from "./context.js";
import { DEPARTMENTS, GROUP_WORDS } from "./names.js";

const K = KIND_CODE.group;

export type GroupFlavour =
  | "microsoft365"
  | "roleAssignable"
  | "dynamic"
  | "mailEnabledSecurity"
  | "syncedSecurity"
  | "security";

/** Group flavour by index: the first ten groups of any tenant cover every flavour. */
export function groupFlavour(g: number): GroupFlavour {
  switch (g % 10) {
    case 0:
    case 6:
      return "microsoft365";
    case 1:
      return "roleAssignable";
    case 2:
      return "dynamic";
    case 3:
      return "mailEnabledSecurity";
    case 4:
    case 8:
      return "syncedSecurity";
    default:
      return "security";
  }
}

export function isTeam(g: number): boolean {
  return groupFlavour(g) === "microsoft365" && g % 20 === 0;
}

export function groupAt(ctx: GenContext, g: number): MG.Group {
  const s = ctx.seed;
  const flavour = groupFlavour(g);
  const word = pick(GROUP_WORDS, hash4(s, K, g, 1));
  const prefix = flavour === "roleAssignable" ? "PRIV" : flavour === "microsoft365" ? "M365" : "SG";
  const displayName = `${prefix} ${word} ${g}`;
  const nickname = displayName.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const created = ctx.ref - (1 + (hash4(s, K, g, 2) % (4 * 365))) * DAY - (hash4(s, K, g, 3) % DAY);
  const m365 = flavour === "microsoft365";
  const mailEnabled = m365 || flavour === "mailEnabledSecurity";
  const synced = flavour === "syncedSecurity";
  const mail = mailEnabled ? `${nickname}@${ctx.primaryDomain}` : null;
  const dept = pick(DEPARTMENTS, hash4(s, K, g, 4));
  return {
    id: ctx.ids.encode("group", g),
    deletedDateTime: null,
    classification: m365 && unit(s, K, g, 5) < 0.3 ? "Confidential" : null,
    createdDateTime: iso(created),
    description: `${word} ${m365 ? "collaboration" : "access"} group`,
    displayName,
    expirationDateTime:
      m365 && unit(s, K, g, 6) < 0.2 ? iso(ctx.ref + (10 + (hash4(s, K, g, 7) % 170)) * DAY) : null,
    groupTypes: m365 ? ["Unified"] : flavour === "dynamic" ? ["DynamicMembership"] : [],
    isAssignableToRole: flavour === "roleAssignable" ? true : null,
    mail,
    mailEnabled,
    mailNickname: nickname,
    membershipRule: flavour === "dynamic" ? `(user.department -eq "${dept}")` : null,
    membershipRuleProcessingState: flavour === "dynamic" ? "On" : null,
    onPremisesDomainName: synced ? `${ctx.primaryDomain.split(".")[0]}.local` : null,
    onPremisesLastSyncDateTime: synced ? iso(ctx.ref - (hash4(s, K, g, 8) % 3600) * 1000) : null,
    onPremisesNetBiosName: synced ? (ctx.primaryDomain.split(".")[0] ?? "CORP").toUpperCase() : null,
    onPremisesSamAccountName: synced ? nickname.slice(0, 20) : null,
    onPremisesSecurityIdentifier: synced
      ? `S-1-5-21-${hash4(s, 77)}-${hash4(s, 78)}-${hash4(s, 79)}-${5000 + g}`
      : null,
    onPremisesSyncEnabled: synced ? true : null,
    onPremisesProvisioningErrors: [],
    preferredDataLocation: null,
    preferredLanguage: null,
    proxyAddresses: mail ? [`SMTP:${mail}`] : [],
    renewedDateTime: iso(created),
    securityEnabled: !m365 || unit(s, K, g, 9) < 0.2,
    securityIdentifier: `S-1-12-1-${hash4(s, K, g, 10)}-${hash4(s, K, g, 11)}-${hash4(s, K, g, 12)}-${hash4(s, K, g, 13)}`,
    serviceProvisioningErrors: [],
    theme: null,
    uniqueName: null,
    visibility: m365
      ? unit(s, K, g, 14) < 0.6
        ? "Public"
        : "Private"
      : flavour === "roleAssignable"
        ? "Private"
        : null,
  };
}

/** Graph's `resourceProvisioningOptions` is not in the v1.0 type set but is returned for teams. */
export function groupExtras(g: number): {
  resourceProvisioningOptions: string[];
  resourceBehaviorOptions: string[];
} {
  return {
    resourceProvisioningOptions: isTeam(g) ? ["Team"] : [],
    resourceBehaviorOptions: groupFlavour(g) === "microsoft365" ? ["WelcomeEmailDisabled"] : [],
  };
}
