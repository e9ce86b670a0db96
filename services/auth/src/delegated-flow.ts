import { AppError, PROVISIONING_PERMISSIONS } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { ConsentStore } from "./adapters/consent-store.js";
import type { DelegatedResult, DelegatedTokenSource } from "./adapters/delegated-client.js";
import type { TokenCacheStore } from "./adapters/token-cache-store.js";
import { authorizeUrl, type ConsentState, newConsentState } from "./domain/consent.js";
import { consentScopes, delegatedReadScopes, provisioningConsentScopes } from "./domain/delegated-scopes.js";
import { classifyTokenFailure } from "./domain/entra-errors.js";
import type { StoredIntegration } from "./domain/integration.js";

/** A credential check: a token, a reason a person must act on, a retry-later, or nothing to check yet. */
export type Verdict =
  | { kind: "ok"; accessToken: string; expiresAt: Date; tenantId: string }
  | { kind: "broken"; reason: string }
  | { kind: "transient"; message: string }
  | { kind: "pending" };

export interface DelegatedFlowDeps {
  consents: ConsentStore;
  caches: TokenCacheStore;
  /** The write-scoped sign-ins (provisioning), kept apart from the read ones. */
  provisionCaches: TokenCacheStore;
  /** null: no Tenantlens app registration configured (TENANTLENS_CLIENT_ID / _SECRET). */
  tokens: DelegatedTokenSource | null;
  authorityHost: string;
  /** `<PUBLIC_URL>/oauth/callback` */
  redirectUri: string;
  /** Still there? A cache written for an integration deleted meanwhile is purged again. */
  exists: (integrationId: string) => Promise<boolean>;
  log: Logger;
  now: () => Date;
}

export const NOT_CONFIGURED =
  "Delegated (sign-in and consent) integrations need Tenantlens's own app registration: set TENANTLENS_CLIENT_ID and TENANTLENS_CLIENT_SECRET on the auth service (see its README), or create an app-mode integration with a client id and secret.";

/**
 * Delegated mode: consent links (authorization code + PKCE + one-time state), code redemption, and
 * refresh-token based access tokens whose msal cache is kept sealed in KV and saved after every
 * acquisition (refresh tokens rotate).
 */
export class DelegatedFlow {
  private readonly readScopes = delegatedReadScopes();
  private readonly authorizeScopes = consentScopes();
  private readonly writeScopes = [...PROVISIONING_PERMISSIONS];

  constructor(private readonly deps: DelegatedFlowDeps) {}

  get clientId(): string {
    return this.app().clientId;
  }

  /**
   * A fresh consent link: the state (with PKCE verifier and nonce) is sealed in KV for 10 minutes.
   * `provision` asks for the write scopes too (incremental consent); its sign-in is stored apart.
   */
  async consentUrl(rec: StoredIntegration, purpose: "read" | "provision" = "read"): Promise<string> {
    const app = this.app();
    const s = newConsentState(
      {
        integrationId: rec.id,
        workspaceId: rec.workspaceId,
        redirectUri: this.deps.redirectUri,
        tenant: rec.tenantId ?? "organizations",
        purpose,
      },
      this.deps.now(),
    );
    await this.deps.consents.put(s);
    const scopes =
      purpose === "provision" ? provisioningConsentScopes(this.writeScopes) : this.authorizeScopes;
    return authorizeUrl(this.deps.authorityHost, app.clientId, scopes, s);
  }

  /** The record of a consent state, removed so it cannot be used again (null: unknown, used or expired). */
  takeState(state: string): Promise<ConsentState | null> {
    return this.deps.consents.take(state);
  }

