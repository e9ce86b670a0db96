import { catalog, resourceByName } from "@tenantlens/graph";
import { html } from "hono/html";
import { expectsFirstPoll, pollStage } from "../console/assets/poll-stage.js";
import { action, can, type Html, status, when } from "../console/layout.js";
import { definePage } from "../console/page.js";
import type { Principal } from "../env.js";
import { IntegrationParams, type IntegrationView, type PollView } from "../schemas.js";
import { provisioningSection } from "./console-provisioning.js";
import { getIntegration, listIntegrations, listPolls } from "./integrations.js";
import { getProvisioning } from "./provisioning.js";

const LICENCE: Record<string, string> = { p1: "Entra ID P1", p2: "Entra ID P2", intune: "Intune" };

/** Least privilege first: the first permission a catalog entry lists is enough on its own. */
function permissionText(resource: { permissions: string[]; licence: string | null }): string {
  const [first, ...others] = resource.permissions;
  const alt = others.length > 0 ? ` (or ${others.join(", ")})` : "";
  return `${first ?? "—"}${alt}${resource.licence ? `; needs ${LICENCE[resource.licence] ?? resource.licence}` : ""}`;
}

/** Where a poll is, for its progress bar (the same function the browser runs for live updates). */
export function pollProgress(
  p: PollView | null,
  i: Pick<IntegrationView, "status" | "enabled">,
): { value: number; label: string; done: boolean } {
  return pollStage(p, catalog.length, expectsFirstPoll(i));
}

function progress(i: IntegrationView): Html {
  const p = pollProgress(i.lastPoll, i);
  return html`<div class="poll-progress" data-poll-progress="${i.id}" data-tables="${catalog.length}" data-done="${p.done ? "true" : "false"}">
<progress max="100" value="${p.value}" aria-label="Last poll of ${i.name}">${p.value}%</progress>
<span class="poll-label">${i.lastPoll ? status(i.lastPoll.status) : ""} <span class="muted">${p.done ? (i.lastPoll ? when(i.lastPoll.completedAt ?? i.lastPoll.startedAt) : "") : p.label}</span></span>
</div>`;
}

function rows(i: IntegrationView): number {
  return Object.values(i.counts ?? {}).reduce((a, b) => a + b, 0);
}

