import { hash4, hashString } from "../hash.js";
import { IdCodec } from "../ids.js";
import type { Kind } from "../kinds.js";
import { ACTIVATED_ROLE_TEMPLATES, FIRST_PARTY_APPS } from "./catalog.js";

/** Sizes asked for; missing ones derive from `users`. */
export interface DirectorySizes {
  users: number;
  groups?: number;
  applications?: number;
  devices?: number;
}

export interface Counts extends Record<Kind, number> {
  /** Service principal layout: [first-party][own apps][third-party apps][managed identities]. */
  firstPartySps: number;
  thirdPartySps: number;
  managedIdentities: number;
}

/** Everything a generator needs besides the index; immutable for the directory's lifetime. */
export interface GenContext {
  seed: number;
  tenantId: string;
  tenantName: string;
  initialDomain: string;
  /** A verified custom domain derived from the tenant name, e.g. contoso.com. */
  primaryDomain: string;
  /** Reference time (ms): generated timestamps are relative to it, so a tenant is a pure function of it. */
  ref: number;
  counts: Counts;
  ids: IdCodec;
}

export const DAY = 86_400_000;

const clampInt = (n: number, min: number, max: number) => Math.min(max, Math.max(min, Math.floor(n)));

export function resolveCounts(sizes: DirectorySizes): Counts {
  const users = clampInt(sizes.users, 0, 20_000_000);
  const groups =
    sizes.groups === undefined ? Math.max(4, Math.round(users / 20)) : clampInt(sizes.groups, 0, 5_000_000);
  const applications =
    sizes.applications === undefined
      ? Math.max(3, Math.round(users / 100))
      : clampInt(sizes.applications, 0, 1_000_000);
  const devices =
    sizes.devices === undefined ? Math.round(users * 0.6) : clampInt(sizes.devices, 0, 20_000_000);
  const thirdPartySps = Math.max(1, Math.round(applications / 4));
  const managedIdentities = Math.max(1, Math.round(applications / 10));
  const firstPartySps = FIRST_PARTY_APPS.length;
  return {
    user: users,
    group: groups,
    application: applications,
    servicePrincipal: firstPartySps + applications + thirdPartySps + managedIdentities,
    directoryRole: ACTIVATED_ROLE_TEMPLATES.length,
    administrativeUnit: Math.max(2, Math.ceil(users / 5000)),
    oauth2PermissionGrant: 2 * (applications + thirdPartySps),
    orgContact: Math.max(2, Math.round(users / 50)),
    device: devices,
    firstPartySps,
    thirdPartySps,
    managedIdentities,
  };
}

export function createContext(opts: {
  tenantId: string;
  tenantName: string;
  initialDomain: string;
  seed: number;
  sizes: DirectorySizes;
  referenceTime?: number;
}): GenContext {
  const seed = hash4(opts.seed | 0, hashString(opts.tenantId), Math.floor(opts.seed / 2 ** 32));
  const label = opts.initialDomain.split(".")[0] ?? "contoso";
  const ref = opts.referenceTime ?? Math.floor(Date.now() / DAY) * DAY;
  return {
    seed,
    tenantId: opts.tenantId,
    tenantName: opts.tenantName,
    initialDomain: opts.initialDomain,
    primaryDomain: `${label.toLowerCase().replace(/[^a-z0-9-]/g, "") || "contoso"}.com`,
    ref,
    counts: resolveCounts(opts.sizes),
    ids: new IdCodec(seed),
  };
}

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const dayPrefix = new Map<number, string>();

/** Graph timestamps: ISO 8601 in UTC without milliseconds (hot path: cached per day, no Date per call). */
export function iso(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const day = Math.floor(sec / 86_400);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    if (dayPrefix.size < 100_000) dayPrefix.set(day, prefix);
  }
  const s = sec - day * 86_400;
  return `${prefix}${TWO[Math.floor(s / 3600)]}:${TWO[Math.floor(s / 60) % 60]}:${TWO[s % 60]}Z`;
}
