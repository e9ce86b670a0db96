import { randomBytes } from "node:crypto";

/** An authorization code waiting for redemption (single use, 10 minutes). */
export interface AuthCodeGrant {
  tenantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  /** Graph scopes granted at consent time plus the OIDC scopes asked for. */
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: "S256";
  nonce?: string;
  issuedAt: number;
  expiresAt: number;
  redeemed: boolean;
}

/** A refresh token; rotation marks the old one used so replay answers AADSTS70008. */
export interface RefreshGrant {
  tenantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  used: boolean;
}

/** A consent page shown and not yet answered. */
export interface ConsentTxn {
  kind: "authorize" | "adminconsent";
  tenantId: string;
  clientId: string;
  redirectUri: string;
  responseMode: "query" | "fragment" | "form_post";
  state?: string;
  /** Graph scopes (short names) to grant and the OIDC scopes requested. */
  graphScopes: string[];
  oidcScopes: string[];
  /** The scope string as the client sent it (echoed by adminconsent). */
  rawScope: string;
  codeChallenge?: string;
  codeChallengeMethod?: "S256";
  nonce?: string;
  expiresAt: number;
}

export const CODE_LIFETIME_MS = 10 * 60_000;
export const REFRESH_LIFETIME_MS = 90 * 86_400_000;
const CONSENT_LIFETIME_MS = 10 * 60_000;
/** Expired codes and refresh tokens stay known this long, so late replays still get AADSTS70008. */
const GRACE_MS = 86_400_000;

/**
 * Transient OAuth state. Used codes and refresh tokens are kept until they expire so a replay is
 * told "already redeemed / expired" rather than "unknown"; expired entries are swept on write.
 */
export class GrantStore {
  private readonly codes = new Map<string, AuthCodeGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();
  private readonly consents = new Map<string, ConsentTxn>();

  issueCode(grant: Omit<AuthCodeGrant, "issuedAt" | "expiresAt" | "redeemed">, now = Date.now()): string {
    this.sweep(now);
    const code = `1.A${randomBytes(48).toString("base64url")}`;
    this.codes.set(code, { ...grant, issuedAt: now, expiresAt: now + CODE_LIFETIME_MS, redeemed: false });
    return code;
  }

  code(code: string): AuthCodeGrant | undefined {
    return this.codes.get(code);
  }

  issueRefreshToken(grant: Omit<RefreshGrant, "issuedAt" | "expiresAt" | "used">, now = Date.now()): string {
    this.sweep(now);
    const token = `1.AR${randomBytes(64).toString("base64url")}`;
    this.refresh.set(token, { ...grant, issuedAt: now, expiresAt: now + REFRESH_LIFETIME_MS, used: false });
    return token;
  }

  refreshToken(token: string): RefreshGrant | undefined {
    return this.refresh.get(token);
  }

  /** Test hook behind the control API: every outstanding refresh token of a tenant expires now. */
  expireRefreshTokens(tenantId: string, now = Date.now()): number {
    let n = 0;
    for (const grant of this.refresh.values()) {
      if (grant.tenantId === tenantId && !grant.used && grant.expiresAt > now) {
        grant.expiresAt = now - 1;
        n++;
      }
    }
    return n;
  }

  openConsent(txn: Omit<ConsentTxn, "expiresAt">, now = Date.now()): string {
    this.sweep(now);
    const id = randomBytes(24).toString("base64url");
    this.consents.set(id, { ...txn, expiresAt: now + CONSENT_LIFETIME_MS });
    return id;
  }

  /** Single use: answering a consent page twice (or late) fails. */
  takeConsent(id: string, now = Date.now()): ConsentTxn | undefined {
    const txn = this.consents.get(id);
    this.consents.delete(id);
    return txn && txn.expiresAt > now ? txn : undefined;
  }

  private lastSweep = 0;
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [k, v] of this.codes) if (v.expiresAt < now - GRACE_MS) this.codes.delete(k);
    for (const [k, v] of this.refresh) if (v.expiresAt < now - GRACE_MS) this.refresh.delete(k);
    for (const [k, v] of this.consents) if (v.expiresAt < now) this.consents.delete(k);
  }
}
