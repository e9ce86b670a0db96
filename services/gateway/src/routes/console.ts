import { type Integration, IntegrationList } from "@tenantlens/contracts";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import type { ApiKeyStore } from "../auth/key-store.js";
import { page } from "../console/layout.js";
import type { AppEnv, GatewayDeps, Principal } from "../env.js";

const COOKIE = "tl_key";

/**
 * A minimal operator console: sign in with an API key (kept in an HttpOnly cookie), see the
 * workspace's integrations and how to query them. The full console comes later.
 */
export function consoleRoutes(deps: GatewayDeps, keys: ApiKeyStore): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const publicOrigin = new URL(deps.publicUrl).origin;
  const secure = publicOrigin.startsWith("https:");

  app.use(
    "/console/*",
    csrf({ origin: (origin, c) => origin === publicOrigin || origin === new URL(c.req.url).origin }),
  );

  app.get("/", async (c) => {
    const key = getCookie(c, COOKIE);
    const principal = key ? await keys.verify(key) : null;
    if (!principal) return c.html(signIn(key ? "That API key is not valid any more." : null));
    const { integrations } = await deps.bus
      .request(IntegrationList, { workspaceId: principal.workspaceId })
      .catch(() => ({ integrations: null }));
    return c.html(home(principal, integrations, deps.publicUrl));
  });

  app.post("/console/sign-in", async (c) => {
    const form = await c.req.parseBody();
    const key = typeof form.key === "string" ? form.key.trim() : "";
    if (!key || !(await keys.verify(key))) return c.html(signIn("That API key is not valid."), 401);
    setCookie(c, COOKIE, key, { httpOnly: true, sameSite: "Strict", secure, path: "/", maxAge: 7 * 86_400 });
    return c.redirect("/", 303);
  });

  app.post("/console/sign-out", (c) => {
    deleteCookie(c, COOKIE, { path: "/" });
    return c.redirect("/", 303);
  });

  return app;
}

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
