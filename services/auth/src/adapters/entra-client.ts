import { createHash } from "node:crypto";
import { ConfidentialClientApplication } from "@azure/msal-node";
import type { Logger } from "@tenantlens/telemetry";
import type { ClientCertificate } from "../domain/certificate.js";
import type { TokenFailure } from "../domain/entra-errors.js";
import { describeMsalError, msalConfig, withTimeout } from "./msal-shared.js";

export interface AppCredentials {
  integrationId: string;
  tenantId: string;
  clientId: string;
  /** Exactly one of clientSecret and certificate. */
  clientSecret?: string;
  certificate?: ClientCertificate;
}

export type TokenResult =
  | { ok: true; accessToken: string; expiresAt: Date; fromCache: boolean }
  | { ok: false; failure: TokenFailure };

export interface TokenSource {
  acquire(creds: AppCredentials, opts?: { skipCache?: boolean }): Promise<TokenResult>;
  /** Drops the integration's msal app and its token cache. */
  forget(integrationId: string): void;
}

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
    try {
      const result = await withTimeout(
        app.acquireTokenByClientCredential({ scopes: [this.scope], skipCache: opts.skipCache ?? false }),
      );
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
      const failure = await describeMsalError(err, this.authorityHost, creds.tenantId);
      // A failed app may hold stale discovery state; start clean next time.
      this.forget(creds.integrationId);
      return { ok: false, failure };
    }
  }

  forget(integrationId: string): void {
    this.apps.delete(integrationId);
  }

  private appFor(creds: AppCredentials): ConfidentialClientApplication {
    const fingerprint = createHash("sha256")
      .update(
        `${creds.tenantId}|${creds.clientId}|${creds.clientSecret ?? ""}|${creds.certificate?.thumbprint ?? ""}|${creds.certificate?.privateKey ?? ""}`,
      )
      .digest("hex");
    const cached = this.apps.get(creds.integrationId);
    if (cached && cached.fingerprint === fingerprint) return cached.app;
    const app = new ConfidentialClientApplication(
      msalConfig(this.authorityHost, creds.tenantId, creds, this.log),
    );
    this.apps.set(creds.integrationId, { app, fingerprint });
    return app;
  }
}
