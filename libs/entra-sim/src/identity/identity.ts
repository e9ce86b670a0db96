import type { IdentityPort, SimApp, SimAppChange, TenantIdentity, TokenCheck } from "../types.js";
import { GrantStore } from "./grant-store.js";
import { GRAPH_APP_ID, GRAPH_RESOURCE } from "./permissions.js";
import { IdentityState } from "./state.js";
import { type AccessTokenInput, type MintedToken, type SigningKey, TokenService } from "./tokens.js";

export interface IdentityUrls {
  /** e.g. https://localhost:8443 (no trailing slash). */
  authorityHost: string;
  graphEndpoint: string;
}

export interface IdentityOptions {
  tenants: TenantIdentity[];
  key: SigningKey;
  urls: IdentityUrls;
  /** Skip the consent page for every authorize/adminconsent request. */
  autoApprove?: boolean;
  accessTokenLifetimeSeconds?: number;
}

/** The identity platform's state and token machinery; implements the port the Graph half uses. */
export class Identity implements IdentityPort {
  readonly state: IdentityState;
  readonly grants = new GrantStore();
  readonly tokens: TokenService;
  readonly urls: IdentityUrls;
  autoApprove: boolean;

  constructor(opts: IdentityOptions) {
    this.state = new IdentityState(opts.tenants);
    if (opts.accessTokenLifetimeSeconds !== undefined) {
      this.state.accessTokenLifetimeSeconds = opts.accessTokenLifetimeSeconds;
    }
    this.urls = {
      authorityHost: trimSlash(opts.urls.authorityHost),
      graphEndpoint: trimSlash(opts.urls.graphEndpoint),
    };
    this.tokens = new TokenService(opts.key, [GRAPH_RESOURCE, GRAPH_APP_ID, this.urls.graphEndpoint]);
    this.autoApprove = opts.autoApprove ?? false;
  }

  verifyAccessToken(token: string): Promise<TokenCheck> {
    return this.tokens.verifyAccessToken(token);
  }

  tenant(tenantId: string): TenantIdentity | undefined {
    return this.state.tenant(tenantId);
  }

  onAppChange(listener: (change: SimAppChange) => void): () => void {
    return this.state.onAppChange(listener);
  }

  issuer(tenantId: string): string {
    return `${this.urls.authorityHost}/${tenantId}/v2.0`;
  }

  /** Resource aliases that mean Graph besides the public ones (the simulator's own endpoint). */
  graphAliases(): string[] {
    return [this.urls.graphEndpoint];
  }

  /** App-only token: `roles` are the app's current application permissions (none once consent is revoked). */
  mintAppToken(
    tenant: TenantIdentity,
    app: SimApp,
    opts: { roles?: string[]; lifetimeSeconds?: number; audience?: string } = {},
  ): Promise<MintedToken> {
    return this.tokens.mintAccessToken({
      ...this.tokenBase(tenant, app, opts),
      roles: opts.roles ?? (app.consentRevoked ? [] : app.applicationPermissions),
    });
  }

  /** Delegated token for the tenant's signed-in admin: `scp` are the app's granted delegated scopes. */
  mintDelegatedToken(
    tenant: TenantIdentity,
    app: SimApp,
    opts: { scopes?: string[]; lifetimeSeconds?: number; audience?: string } = {},
  ): Promise<MintedToken> {
    return this.tokens.mintAccessToken({
      ...this.tokenBase(tenant, app, opts),
      scopes: opts.scopes ?? app.delegatedScopes,
      user: tenant.adminUser,
    });
  }

  /** What app-only and delegated tokens share: who issued them, for whom, to which app, how long. */
  private tokenBase(
    tenant: TenantIdentity,
    app: SimApp,
    opts: { lifetimeSeconds?: number; audience?: string },
  ): AccessTokenInput {
    return {
      tenantId: tenant.tenantId,
      issuer: this.issuer(tenant.tenantId),
      audience: opts.audience ?? GRAPH_RESOURCE,
      appId: app.clientId,
      appDisplayName: app.displayName,
      lifetimeSeconds: opts.lifetimeSeconds ?? this.state.accessTokenLifetimeSeconds,
    };
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
