import { randomUUID } from "node:crypto";
import type { SimApp, TenantIdentity } from "../types.js";
import { type EntraError, Errors, errorBody } from "./errors.js";
import type { ConsentTxn } from "./grant-store.js";
import type { Identity } from "./identity.js";
import { DELEGATED_SCOPES, WRITE_PERMISSIONS } from "./permissions.js";
import { canonical, missingFrom, parseScopes } from "./scopes.js";
import { isGuid } from "./state.js";

export type ResponseMode = "query" | "fragment" | "form_post";

export interface RedirectTarget {
  uri: string;
  mode: ResponseMode;
  params: Record<string, string>;
}

/** What the browser gets: an error page (nowhere safe to redirect), a redirect, or the consent page. */
export type AuthorizeOutcome =
  | { kind: "error-page"; error: EntraError }
  | { kind: "redirect"; target: RedirectTarget }
  | {
      kind: "consent";
      txnId: string;
      txn: Omit<ConsentTxn, "expiresAt">;
      tenant: TenantIdentity;
      app: SimApp;
    };

type Params = Record<string, string | undefined>;

interface ResolvedClient {
  tenant: TenantIdentity;
  app: SimApp;
  redirectUri: string;
}

/** Steps that end on an error page: tenant, client and redirect URI (RFC 6749 4.1.2.1). */
function resolveClient(identity: Identity, segment: string, params: Params): ResolvedClient | EntraError {
  const lookup = identity.state.lookup(segment);
  if (lookup.kind === "unknown") return Errors.tenantNotFound(lookup.segment);
  const clientId = params.client_id;
  if (!clientId) return Errors.missingParameter("client_id");
  if (!isGuid(clientId)) return Errors.invalidClientIdFormat(clientId);
  const tenant = lookup.kind === "tenant" ? lookup.tenant : identity.state.tenantOfClient(clientId);
  const app = tenant ? identity.state.app(tenant, clientId) : undefined;
  if (!tenant || !app || app.deleted) return Errors.appNotFound(clientId, tenant?.tenantId ?? segment);
  const redirectUri = params.redirect_uri;
  if (!redirectUri) return Errors.missingParameter("redirect_uri");
  if (!redirectUriMatches(app.redirectUris, redirectUri))
    return Errors.replyUrlMismatch(redirectUri, app.clientId);
  return { tenant, app, redirectUri };
}

/** GET /{tenant}/oauth2/v2.0/authorize */
export function startAuthorize(identity: Identity, segment: string, params: Params): AuthorizeOutcome {
  const client = resolveClient(identity, segment, params);
  if ("error" in client) return { kind: "error-page", error: client };
  const { tenant, app, redirectUri } = client;
  const mode = responseMode(params.response_mode);
  const redirectError = (error: EntraError): AuthorizeOutcome => ({
    kind: "redirect",
    target: errorRedirect(identity, redirectUri, mode, error, params.state),
  });

  if (!params.response_type) return redirectError(Errors.missingParameter("response_type"));
  if (params.response_type !== "code")
    return redirectError(Errors.unsupportedResponseType(params.response_type));
  if (!params.scope) return redirectError(Errors.missingParameter("scope"));
  const scopes = parseScopes(params.scope, identity.graphAliases());
  if (scopes.foreignResource !== undefined) {
    return redirectError(Errors.resourceNotFound(scopes.foreignResource, tenant.tenantId));
  }
  // A scope Graph does not have (in the simulator's universe) cannot be consented to.
  const unknown = missingFrom(scopes.graph, [
    ...DELEGATED_SCOPES,
    ...WRITE_PERMISSIONS,
    ...app.delegatedScopes,
  ]);
  if (unknown.length > 0) return redirectError(Errors.invalidScope(unknown.join(" ")));
  let challengeMethod: "S256" | undefined;
  if (params.code_challenge !== undefined) {
    if ((params.code_challenge_method ?? "plain") !== "S256") {
      return redirectError(Errors.unsupportedChallengeMethod(params.code_challenge_method ?? "plain"));
    }
    challengeMethod = "S256";
  }

  const graphScopes = scopes.graphDefault
    ? [...app.delegatedScopes]
    : canonical(scopes.graph, [...app.delegatedScopes, ...DELEGATED_SCOPES, ...WRITE_PERMISSIONS]);
  return openOrApprove(identity, params, tenant, app, {
    kind: "authorize",
    tenantId: tenant.tenantId,
    clientId: app.clientId,
    redirectUri,
    responseMode: mode,
    state: params.state,
    graphScopes,
    oidcScopes: scopes.oidc,
    rawScope: params.scope,
    codeChallenge: params.code_challenge,
    codeChallengeMethod: challengeMethod,
    nonce: params.nonce,
  });
}

