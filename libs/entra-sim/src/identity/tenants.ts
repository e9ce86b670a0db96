import type { SimApp, SimSecret, TenantIdentity, TenantLicences } from "../types.js";
import { seededGuid, seededSecret } from "./ids.js";
import { APPLICATION_PERMISSIONS, DELEGATED_SCOPES } from "./permissions.js";

export interface TenantSpec {
  displayName?: string;
  licences?: Partial<TenantLicences>;
}

/** Registered for every app: the gateway's callback on loopback (any port matches, RFC 8252 7.3). */
export const DEFAULT_REDIRECT_URIS: readonly string[] = [
  "http://localhost/oauth/callback",
  "http://127.0.0.1/oauth/callback",
];

const TENANT_NAMES = [
  "Contoso",
  "Fabrikam",
  "Northwind Traders",
  "Woodgrove Bank",
  "Tailspin Toys",
  "Adventure Works",
  "Litware",
  "Wide World Importers",
  "Alpine Ski House",
  "Proseware",
];

export const SECRET_LIFETIME_DAYS = 730;
const DAY_MS = 86_400_000;

export const DEFAULT_LICENCES: TenantLicences = { p1: true, p2: true, intune: true };

/** Tenant identities, deterministic from the seed (ids, names, client ids and secrets). */
export function buildTenants(opts: {
  seed: number;
  tenants: TenantSpec[];
  redirectUris: readonly string[];
  now: Date;
}): TenantIdentity[] {
  const usedDomains = new Set<string>();
  return opts.tenants.map((spec, i) => {
    const baseName = spec.displayName ?? TENANT_NAMES[i % TENANT_NAMES.length] ?? "Contoso";
    const displayName =
      spec.displayName === undefined && i >= TENANT_NAMES.length
        ? `${baseName} ${Math.floor(i / TENANT_NAMES.length) + 1}`
        : baseName;
    const initialDomain = uniqueDomain(displayName, usedDomains);
    const licences: TenantLicences = { ...DEFAULT_LICENCES, ...spec.licences };
    // P2 includes P1: "no P1" means no P2 either unless P2 is asked for explicitly.
    if (!licences.p1 && spec.licences?.p2 === undefined) licences.p2 = false;
    const app: SimApp = {
      clientId: seededGuid(opts.seed, `tenant:${i}:app`),
      displayName: "Tenantlens",
      secrets: [seededSecretEntry(opts.seed, `tenant:${i}:app:secret:0`, opts.now, SECRET_LIFETIME_DAYS)],
      redirectUris: [...new Set([...opts.redirectUris, ...DEFAULT_REDIRECT_URIS])],
      applicationPermissions: [...APPLICATION_PERMISSIONS],
      delegatedScopes: [...DELEGATED_SCOPES],
      deleted: false,
      consentRevoked: false,
    };
    return {
      tenantId: seededGuid(opts.seed, `tenant:${i}`),
      displayName,
      initialDomain,
      licences,
      apps: [app],
      adminUser: {
        id: seededGuid(opts.seed, `tenant:${i}:admin`),
        userPrincipalName: `admin@${initialDomain}`,
        displayName: "MOD Administrator",
      },
    };
  });
}

export function seededSecretEntry(seed: number, label: string, now: Date, days: number): SimSecret {
  return {
    keyId: seededGuid(seed, `${label}:keyId`),
    value: seededSecret(seed, label),
    endDateTime: new Date(now.getTime() + days * DAY_MS).toISOString(),
  };
}

function uniqueDomain(displayName: string, used: Set<string>): string {
  const slug =
    displayName
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")
      .slice(0, 27) || "tenant";
  let candidate = slug;
  for (let n = 2; used.has(candidate); n++) candidate = `${slug}${n}`;
  used.add(candidate);
  return `${candidate}.onmicrosoft.com`;
}
