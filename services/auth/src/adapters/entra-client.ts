import { createHash } from "node:crypto";
import {
  AuthError,
  ClientAuthError,
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  LogLevel,
  ServerError,
} from "@azure/msal-node";
import type { Logger } from "@tenantlens/telemetry";
import { aadstsIn, type TokenFailure } from "../domain/entra-errors.js";

export interface AppCredentials {
  integrationId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export type TokenResult =
  | { ok: true; accessToken: string; expiresAt: Date; fromCache: boolean }
  | { ok: false; failure: TokenFailure };

export interface TokenSource {
  acquire(creds: AppCredentials, opts?: { skipCache?: boolean }): Promise<TokenResult>;
  /** Drops the integration's msal app and its token cache. */
  forget(integrationId: string): void;
}

/** Hosts msal knows; any other authority (a sovereign cloud proxy, the simulator) must be declared. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
  "login.microsoft.com",
  "login.windows.net",
  "sts.windows.net",
]);

const ACQUIRE_TIMEOUT_MS = 30_000;

interface CachedApp {
  app: ConfidentialClientApplication;
  /** Hash of the credentials: a changed secret gets a fresh app (and cache). */
  fingerprint: string;
}

/**
 * Client credentials with @azure/msal-node: one ConfidentialClientApplication per integration, kept
 * in memory so its token cache serves tokens until 5 minutes before they expire (msal's default).
 */
export class MsalTokenSource implements TokenSource {
  private readonly apps = new Map<string, CachedApp>();
  private readonly authorityHost: string;
  private readonly scope: string;

  constructor(
    opts: { authorityHost: string; graphEndpoint: string },
    private readonly log: Logger,
  ) {
    this.authorityHost = opts.authorityHost.replace(/\/+$/, "");
    this.scope = `${opts.graphEndpoint.replace(/\/+$/, "")}/.default`;
  }

  async acquire(creds: AppCredentials, opts: { skipCache?: boolean } = {}): Promise<TokenResult> {
    const app = this.appFor(creds);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AcquireTimeout()), ACQUIRE_TIMEOUT_MS);
      });
      const result = await Promise.race([
        app.acquireTokenByClientCredential({ scopes: [this.scope], skipCache: opts.skipCache ?? false }),
        timeout,
      ]);
      if (!result?.accessToken) {
        return { ok: false, failure: { message: "the identity platform returned no access token" } };
      }
      return {
        ok: true,
        accessToken: result.accessToken,
        expiresAt: result.expiresOn ?? new Date(Date.now() + 300_000),
        fromCache: result.fromCache,
      };
    } catch (err) {
      const failure = await this.describe(err, creds);
      // A failed app may hold stale discovery state; start clean next time.
      this.forget(creds.integrationId);
      return { ok: false, failure };
    } finally {
      clearTimeout(timer);
    }
  }

  forget(integrationId: string): void {
    this.apps.delete(integrationId);
  }

  private appFor(creds: AppCredentials): ConfidentialClientApplication {
    const fingerprint = createHash("sha256")
      .update(`${creds.tenantId}|${creds.clientId}|${creds.clientSecret}`)
      .digest("hex");
    const cached = this.apps.get(creds.integrationId);
    if (cached && cached.fingerprint === fingerprint) return cached.app;
    const host = new URL(this.authorityHost).host;
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: creds.clientId,
        clientSecret: creds.clientSecret,
        authority: `${this.authorityHost}/${creds.tenantId}`,
        ...(MICROSOFT_AUTHORITY_HOSTS.has(new URL(this.authorityHost).hostname)
          ? {}
          : { knownAuthorities: [host] }),
      },
      system: {
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (_level, message) => this.log.debug({ msal: message }, "msal"),
        },
      },
    });
    this.apps.set(creds.integrationId, { app, fingerprint });
    return app;
  }

  /** msal error → TokenFailure; discovery failures are probed so "tenant not found" is told apart from "down". */
  private async describe(err: unknown, creds: AppCredentials): Promise<TokenFailure> {
    if (err instanceof AcquireTimeout) return { network: true, message: err.message };
    if (err instanceof ServerError || err instanceof InteractionRequiredAuthError) {
      const text = `${err.errorCode} ${err.errorMessage}`;
      const aadsts = err.errorNo ? Number(err.errorNo) : aadstsIn(text);
      return {
        oauthError: err.errorCode || undefined,
        aadsts: aadsts !== undefined && Number.isFinite(aadsts) ? aadsts : undefined,
        status: err instanceof ServerError ? err.status : undefined,
        message: err.errorMessage || err.errorCode,
      };
    }
    if (err instanceof ClientAuthError) {
      if (err.errorCode === "endpoints_resolution_error" || err.errorCode === "openid_config_error") {
        return this.probeAuthority(creds.tenantId);
      }
      if (err.errorCode === "network_error" || err.errorCode === "no_network_connectivity") {
        return { network: true, message: err.message };
      }
    }
    if (err instanceof AuthError) return { message: `${err.errorCode}: ${err.errorMessage}` };
    return { network: isNetworkError(err), message: err instanceof Error ? err.message : String(err) };
  }

  private async probeAuthority(tenantId: string): Promise<TokenFailure> {
    const url = `${this.authorityHost}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (res.ok)
        return { network: true, message: `could not use the identity platform's metadata at ${url}` };
      const body = (await res.json().catch(() => ({}))) as {
        error?: string;
        error_description?: string;
        error_codes?: number[];
      };
      return {
        oauthError: body.error,
        aadsts: body.error_codes?.[0] ?? aadstsIn(body.error_description ?? ""),
        status: res.status,
        message: body.error_description ?? `metadata request answered ${res.status}`,
      };
    } catch (e) {
      return {
        network: true,
        message: `${url}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`,
      };
    }
  }
}

class AcquireTimeout extends Error {
  constructor() {
    super(`no answer from the identity platform within ${ACQUIRE_TIMEOUT_MS / 1000} s`);
  }
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    typeof code === "string" &&
    /^(ECONN|ENOTFOUND|EAI_|ETIMEDOUT|EHOSTUNREACH|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)
  );
}
