import { createHash } from "node:crypto";
import type { SimApp, TenantIdentity } from "../types.js";
import { checkClientAssertion, JWT_BEARER } from "./client-assertion.js";
import { type EntraError, Errors } from "./errors.js";
import type { RefreshGrant } from "./grant-store.js";
import type { Identity } from "./identity.js";
import { canonical, missingFrom, parseScopes } from "./scopes.js";
import { isGuid } from "./state.js";

export type TokenResult = { ok: true; body: Record<string, unknown> } | { ok: false; error: EntraError };

export interface TokenRequest {
  /** The `{tenant}` path segment. */
  tenant: string;
  /** Form fields (first value of each). */
  form: Record<string, string>;
  /** client_secret_basic credentials, if an Authorization: Basic header was sent. */
  basic?: { clientId: string; clientSecret: string };
}

const ID_TOKEN_LIFETIME_S = 3600;

/** The /oauth2/v2.0/token endpoint: authenticate the client, then run the grant. */
export async function handleTokenRequest(identity: Identity, req: TokenRequest): Promise<TokenResult> {
  const { form } = req;
  const grantType = form.grant_type;
  if (!grantType) return fail(Errors.missingParameter("grant_type"));
  if (!["client_credentials", "authorization_code", "refresh_token"].includes(grantType)) {
    return fail(Errors.unsupportedGrantType(grantType));
  }
  const assertion = form.client_assertion;
  if ((assertion || form.client_assertion_type) && form.client_assertion_type !== JWT_BEARER) {
    return fail(Errors.malformedRequest(`client_assertion_type must be '${JWT_BEARER}'.`));
  }

  const clientId = form.client_id ?? req.basic?.clientId;
  if (!clientId) return fail(Errors.missingParameter("client_id"));
  if (!isGuid(clientId)) return fail(Errors.invalidClientIdFormat(clientId));

  const lookup = identity.state.lookup(req.tenant);
  if (lookup.kind === "unknown") return fail(Errors.tenantNotFound(lookup.segment));
  let tenant: TenantIdentity | undefined;
  if (lookup.kind === "tenant") tenant = lookup.tenant;
  else if (grantType === "client_credentials") return fail(Errors.tenantRequired());
  else tenant = identity.state.tenantOfClient(clientId);
  const tenantLabel = tenant?.tenantId ?? req.tenant;
  const app = tenant ? identity.state.app(tenant, clientId) : undefined;
  if (!tenant || !app || app.deleted) return fail(Errors.appNotFound(clientId, tenantLabel));

  if (assertion) {
    if (!form.client_assertion_type) return fail(Errors.missingParameter("client_assertion_type"));
    // aud = this token endpoint, however the client named the tenant.
    const host = identity.urls.authorityHost;
    const audiences = [...new Set([tenant.tenantId, req.tenant])].map(
      (t) => `${host}/${t}/oauth2/v2.0/token`,
    );
    const refused = checkClientAssertion(app, assertion, { audiences });
    if (refused) return fail(refused);
  } else {
    const secret = form.client_secret ?? req.basic?.clientSecret;
    if (!secret) return fail(Errors.missingClientSecret());
    const check = identity.state.checkSecret(app, secret);
    if (check === "invalid") return fail(Errors.invalidClientSecret(app.clientId));
    if (check === "expired") return fail(Errors.expiredClientSecret(app.clientId));
  }

  if (grantType === "client_credentials") return clientCredentials(identity, tenant, app, form);
  if (grantType === "authorization_code") return authorizationCode(identity, tenant, app, form);
  return refreshToken(identity, tenant, app, form);
}

async function clientCredentials(
  identity: Identity,
  tenant: TenantIdentity,
  app: SimApp,
  form: Record<string, string>,
): Promise<TokenResult> {
  const scope = form.scope?.trim();
  if (!scope) return fail(Errors.missingParameter("scope"));
  const parts = scope.split(/\s+/);
  if (parts.length !== 1 || !scope.endsWith("/.default")) return fail(Errors.clientCredentialsScope(scope));
  const parsed = parseScopes(scope, identity.graphAliases());
  if (parsed.foreignResource !== undefined) {
    return fail(Errors.resourceNotFound(parsed.foreignResource, tenant.tenantId));
  }
  // Revoked admin consent removes the app role assignments; Entra still issues a token, without roles.
  const minted = await identity.mintAppToken(tenant, app);
  return {
    ok: true,
    body: {
      token_type: "Bearer",
      expires_in: minted.expiresIn,
      ext_expires_in: minted.expiresIn,
      access_token: minted.token,
    },
  };
}