  /** Redeems the code of a checked state; on success the sealed cache is stored. */
  async redeem(rec: StoredIntegration, s: ConsentState, code: string): Promise<Verdict> {
    const provision = s.purpose === "provision";
    const res = await this.app().redeem({
      integrationId: rec.id,
      tenant: s.tenant,
      code,
      codeVerifier: s.codeVerifier,
      nonce: s.nonce,
      state: s.state,
      redirectUri: s.redirectUri,
      scopes: provision ? this.writeScopes : this.readScopes,
    });
    const verdict = this.judge(res, rec.tenantId ?? s.tenant);
    if (verdict.kind !== "ok" || !res.ok) return verdict;
    if (rec.tenantId && rec.tenantId !== res.tenantId) {
      return {
        kind: "broken",
        reason: `The administrator signed in to tenant ${res.tenantId}, but this integration is for tenant ${rec.tenantId}; nothing was stored. Consent again with an account of tenant ${rec.tenantId}.`,
      };
    }
    if (provision) {
      await this.deps.provisionCaches.put(rec.id, res.cache);
      this.app().forget(provisionKey(rec.id));
    } else {
      await this.save(rec.id, res.cache);
      this.app().forget(rec.id);
    }
    return verdict;
  }

  /** A write-scoped access token from the provisioning sign-in ({kind:"pending"} when there is none). */
  async checkProvision(rec: StoredIntegration, forceRefresh: boolean): Promise<Verdict> {
    if (!this.deps.tokens) return { kind: "broken", reason: NOT_CONFIGURED };
    const cache = await this.deps.provisionCaches.get(rec.id);
    if (!cache || !rec.tenantId) return { kind: "pending" };
    const res = await this.deps.tokens.acquire({
      integrationId: provisionKey(rec.id),
      tenantId: rec.tenantId,
      cache,
      scopes: this.writeScopes,
      forceRefresh,
    });
    const verdict = this.judge(res, rec.tenantId);
    if (res.ok && res.cacheChanged) await this.deps.provisionCaches.put(rec.id, res.cache);
    return verdict;
  }

  /** Downgrade: the write-scoped sign-in is deleted (its refresh token with it). */
  async removeProvision(integrationId: string): Promise<void> {
    this.deps.tokens?.forget(provisionKey(integrationId));
    await this.deps.provisionCaches.remove(integrationId);
  }

  /** An access token from the stored cache (refreshing when due, or always with `forceRefresh`). */
  async check(rec: StoredIntegration, forceRefresh: boolean): Promise<Verdict> {
    if (!this.deps.tokens) return { kind: "broken", reason: NOT_CONFIGURED };
    const cache = await this.deps.caches.get(rec.id);
    if (!cache || !rec.tenantId) return { kind: "pending" };
    const res = await this.deps.tokens.acquire({
      integrationId: rec.id,
      tenantId: rec.tenantId,
      cache,
      scopes: this.readScopes,
      forceRefresh,
    });
    const verdict = this.judge(res, rec.tenantId);
    if (res.ok && res.cacheChanged) await this.save(rec.id, res.cache);
    return verdict;
  }

  forget(integrationId: string): void {
    this.deps.tokens?.forget(integrationId);
    this.deps.tokens?.forget(provisionKey(integrationId));
  }

  async remove(integrationId: string): Promise<void> {
    this.forget(integrationId);
    await this.deps.caches.remove(integrationId);
    await this.deps.provisionCaches.remove(integrationId);
  }

  private app(): DelegatedTokenSource {
    if (!this.deps.tokens) throw new AppError("bad_request", NOT_CONFIGURED);
    return this.deps.tokens;
  }

  private judge(res: DelegatedResult, tenantId: string): Verdict {
    if (res.ok)
      return { kind: "ok", accessToken: res.accessToken, expiresAt: res.expiresAt, tenantId: res.tenantId };
    return classifyTokenFailure(res.failure, {
      tenantId,
      clientId: this.deps.tokens?.clientId ?? "",
      mode: "delegated",
    });
  }

  private async save(integrationId: string, cache: string): Promise<void> {
    await this.deps.caches.put(integrationId, cache);
    if (!(await this.deps.exists(integrationId))) {
      await this.deps.caches.remove(integrationId);
      this.deps.log.info({ integrationId }, "integration deleted meanwhile; its token cache was purged");
    }
  }
}

/** In-memory msal app key of an integration's provisioning sign-in (apart from its read sign-in). */
function provisionKey(integrationId: string): string {
  return `${integrationId}:provision`;
}
