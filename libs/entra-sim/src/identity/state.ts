import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type {
  SimApp,
  SimAppChange,
  SimAppChangeKind,
  SimCertificate,
  SimSecret,
  TenantIdentity,
  TenantLicences,
} from "../types.js";
import { certificateFromPem } from "./client-assertion.js";
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
  private readonly appListeners = new Set<(change: SimAppChange) => void>();
  accessTokenLifetimeSeconds = DEFAULT_ACCESS_TOKEN_LIFETIME_S;
  /** Every token request waits this long before it is answered (a slow identity platform). */
  tokenDelayMs = 0;

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

  /** Listens to every app change below (the directory half mirrors apps with it); returns unsubscribe. */
  onAppChange(listener: (change: SimAppChange) => void): () => void {
    this.appListeners.add(listener);
    return () => {
      this.appListeners.delete(listener);
    };
  }

  // --- control-side mutations (each one notifies the app listeners) ---

  setConsentRevoked(app: SimApp, revoked: boolean): void {
    app.consentRevoked = revoked;
    this.appChanged(app, "consent");
  }

  setDeleted(app: SimApp, deleted: boolean): void {
    app.deleted = deleted;
    this.appChanged(app, "deleted");
  }

  addSecret(
    app: SimApp,
    opts: { expiresInDays?: number; displayName?: string; now?: number } = {},
  ): SimSecret {
    const secret = this.newSecret(opts);
    app.secrets.push(secret);
    this.appChanged(app, "secrets");
    return secret;
  }

  /** Registers a certificate credential (PEM); clients may then sign client assertions with its key. */
  addCertificate(app: SimApp, certificatePem: string, displayName?: string): SimCertificate {
    const cert = certificateFromPem(certificatePem, randomUUID(), displayName);
    app.certificates = [...(app.certificates ?? []).filter((c) => c.thumbprint !== cert.thumbprint), cert];
    this.appChanged(app, "secrets");
    return cert;
  }

  /** Replaces every secret with a new one: the old values stop working at once. */
  rotateSecret(
    app: SimApp,
    opts: { expiresInDays?: number; displayName?: string; now?: number } = {},
  ): SimSecret {
    const secret = this.newSecret(opts);
    app.secrets.splice(0, app.secrets.length, secret);
    this.appChanged(app, "secrets");
    return secret;
  }

  /** Moves the end date of one secret (or all) into the past: AADSTS7000222 from now on. */
  expireSecrets(app: SimApp, keyId?: string, now = Date.now()): string[] {
    const targets = app.secrets.filter((s) => keyId === undefined || s.keyId === keyId);
    for (const s of targets) s.endDateTime = new Date(now - 1000).toISOString();
    if (targets.length > 0) this.appChanged(app, "secrets");
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
    this.appChanged(app, "permissions");
  }

  /** Like "revoke sessions" in Entra: refresh tokens issued before now answer AADSTS50173. */
  revokeSessions(tenant: TenantIdentity, now = Date.now()): Date {
    this.tokensValidFrom.set(tenant.tenantId, now);
    return new Date(now);
  }

  tokensValidFromOf(tenantId: string): number | undefined {
    return this.tokensValidFrom.get(tenantId);
  }

  private newSecret(opts: { expiresInDays?: number; displayName?: string; now?: number }): SimSecret {
    const now = opts.now ?? Date.now();
    return {
      keyId: randomUUID(),
      value: secretFromBytes(randomBytes(40)),
      endDateTime: new Date(now + (opts.expiresInDays ?? 730) * DAY_MS).toISOString(),
      startDateTime: new Date(now).toISOString(),
      ...(opts.displayName === undefined ? {} : { displayName: opts.displayName }),
    };
  }

  /**
   * Tells every listener, even when one throws; the first failure is rethrown afterwards so the
   * control request answers 500 instead of hiding a mirror that went out of step.
   */
  private appChanged(app: SimApp, what: SimAppChangeKind): void {
    const tenant = this.tenants().find((t) => t.apps.includes(app));
    if (!tenant) return;
    const failures: unknown[] = [];
    for (const listener of [...this.appListeners]) {
      try {
        listener({ tenantId: tenant.tenantId, app, what });
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
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
