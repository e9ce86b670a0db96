import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  type AuthorizeOutcome,
  answerConsent,
  redirectUrl,
  startAdminConsent,
  startAuthorize,
} from "./authorize.js";
import { type EntraError, Errors, entraError, errorBody } from "./errors.js";
import type { Identity } from "./identity.js";
import { instanceDiscovery, openIdConfiguration } from "./metadata.js";
import { consentPage, errorPage, formPostPage, simplePage } from "./pages.js";
import { handleTokenRequest } from "./token-endpoint.js";

const MAX_FORM_BYTES = 256 * 1024;

/** The login.microsoftonline.com-like endpoints. Builds routes only; never listens. */
export function createIdentityApp(identity: Identity): Hono {
  const app = new Hono();
  const host = identity.urls.authorityHost;
  const limit = bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: (c) =>
      sendError(c, entraError("invalid_request", 90014, "The request body is too large."), host),
  });

  app.get("/common/discovery/instance", (c) =>
    c.json(instanceDiscovery(identity.urls, c.req.query("authorization_endpoint"))),
  );

  app.get("/:tenant/v2.0/.well-known/openid-configuration", (c) => {
    const segment = c.req.param("tenant");
    const lookup = identity.state.lookup(segment);
    if (lookup.kind === "unknown") return sendError(c, Errors.tenantNotFound(segment), host);
    const issuerTenant = lookup.kind === "tenant" ? lookup.tenant.tenantId : "{tenantid}";
    const pathTenant = lookup.kind === "tenant" ? lookup.tenant.tenantId : lookup.segment;
    return c.json(openIdConfiguration(identity.urls, pathTenant, issuerTenant));
  });

  for (const path of ["/:tenant/discovery/v2.0/keys", "/:tenant/discovery/keys", "/discovery/v2.0/keys"]) {
    app.get(path, (c) => c.json(identity.tokens.jwks()));
  }

  app.get("/:tenant/oauth2/v2.0/authorize", (c) =>
    renderOutcome(c, startAuthorize(identity, c.req.param("tenant"), c.req.query()), host),
  );
  app.get("/:tenant/v2.0/adminconsent", (c) =>
    renderOutcome(c, startAdminConsent(identity, c.req.param("tenant"), c.req.query()), host),
  );
  app.post("/:tenant/oauth2/v2.0/consent", limit, async (c) => {
    const form = await readForm(c);
    return renderOutcome(c, answerConsent(identity, form.txn ?? "", form.decision ?? ""), host);
  });

  app.get("/:tenant/oauth2/v2.0/token", (c) =>
    sendError(
      c,
      entraError(
        "invalid_request",
        900561,
        "The endpoint only accepts POST, OPTIONS requests. Received a GET request.",
      ),
      host,
    ),
  );
  app.post("/:tenant/oauth2/v2.0/token", limit, async (c) => {
    const form = await readForm(c);
    const delay = identity.state.tokenDelayMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const result = await handleTokenRequest(identity, {
      tenant: c.req.param("tenant"),
      form,
      basic: basicCredentials(c.req.header("authorization")),
    });
    if (!result.ok) return sendError(c, result.error, host);
    noStore(c);
    return c.json(result.body);
  });

  app.get("/:tenant/oauth2/v2.0/logout", (c) => {
    const target = c.req.query("post_logout_redirect_uri");
    const registered = identity.state.tenants().flatMap((t) => t.apps.flatMap((a) => a.redirectUris));
    if (target && registered.includes(target)) return c.redirect(target, 302);
    return c.html(
      simplePage("You signed out of your account", "It's a good idea to close all browser windows."),
    );
  });

  app.get("/error", (c) =>
    c.html(
      simplePage(
        `AADSTS${c.req.query("code") ?? ""}`,
        "See the error_description of the response for details.",
      ),
    ),
  );

  return app;
}

function renderOutcome(c: Context, outcome: AuthorizeOutcome, authorityHost: string): Response {
  if (outcome.kind === "error-page") {
    const body = errorBody(outcome.error, { authorityHost, correlationId: correlationId(c) });
    return c.html(errorPage(body), 400);
  }
  if (outcome.kind === "consent") {
    const postUrl = `/${outcome.tenant.tenantId}/oauth2/v2.0/consent`;
    noStore(c);
    return c.html(consentPage({ ...outcome, postUrl }));
  }
  if (outcome.target.mode === "form_post")
    return c.html(formPostPage(outcome.target.uri, outcome.target.params));
  return c.redirect(redirectUrl(outcome.target), 302);
}

function sendError(c: Context, error: EntraError, authorityHost: string): Response {
  const id = correlationId(c);
  const body = errorBody(error, { authorityHost, correlationId: id });
  noStore(c);
  c.header("x-ms-request-id", body.trace_id);
  c.header("client-request-id", id);
  return c.json(body, error.status);
}

function noStore(c: Context): void {
  c.header("Cache-Control", "no-store, no-cache");
  c.header("Pragma", "no-cache");
}

/** Entra echoes the caller's client-request-id as the correlation id. */
function correlationId(c: Context): string {
  const given = c.req.header("client-request-id");
  return given && /^[0-9a-f-]{36}$/i.test(given) ? given : randomUUID();
}

/** OAuth bodies are form-encoded; anything else reads as an empty form (so "grant_type missing"). */
async function readForm(c: Context): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().includes("application/x-www-form-urlencoded")) return {};
  const form: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(await c.req.text())) if (!(k in form)) form[k] = v;
  return form;
}

function basicCredentials(
  header: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  if (!header?.toLowerCase().startsWith("basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, i)),
      clientSecret: decodeURIComponent(decoded.slice(i + 1)),
    };
  } catch {
    return undefined;
  }
}
