import { type Integration, IntegrationList } from "@tenantlens/contracts";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { html } from "hono/html";
import { page } from "../console/layout.js";
import type { Principal } from "../env.js";
import { consoleForm, samePublicHost } from "../http/browser.js";
import { defineRoute } from "../http/route.js";

const COOKIE = "tl_session";

const tags = ["console"] as const;

/**
 * A minimal operator console: sign in with an API key into a server-side session (the cookie holds
 * an opaque session id, never the key), see the workspace's integrations and how to query them.
 */
export const consoleHome = defineRoute({
  method: "GET",
  path: "/",
  summary: "Operator console (HTML)",
  tags,
  access: "public",
  middleware: (deps) => [samePublicHost(deps)],
  errors: ["bad_request"],
  success: { status: 200, contentTypes: ["text/html"] },
  handler: async (c, _input, deps) => {
    const session = getCookie(c, COOKIE);
    const principal = session ? await deps.sessions.principal(session) : null;
    if (!principal) return c.html(signIn(session ? "Your session ended; sign in again." : null));
    const { integrations } = await deps.bus
      .request(IntegrationList, { workspaceId: principal.workspaceId })
      .catch(() => ({ integrations: null }));
    return c.html(home(principal, integrations, deps.publicUrl));
  },
});

export const consoleSignIn = defineRoute({
  method: "POST",
  path: "/console/sign-in",
  summary: "Console sign-in with an API key (form post; starts a session, sets an HttpOnly session cookie)",
  tags,
  access: "public",
  middleware: consoleForm,
  // 401: the sign-in page again, saying the key is not valid; 403: a post from another origin.
  errors: ["bad_request", "unauthorized", "forbidden"],
  errorBodies: { unauthorized: "text/html" },
  success: { status: 303 },
  handler: async (c, _input, deps) => {
    const form = await c.req.parseBody();
    const key = typeof form.key === "string" ? form.key.trim() : "";
    const principal = key ? await deps.keys.verify(key) : null;
    if (!principal) return c.html(signIn("That API key is not valid."), 401);
    const session = await deps.sessions.create(principal);
    const secure = new URL(deps.publicUrl).protocol === "https:";
    setCookie(c, COOKIE, session, {
      httpOnly: true,
      sameSite: "Strict",
      secure,
      path: "/",
      maxAge: deps.sessions.ttlSeconds,
    });
    return c.redirect("/", 303);
  },
});

export const consoleSignOut = defineRoute({
  method: "POST",
  path: "/console/sign-out",
  summary: "Console sign-out (ends the session on the server)",
  tags,
  access: "public",
  middleware: consoleForm,
  errors: ["bad_request", "forbidden"],
  success: { status: 303 },
  handler: async (c, _input, deps) => {
    const session = getCookie(c, COOKIE);
    if (session) await deps.sessions.end(session);
    deleteCookie(c, COOKIE, { path: "/" });
    return c.redirect("/", 303);
  },
});

export const consoleRoutes = [consoleHome, consoleSignIn, consoleSignOut];

function signIn(problem: string | null) {
  return page(
    "Sign in",
    html`<h1>Sign in</h1>
${problem ? html`<p class="status-failed">${problem}</p>` : ""}
<p>Paste an API key. <code>npm start</code> prints one; it is also in <code>data/api-key</code>.</p>
<form method="post" action="/console/sign-in">
  <input type="password" name="key" autocomplete="off" size="60" required aria-label="API key">
  <button type="submit">Sign in</button>
</form>
<p class="muted">The REST API is described at <a href="/openapi.json">/openapi.json</a>.</p>`,
  );
}

function home(principal: Principal, integrations: Integration[] | null, publicUrl: string) {
  const rows =
    integrations === null
      ? html`<tr><td colspan="5" class="status-failed">Integrations are unavailable right now (auth service not answering).</td></tr>`
      : integrations.length === 0
        ? html`<tr><td colspan="5" class="muted">No integration yet: POST /api/integrations connects a tenant.</td></tr>`
        : integrations.map(
            (i) =>
              html`<tr><td>${i.name}</td><td><code>${i.id}</code></td><td>${i.tenantId ?? "—"}</td><td class="status-${i.status}">${i.status}${i.enabled ? "" : " (disabled)"}</td><td>${i.statusReason ?? ""}</td></tr>`,
          );
  const curl = `curl -s ${publicUrl}/api/query -H "Authorization: Bearer $TENANTLENS_API_KEY" -H 'content-type: application/json' -d '{"sql":"SELECT user_type, count(*) FROM azuread_user GROUP BY ALL"}'`;
  return page(
    "Console",
    html`<h1>Workspace <code>${principal.workspaceId}</code></h1>
<form method="post" action="/console/sign-out"><span class="muted">Signed in with key <code>${principal.keyId}</code> (${principal.role}).</span> <button type="submit">Sign out</button></form>
<h2>Integrations</h2>
<table><thead><tr><th>Name</th><th>Id</th><th>Tenant</th><th>Status</th><th>Note</th></tr></thead><tbody>${rows}</tbody></table>
<p>Details, last poll and row counts: <code>GET /api/integrations/&lt;id&gt;</code>.</p>
<h2>Query</h2>
<pre>${curl}</pre>
<p>Every route: <a href="/openapi.json">/openapi.json</a>.</p>`,
  );
}
