import { createHash } from "node:crypto";
import { type AuthenticationResult, ConfidentialClientApplication } from "@azure/msal-node";
import type { Logger } from "@tenantlens/telemetry";
import type { TokenFailure } from "../domain/entra-errors.js";
import { tenantOfToken } from "../domain/token-claims.js";
import { describeMsalError, msalConfig, withTimeout } from "./msal-shared.js";

/** Tenantlens's own (multi-tenant) app registration, which administrators consent to. */
export interface DelegatedApp {
  clientId: string;
  clientSecret: string;
}

export type DelegatedResult =
  | {
      ok: true;
      accessToken: string;
      expiresAt: Date;
      fromCache: boolean;
      /** From the tokens Entra returned (never from the callback's `tenant` parameter). */
      tenantId: string;
      /** msal's serialized token cache after the call: it holds the (rotated) refresh token. */
      cache: string;
      cacheChanged: boolean;
    }
  | { ok: false; failure: TokenFailure };

export interface RedeemInput {
  integrationId: string;
  /** Authority tenant segment of the authorize request. */
  tenant: string;
  code: string;
  codeVerifier: string;
  nonce: string;
  state: string;
  redirectUri: string;
  scopes: string[];
}

export interface SilentInput {
  integrationId: string;
  tenantId: string;
  /** The decrypted serialized cache as last stored. */
  cache: string;
  scopes: string[];
  forceRefresh?: boolean;
}

export interface DelegatedTokenSource {
  readonly clientId: string;
  redeem(input: RedeemInput): Promise<DelegatedResult>;
  acquire(input: SilentInput): Promise<DelegatedResult>;
  forget(integrationId: string): void;
}

interface CachedApp {
  app: ConfidentialClientApplication;
  /** Hash of the serialized cache this app holds: a cache stored by another replica gets a fresh app. */
  fingerprint: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fingerprintOf(cache: string): string {
  return createHash("sha256").update(cache).digest("hex");
}

/**
 * Authorization code + refresh tokens with @azure/msal-node. One app per integration stays in memory
 * while its cache matches the stored one; every acquisition reports the cache so the caller can
 * persist it (refresh tokens rotate, and msal never hands them out).
 */
export class MsalDelegatedTokenSource implements DelegatedTokenSource {
  private readonly apps = new Map<string, CachedApp>();
  private readonly authorityHost: string;

  constructor(
    private readonly app: DelegatedApp,
    authorityHost: string,
    private readonly log: Logger,
  ) {
    this.authorityHost = authorityHost.replace(/\/+$/, "");
  }

  get clientId(): string {
    return this.app.clientId;
  }

  async redeem(input: RedeemInput): Promise<DelegatedResult> {
    const app = new ConfidentialClientApplication(
      msalConfig(this.authorityHost, input.tenant, this.app, this.log),
    );
    try {
      // msal 7 checks the id token's nonce and the state only when both are in the request.
      const result = await withTimeout(
        app.acquireTokenByCode(
          {
            code: input.code,
            scopes: input.scopes,
            redirectUri: input.redirectUri,
            codeVerifier: input.codeVerifier,
            nonce: input.nonce,
            state: input.state,
          },
          { code: input.code, state: input.state },
        ),
      );
      return this.success(result, app, null);
    } catch (err) {
      return { ok: false, failure: await describeMsalError(err, this.authorityHost, input.tenant) };
    }
  }

  async acquire(input: SilentInput): Promise<DelegatedResult> {
    const entry = this.appFor(input);
    try {
      const accounts = await entry.app.getTokenCache().getAllAccounts();
      const account = accounts.find((a) => a.tenantId === input.tenantId) ?? accounts[0];
      if (!account) {
        this.forget(input.integrationId);
        return {
          ok: false,
          failure: {
            oauthError: "no_tokens_found",
            message: "the stored token cache holds no signed-in account",
          },
        };
      }
      const result = await withTimeout(
        entry.app.acquireTokenSilent({
          account,
          scopes: input.scopes,
          forceRefresh: input.forceRefresh ?? false,
        }),
      );
      return this.success(result, entry.app, entry);
    } catch (err) {
      // The next attempt starts again from the stored cache.
      this.forget(input.integrationId);
      return { ok: false, failure: await describeMsalError(err, this.authorityHost, input.tenantId) };
    }
  }

  forget(integrationId: string): void {
    this.apps.delete(integrationId);
  }

  private appFor(input: SilentInput): CachedApp {
    const fingerprint = fingerprintOf(input.cache);
    const cached = this.apps.get(input.integrationId);
    if (cached && cached.fingerprint === fingerprint) return cached;
    const app = new ConfidentialClientApplication(
      msalConfig(this.authorityHost, input.tenantId, this.app, this.log),
    );
    app.getTokenCache().deserialize(input.cache);
    const entry = { app, fingerprint };
    this.apps.set(input.integrationId, entry);
    return entry;
  }

  private success(
    result: AuthenticationResult | null,
    app: ConfidentialClientApplication,
    entry: CachedApp | null,
  ): DelegatedResult {
    if (!result?.accessToken) {
      return { ok: false, failure: { message: "the identity platform returned no access token" } };
    }
    const tenantId = tenantOf(result);
    if (!tenantId) {
      return {
        ok: false,
        failure: { message: "the tokens name no tenant, or the id token and access token disagree on it" },
      };
    }
    const cache = app.getTokenCache().serialize();
    const fingerprint = fingerprintOf(cache);
    const cacheChanged = entry === null || entry.fingerprint !== fingerprint;
    if (entry) entry.fingerprint = fingerprint;
    return {
      ok: true,
      accessToken: result.accessToken,
      expiresAt: result.expiresOn ?? new Date(Date.now() + 300_000),
      fromCache: result.fromCache,
      tenantId,
      cache,
      cacheChanged,
    };
  }
}

/**
 * The tenant the tokens were issued in: the id token's `tid` (msal puts it on the account), which
 * must agree with the access token's when that one is readable. Both came from the token endpoint
 * over TLS in exchange for our code, secret and PKCE verifier (OIDC Core 3.1.3.7).
 */
function tenantOf(result: AuthenticationResult): string | undefined {
  const claims = result.idTokenClaims as { tid?: unknown };
  const fromId = typeof claims?.tid === "string" ? claims.tid : result.account?.tenantId;
  const fromAccess = tenantOfToken(result.accessToken);
  const tid = (fromId || fromAccess)?.toLowerCase();
  if (!tid || !GUID.test(tid)) return undefined;
  if (fromAccess && fromAccess.toLowerCase() !== tid) return undefined;
  return tid;
}