async function authorizationCode(
  identity: Identity,
  tenant: TenantIdentity,
  app: SimApp,
  form: Record<string, string>,
): Promise<TokenResult> {
  const code = form.code;
  if (!code) return fail(Errors.missingParameter("code"));
  const grant = identity.grants.code(code);
  if (!grant || grant.clientId !== app.clientId || grant.tenantId !== tenant.tenantId) {
    return fail(Errors.malformedGrant());
  }
  if (grant.redeemed) return fail(Errors.codeRedeemed());
  if (grant.expiresAt <= Date.now()) return fail(Errors.grantExpired());
  const redirectUri = form.redirect_uri;
  if (!redirectUri) return fail(Errors.missingParameter("redirect_uri"));
  if (redirectUri !== grant.redirectUri) return fail(Errors.replyUrlDiffersFromCode(redirectUri));
  if (grant.codeChallenge !== undefined) {
    const verifier = form.code_verifier;
    if (!verifier) return fail(Errors.codeVerifierMissing());
    if (s256(verifier) !== grant.codeChallenge) return fail(Errors.codeVerifierMismatch());
  }
  if (app.consentRevoked) return fail(Errors.consentMissing(app.clientId, app.displayName));
  grant.redeemed = true;
  return delegatedTokens(identity, tenant, app, {
    scopes: grant.scopes,
    nonce: grant.nonce,
    clientInfo: form.client_info === "1",
  });
}

async function refreshToken(
  identity: Identity,
  tenant: TenantIdentity,
  app: SimApp,
  form: Record<string, string>,
): Promise<TokenResult> {
  const token = form.refresh_token;
  if (!token) return fail(Errors.missingParameter("refresh_token"));
  const grant: RefreshGrant | undefined = identity.grants.refreshToken(token);
  if (!grant || grant.clientId !== app.clientId || grant.tenantId !== tenant.tenantId) {
    return fail(Errors.malformedGrant());
  }
  const now = Date.now();
  if (grant.used || grant.expiresAt <= now) return fail(Errors.grantExpired());
  const validFrom = identity.state.tokensValidFromOf(tenant.tenantId);
  if (validFrom !== undefined && grant.issuedAt < validFrom) {
    return fail(Errors.grantRevoked(new Date(grant.issuedAt), new Date(validFrom)));
  }
  if (app.consentRevoked) return fail(Errors.consentMissing(app.clientId, app.displayName));
  const asked = parseScopes(form.scope ?? "", identity.graphAliases());
  if (asked.foreignResource !== undefined) {
    return fail(Errors.resourceNotFound(asked.foreignResource, tenant.tenantId));
  }
  if (missingFrom(asked.graph, app.delegatedScopes).length > 0) {
    return fail(Errors.consentMissing(app.clientId, app.displayName));
  }
  // Rotation: the presented refresh token is spent whatever happens next.
  grant.used = true;
  return delegatedTokens(identity, tenant, app, {
    scopes: grant.scopes,
    clientInfo: form.client_info === "1",
  });
}

async function delegatedTokens(
  identity: Identity,
  tenant: TenantIdentity,
  app: SimApp,
  opts: { scopes: string[]; nonce?: string; clientInfo: boolean },
): Promise<TokenResult> {
  const user = tenant.adminUser;
  // Entra puts every consented scope of the resource in `scp`, not only those asked for.
  const granted = canonical(app.delegatedScopes, app.delegatedScopes);
  const oidc = opts.scopes.filter((s) => ["openid", "profile", "email", "offline_access"].includes(s));
  const access = await identity.mintDelegatedToken(tenant, app, {
    scopes: [...granted, ...oidc.filter((s) => s !== "offline_access")],
  });
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    scope: [...granted, ...oidc].join(" "),
    expires_in: access.expiresIn,
    ext_expires_in: access.expiresIn,
    access_token: access.token,
  };
  if (oidc.includes("offline_access")) {
    body.refresh_token = identity.grants.issueRefreshToken({
      tenantId: tenant.tenantId,
      clientId: app.clientId,
      userId: user.id,
      scopes: opts.scopes,
    });
  }
  if (oidc.includes("openid")) {
    body.id_token = await identity.tokens.mintIdToken({
      tenantId: tenant.tenantId,
      issuer: identity.issuer(tenant.tenantId),
      clientId: app.clientId,
      user,
      nonce: opts.nonce,
      lifetimeSeconds: ID_TOKEN_LIFETIME_S,
    });
  }
  if (opts.clientInfo) {
    body.client_info = Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.tenantId })).toString(
      "base64url",
    );
  }
  return { ok: true, body };
}

export function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

function fail(error: EntraError): TokenResult {
  return { ok: false, error };
}
