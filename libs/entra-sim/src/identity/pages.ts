import type { SimApp, TenantIdentity } from "../types.js";
import type { EntraErrorBody } from "./errors.js";
import type { ConsentTxn } from "./grant-store.js";

/** Server-rendered pages of the sign-in experience; plain HTML so tests can parse the form. */

export function consentPage(opts: {
  tenant: TenantIdentity;
  app: SimApp;
  txn: Omit<ConsentTxn, "expiresAt">;
  txnId: string;
  postUrl: string;
}): string {
  const { tenant, app, txn } = opts;
  const admin = txn.kind === "adminconsent";
  const items = txn.graphScopes.map((s) => `<li><code>${esc(s)}</code></li>`).join("");
  const oidc = txn.oidcScopes.includes("offline_access")
    ? "<li>Maintain access to data you have given it access to (<code>offline_access</code>)</li>"
    : "";
  return layout(
    "Permissions requested",
    `<p class="who">Signed in as <strong>${esc(tenant.adminUser.userPrincipalName)}</strong> (${esc(tenant.displayName)})</p>
<h1>Permissions requested</h1>
<p><strong>${esc(app.displayName)}</strong> <span class="muted">unverified</span> ${
      admin
        ? "needs permission to access resources in your organization that only an admin can grant."
        : "would like to:"
    }</p>
<ul class="perms">${items}${oidc}</ul>
${admin ? `<p>Accepting grants these permissions for all users of <strong>${esc(tenant.displayName)}</strong>.</p>` : ""}
<form method="post" action="${esc(opts.postUrl)}">
  <input type="hidden" name="txn" value="${esc(opts.txnId)}">
  <button type="submit" name="decision" value="decline">Decline</button>
  <button type="submit" name="decision" value="approve" class="primary">Approve</button>
</form>`,
  );
}

export function errorPage(body: EntraErrorBody): string {
  const [first, ...rest] = body.error_description.split("\r\n");
  return layout(
    "Sign in error",
    `<h1>Sorry, but we're having trouble signing you in.</h1>
<p id="error-description">${esc(first ?? "")}</p>
<dl>${rest.map((line) => `<dd>${esc(line)}</dd>`).join("")}</dl>
<p class="muted">error: <code id="error">${esc(body.error)}</code></p>`,
  );
}

/** response_mode=form_post: the browser posts the result to the redirect URI. */
export function formPostPage(action: string, params: Record<string, string>): string {
  const inputs = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Working...</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="${esc(action)}">${inputs}
<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}

export function simplePage(title: string, text: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} - Entra ID simulator</title>
<style>
body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:48px auto;background:#fff;padding:32px 44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:22px;font-weight:600}.muted{color:#666}.who{font-size:13px}
ul.perms{padding-left:20px}button{padding:6px 18px;margin:16px 8px 0 0;border:1px solid #888;background:#eee}
button.primary{background:#0067b8;color:#fff;border-color:#0067b8}code{font-size:13px}
</style></head>
<body><main><p class="muted">Microsoft Entra ID (simulator)</p>${body}</main></body></html>`;
}

function esc(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