function connectForms(csrf: string): Html {
  return html`<section aria-labelledby="connect-h">
<h2 id="connect-h">Connect a tenant</h2>
<div class="cards">
<div class="card">
  <h3>With consent (recommended)</h3>
  <p>A Global Administrator of the tenant signs in at Microsoft, reviews the permissions and approves; they come back here.</p>
  ${action({
    csrf,
    method: "POST",
    api: "/api/integrations",
    label: "Connect tenant",
    follow: "consentUrl",
    next: "/console/integrations/{id}",
    className: "stack",
    fields: html`<input type="hidden" name="auth.mode" value="delegated">
<label for="d-name">Name</label><input id="d-name" name="name" required maxlength="200" placeholder="Contoso production">
<label for="d-tenant">Tenant id (optional)</label><input id="d-tenant" name="tenantId" placeholder="any tenant: leave empty" pattern="[0-9a-fA-F-]{36}">`,
  })}
</div>
<div class="card">
  <h3>With your own app registration (app-only)</h3>
  <p>Register an app in the tenant, add a client secret and grant it the <strong>application permissions</strong> below (admin consent). Not granted yet? Connect anyway: the integration's page then offers the admin-consent link (add this server's <code>/oauth/callback</code> as the app's Web redirect URI). Or use a certificate instead of a secret (below).</p>
  ${action({
    csrf,
    method: "POST",
    api: "/api/integrations",
    label: "Connect with client secret",
    next: "/console/integrations/{id}",
    className: "stack",
    fields: html`<input type="hidden" name="auth.mode" value="app">
<label for="a-name">Name</label><input id="a-name" name="name" required maxlength="200">
<label for="a-tenant">Tenant id</label><input id="a-tenant" name="tenantId" required pattern="[0-9a-fA-F-]{36}">
<label for="a-client">Application (client) id</label><input id="a-client" name="auth.clientId" required>
<label for="a-secret">Client secret</label><input id="a-secret" name="auth.clientSecret" type="password" required autocomplete="off">`,
  })}
<details id="connect-certificate">
<summary>Use a certificate instead of a client secret</summary>
<p class="muted hint">Upload the certificate (public part) to the app registration (Certificates &amp; secrets); here, give its private key (PEM, PKCS#8 or PKCS#1 RSA; sealed at rest, never shown again) and the certificate (PEM) or the thumbprint Entra shows.</p>
${action({
  csrf,
  method: "POST",
  api: "/api/integrations",
  label: "Connect with certificate",
  next: "/console/integrations/{id}",
  className: "stack",
  fields: html`<input type="hidden" name="auth.mode" value="app">
<label for="c-name">Name</label><input id="c-name" name="name" required maxlength="200">
<label for="c-tenant">Tenant id</label><input id="c-tenant" name="tenantId" required pattern="[0-9a-fA-F-]{36}">
<label for="c-client">Application (client) id</label><input id="c-client" name="auth.clientId" required>
<label for="c-key">Private key (PEM)</label><textarea id="c-key" name="auth.certificate.privateKeyPem" rows="4" required autocomplete="off" spellcheck="false" placeholder="-----BEGIN PRIVATE KEY-----"></textarea>
<label for="c-key-file">… or read it from a file</label><input id="c-key-file" type="file" accept=".pem,.key,text/plain" data-fill="c-key">
<label for="c-cert">Certificate (PEM)</label><textarea id="c-cert" name="auth.certificate.certificatePem" rows="4" spellcheck="false" placeholder="-----BEGIN CERTIFICATE-----"></textarea>
<label for="c-cert-file">… or read it from a file</label><input id="c-cert-file" type="file" accept=".pem,.crt,.cer,text/plain" data-fill="c-cert">
<label for="c-thumb">Or its thumbprint <span class="muted">(hex, as Entra shows it; when no certificate is given)</span></label><input id="c-thumb" name="auth.certificate.thumbprint" pattern="[0-9a-fA-F]{40}|[0-9a-fA-F]{64}" autocomplete="off">`,
})}
</details>
</div>
</div>
<details>
<summary>Application permissions to grant, per table</summary>
<div class="scroll" tabindex="0"><table>
<thead><tr><th scope="col">Table</th><th scope="col">Microsoft Graph application permission</th></tr></thead>
<tbody>${catalog.map((r) => html`<tr><td><code>${r.table}</code></td><td>${permissionText(r)}</td></tr>`)}</tbody>
</table></div>
</details>
</section>`;
}

export const integrationsPage = definePage({
  path: "/console/integrations",
  summary: "Console: integrations with status, last poll and a live progress bar; connect a tenant (HTML)",
  section: "integrations",
  title: "Integrations",
  scripts: ["progress.js"],
  access: "viewer",
  render: async ({ api, csrf, principal, frame }) => {
    const { integrations } = await api.get(listIntegrations, "/api/integrations");
    return frame(
      "Integrations",
      html`<h1>Integrations</h1>
${
  integrations.length === 0
    ? html`<p>No tenant is connected yet.</p>`
    : html`<div class="scroll" tabindex="0"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Tenant</th><th scope="col">Status</th><th scope="col">Last poll</th><th scope="col" class="num">Rows</th></tr></thead>
<tbody>${integrations.map(
        (i) => html`<tr>
<td><a href="/console/integrations/${i.id}">${i.name}</a><br><span class="muted">${i.authMode === "app" ? "app-only" : "delegated"}</span></td>
<td><code>${i.tenantId ?? "—"}</code></td>
<td>${status(i.enabled ? i.status : "disabled")}${i.statusReason ? html`<br><span class="muted">${i.statusReason}</span>` : ""}</td>
<td>${progress(i)}</td>
<td class="num">${rows(i).toLocaleString("en")}</td>
</tr>`,
      )}</tbody></table></div>`
}
${can(principal, "admin") ? connectForms(csrf) : html`<p class="muted">Connecting tenants needs an admin key.</p>`}`,
    );
  },
});