/** GET /{tenant}/v2.0/adminconsent */
export function startAdminConsent(identity: Identity, segment: string, params: Params): AuthorizeOutcome {
  const client = resolveClient(identity, segment, params);
  if ("error" in client) return { kind: "error-page", error: client };
  const { tenant, app, redirectUri } = client;
  const redirectError = (error: EntraError): AuthorizeOutcome => ({
    kind: "redirect",
    target: errorRedirect(identity, redirectUri, "query", error, params.state),
  });
  if (!params.scope) return redirectError(Errors.missingParameter("scope"));
  const scopes = parseScopes(params.scope, identity.graphAliases());
  if (scopes.foreignResource !== undefined) {
    return redirectError(Errors.resourceNotFound(scopes.foreignResource, tenant.tenantId));
  }
  // Admin consent grants the app's configured application permissions: only `/.default` says that.
  if (!scopes.graphDefault || scopes.graph.length > 0)
    return redirectError(Errors.invalidScope(params.scope));
  return openOrApprove(identity, params, tenant, app, {
    kind: "adminconsent",
    tenantId: tenant.tenantId,
    clientId: app.clientId,
    redirectUri,
    responseMode: "query",
    state: params.state,
    graphScopes: [...app.applicationPermissions],
    oidcScopes: [],
    rawScope: params.scope,
  });
}

function openOrApprove(
  identity: Identity,
  params: Params,
  tenant: TenantIdentity,
  app: SimApp,
  txn: Omit<ConsentTxn, "expiresAt">,
): AuthorizeOutcome {
  if (identity.autoApprove || params.sim_auto_approve === "1") {
    return { kind: "redirect", target: approve(identity, { ...txn, expiresAt: Date.now() }, tenant, app) };
  }
  const txnId = identity.grants.openConsent(txn);
  return { kind: "consent", txnId, txn, tenant, app };
}

/** POST of the consent page (Approve / Decline). */
export function answerConsent(identity: Identity, txnId: string, decision: string): AuthorizeOutcome {
  const txn = identity.grants.takeConsent(txnId);
  if (!txn) return { kind: "error-page", error: Errors.consentExpired() };
  const tenant = identity.state.tenant(txn.tenantId);
  const app = tenant ? identity.state.app(tenant, txn.clientId) : undefined;
  if (!tenant || !app || app.deleted) {
    return { kind: "error-page", error: Errors.appNotFound(txn.clientId, txn.tenantId) };
  }
  if (decision === "approve") return { kind: "redirect", target: approve(identity, txn, tenant, app) };
  const params = errorRedirect(
    identity,
    txn.redirectUri,
    txn.responseMode,
    Errors.consentDeclined(),
    txn.state,
  );
  if (txn.kind === "adminconsent") {
    params.params.admin_consent = "True";
    params.params.tenant = tenant.tenantId;
  }
  return { kind: "redirect", target: params };
}

function approve(identity: Identity, txn: ConsentTxn, tenant: TenantIdentity, app: SimApp): RedirectTarget {
  // Consenting (again) restores a revoked grant, as re-consenting does in Entra.
  identity.state.setConsentRevoked(app, false);
  if (txn.kind === "adminconsent") {
    return {
      uri: txn.redirectUri,
      mode: "query",
      params: withState({ admin_consent: "True", tenant: tenant.tenantId, scope: txn.rawScope }, txn.state),
    };
  }
  // Dynamic consent: scopes approved on the page become granted delegated scopes.
  for (const scope of txn.graphScopes) identity.state.setPermission(app, "delegated", scope, true);
  const code = identity.grants.issueCode({
    tenantId: tenant.tenantId,
    clientId: app.clientId,
    userId: tenant.adminUser.id,
    redirectUri: txn.redirectUri,
    scopes: [...txn.graphScopes, ...txn.oidcScopes],
    codeChallenge: txn.codeChallenge,
    codeChallengeMethod: txn.codeChallengeMethod,
    nonce: txn.nonce,
  });
  return {
    uri: txn.redirectUri,
    mode: txn.responseMode,
    params: withState({ code, session_state: randomUUID() }, txn.state),
  };
}

function errorRedirect(
  identity: Identity,
  redirectUri: string,
  mode: ResponseMode,
  error: EntraError,
  state: string | undefined,
): RedirectTarget {
  const body = errorBody(error, { authorityHost: identity.urls.authorityHost });
  const params: Record<string, string> = {
    error: body.error,
    error_description: body.error_description,
    error_uri: body.error_uri,
  };
  if (error.subError) params.error_subcode = error.subError;
  return { uri: redirectUri, mode, params: withState(params, state) };
}

function withState(params: Record<string, string>, state: string | undefined): Record<string, string> {
  return state === undefined ? params : { ...params, state };
}

function responseMode(value: string | undefined): ResponseMode {
  return value === "fragment" || value === "form_post" ? value : "query";
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Exact string match (RFC 9700 2.1), except that a registered http loopback URI matches the same
 * URI on any port (RFC 8252 7.3), which is how Entra treats localhost redirect URIs.
 */
export function redirectUriMatches(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const req = safeUrl(requested);
  if (req?.protocol !== "http:" || !LOOPBACK_HOSTS.has(req.hostname)) return false;
  return registered.some((r) => {
    const reg = safeUrl(r);
    return (
      reg !== undefined &&
      reg.protocol === "http:" &&
      reg.hostname === req.hostname &&
      reg.pathname === req.pathname &&
      reg.search === req.search &&
      reg.hash === req.hash &&
      reg.username === "" &&
      req.username === "" &&
      req.password === ""
    );
  });
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The URL the browser is sent to for query and fragment modes. */
export function redirectUrl(target: RedirectTarget): string {
  const url = new URL(target.uri);
  const encoded = new URLSearchParams(target.params).toString();
  if (target.mode === "fragment") return `${url.origin}${url.pathname}${url.search}#${encoded}`;
  for (const [k, v] of Object.entries(target.params)) url.searchParams.set(k, v);
  return url.toString();
}
