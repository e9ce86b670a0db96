import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { SimApp, SimSecret, TenantIdentity, TenantLicences } from "../types.js";
import { GUID_RE, secretFromBytes } from "./ids.js";

/** Path segments that name no single tenant (resolved from the client id where Entra allows it). */
export const MULTI_TENANT_SEGMENTS = new Set(["common", "organizations", "consumers"]);

export type TenantLookup =
  | { kind: "tenant"; tenant: TenantIdentity }
  | { kind: "multi"; segment: string }
  | { kind: "unknown"; segment: string };

export type SecretCheck = "ok" | "invalid" | "expired";

export const DEFAULT_ACCESS_TOKEN_LIFETIME_S = 3600;
const DAY_MS = 86_400_000;

/**
 * The identity half's live state: tenants, their apps, secrets, consent and licences. Everything
 * the control API changes goes through here, and the Graph half sees it at once via IdentityPort.
 */
export class IdentityState {
  private readonly byId = new Map<string, TenantIdentity>();
  private readonly byDomain = new Map<string, TenantIdentity>();
  private readonly tokensValidFrom = new Map<string, number>();
  accessTokenLifetimeSeconds = DEFAULT_ACCESS_TOKEN_LIFETIME_S;

  constructor(tenants: TenantIdentity[]) {
    for (const t of tenants) {
      this.byId.set(t.tenantId.toLowerCase(), t);
      this.byDomain.set(t.initialDomain.toLowerCase(), t);
    }
  }

  tenants(): TenantIdentity[] {
    return [...this.byId.values()];
  }

  tenant(tenantId: string): TenantIdentity | undefined {
    return this.byId.get(tenantId.toLowerCase());
  }

  /** A `/{tenant}/...` path segment: tenant id, initial domain, or common/organizations. */
  lookup(segment: string): TenantLookup {
    const key = segment.toLowerCase();
    if (MULTI_TENANT_SEGMENTS.has(key)) return { kind: "multi", segment: key };
    const tenant = this.byId.get(key) ?? this.byDomain.get(key);
    return tenant ? { kind: "tenant", tenant } : { kind: "unknown", segment };
  }

  /** Each tenant's app has its own client id, so a client id names its tenant (for /common). */
  tenantOfClient(clientId: string): TenantIdentity | undefined {
    const key = clientId.toLowerCase();
    return this.tenants().find((t) => t.apps.some((a) => a.clientId.toLowerCase() === key));
  }

  app(tenant: TenantIdentity, clientId?: string): SimApp | undefined {
    if (clientId === undefined) return tenant.apps[0];
    const key = clientId.toLowerCase();
    return tenant.apps.find((a) => a.clientId.toLowerCase() === key);
  }

  checkSecret(app: SimApp, presented: string, now = Date.now()): SecretCheck {
    const match = app.secrets.find((s) => sameSecret(s.value, presented));
    if (!match) return "invalid";
    return Date.parse(match.endDateTime) <= now ? "expired" : "ok";
  }

  // --- control-side mutations ---

  setConsentRevoked(app: SimApp, revoked: boolean): void {
    app.consentRevoked = revoked;
  }

  setDeleted(app: SimApp, deleted: boolean): void {
    app.deleted = deleted;
  }

  addSecret(app: SimApp, opts: { expiresInDays?: number; now?: number } = {}): SimSecret {
    const now = opts.now ?? Date.now();
    const secret: SimSecret = {
      keyId: randomUUID(),
      value: secretFromBytes(randomBytes(40)),
      endDateTime: new Date(now + (opts.expiresInDays ?? 730) * DAY_MS).toISOString(),
    };
    app.secrets.push(secret);
    return secret;
  }

  /** Replaces every secret with a new one: the old values stop working at once. */
  rotateSecret(app: SimApp, opts: { expiresInDays?: number; now?: number } = {}): SimSecret {
    app.secrets.length = 0;
    return this.addSecret(app, opts);
  }

  /** Moves the end date of one secret (or all) into the past: AADSTS7000222 from now on. */
  expireSecrets(app: SimApp, keyId?: string, now = Date.now()): string[] {
    const targets = app.secrets.filter((s) => keyId === undefined || s.keyId === keyId);
    for (const s of targets) s.endDateTime = new Date(now - 1000).toISOString();
    return targets.map((s) => s.keyId);
  }

  setLicences(tenant: TenantIdentity, patch: Partial<TenantLicences>): TenantLicences {
    Object.assign(tenant.licences, patch);
    return tenant.licences;
  }

  setPermission(app: SimApp, kind: "application" | "delegated", permission: string, granted: boolean): void {
    const list = kind === "application" ? app.applicationPermissions : app.delegatedScopes;
    const i = list.findIndex((p) => p.toLowerCase() === permission.toLowerCase());
    if (granted && i < 0) list.push(permission);
    if (!granted && i >= 0) list.splice(i, 1);
  }

  /** Like "revoke sessions" in Entra: refresh tokens issued before now answer AADSTS50173. */
  revokeSessions(tenant: TenantIdentity, now = Date.now()): Date {
    this.tokensValidFrom.set(tenant.tenantId, now);
    return new Date(now);
  }

  tokensValidFromOf(tenantId: string): number | undefined {
    return this.tokensValidFrom.get(tenantId);
  }
}

export function isGuid(value: string): boolean {
  return GUID_RE.test(value);
}

function sameSecret(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