function controls(i: IntegrationView, csrf: string, principal: Principal): Html {
  const base = `/api/integrations/${i.id}`;
  return html`<div class="row">
${can(principal, "analyst") ? action({ csrf, method: "POST", api: `${base}/polls`, label: "Collect now" }) : ""}
${
  can(principal, "admin")
    ? html`${i.status !== "active" && i.enabled ? action({ csrf, method: "POST", api: `${base}/consent`, label: i.authMode === "app" ? "Open the admin-consent link" : "Send through consent again", follow: "consentUrl" }) : ""}
${
  i.enabled
    ? action({
        csrf,
        method: "POST",
        api: `${base}/disable`,
        label: "Disable",
        confirm: `Stop collecting ${i.name}? Its data stays.`,
      })
    : action({ csrf, method: "POST", api: `${base}/enable`, label: "Enable" })
}
${action({
  csrf,
  method: "DELETE",
  api: base,
  label: "Delete",
  danger: true,
  confirm: `Delete ${i.name} and its credentials? This cannot be undone.`,
  next: "/console/integrations",
})}`
    : ""
}
</div>`;
}

export const integrationPage = definePage({
  path: "/console/integrations/:id",
  summary: "Console: one integration, its poll progress, per-table permission report and poll history (HTML)",
  section: "integrations",
  title: "Integration",
  scripts: ["progress.js"],
  access: "viewer",
  params: IntegrationParams,
  load: ({ api, params }) => api.get(getIntegration, `/api/integrations/${params.id}`),
  render: async ({ api, csrf, principal, params, frame, loaded: i }) => {
    const [history, provisioning] = await Promise.all([
      api.tryGet(listPolls, `/api/integrations/${params.id}/polls?limit=10`),
      can(principal, "admin")
        ? api.tryGet(getProvisioning, `/api/integrations/${params.id}/provisioning`)
        : null,
    ]);
    const last = i.lastPoll;
    const report = catalog.map((r) => {
      const got = last?.resources.find((x) => x.resource === r.name);
      return { r, got };
    });
    return frame(
      i.name,
      html`<p><a href="/console/integrations">Integrations</a> ›</p>
<h1>${i.name}</h1>
<dl class="props">
<dt>Status</dt><dd>${status(i.enabled ? i.status : "disabled")} ${i.statusReason ?? ""}</dd>
<dt>Tenant</dt><dd><code>${i.tenantId ?? "— (set by consent)"}</code></dd>
<dt>Authentication</dt><dd>${i.authMode === "app" ? html`app-only, client <code>${i.clientId}</code>` : "delegated (consent)"}</dd>
<dt>Created</dt><dd>${when(i.createdAt)}</dd>
<dt>Integration id</dt><dd><code>${i.id}</code></dd>
</dl>
${controls(i, csrf, principal)}
<h2>Last poll</h2>
${progress(i)}
${last?.error ? html`<p class="error">${last.error}</p>` : ""}
${provisioningSection(i, provisioning, csrf, principal)}
<h2>Permissions and collection, per table</h2>
<p class="muted">What the last poll could read. A table it could not read says why (missing permission or licence); it never fails the poll.</p>
<div class="scroll" tabindex="0"><table>
<thead><tr><th scope="col">Table</th><th scope="col">Outcome</th><th scope="col" class="num">Objects</th><th scope="col">Permission needed</th><th scope="col">Note</th></tr></thead>
<tbody>${report.map(
        ({ r, got }) =>
          html`<tr><td><code>${r.table}</code></td><td>${got ? status(got.outcome) : html`<span class="muted">not read yet</span>`}</td><td class="num">${got ? got.objectCount.toLocaleString("en") : ""}</td><td>${permissionText(r)}</td><td class="muted">${got?.reason ?? ""}</td></tr>`,
      )}</tbody></table></div>
<h2>Poll history</h2>
${
  history instanceof Error
    ? html`<p class="error">Poll history is unavailable: ${history.message}</p>`
    : html`<div class="scroll" tabindex="0"><table>
<thead><tr><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col" class="num">Added</th><th scope="col" class="num">Modified</th><th scope="col" class="num">Removed</th></tr></thead>
<tbody>${history.polls.map(
        (p) =>
          html`<tr><td>${when(p.startedAt)}</td><td>${status(p.status)}</td><td>${p.reason ?? ""}</td><td class="num">${p.changes.added}</td><td class="num">${p.changes.modified}</td><td class="num">${p.changes.removed}</td></tr>`,
      )}</tbody></table></div>`
}`,
    );
  },
});

/** Tables of a resource name (used by other pages to name what a poll collected). */
export const tableOf = (resource: string) => resourceByName(resource)?.table ?? resource;
