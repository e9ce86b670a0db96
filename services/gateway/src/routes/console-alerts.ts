import { AppError, IntegrationStatus, Severity } from "@tenantlens/contracts";
import { html } from "hono/html";
import { z } from "zod";
import { action, can, type Html, status, when } from "../console/layout.js";
import { definePage } from "../console/page.js";
import { listAlerts, listChannels, listNotifications } from "./alerts.js";
import { listSavedQueries } from "./query.js";

const CaughtMail = z.array(
  z.object({
    id: z.string(),
    from: z.string(),
    to: z.array(z.string()),
    subject: z.string(),
    date: z.string().nullable(),
  }),
);

/**
 * The forms that create an alert of each kind (rule violations, directory changes, a saved
 * query's result, integration health, compliance below a threshold), as the API takes them.
 */
function alertForms(
  csrf: string,
  channels: readonly { id: string; name: string }[],
  saved: readonly { id: string; name: string }[] | AppError,
): Html {
  const form = (kind: string, summary: string, fields: Html) => {
    const id = (f: string) => `al-${kind}-${f}`;
    return html`<details><summary>${summary}</summary>${action({
      csrf,
      method: "POST",
      api: "/api/alerts",
      label: "Create alert",
      className: "stack",
      fields: html`<input type="hidden" name="kind" value="${kind}"><label for="${id("name")}">Name</label><input id="${id("name")}" name="name" required maxlength="200">
<label for="${id("ch")}">Channel</label><select id="${id("ch")}" name="channelIds" data-list="1">${channels.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select>
${fields}`,
    })}</details>`;
  };
  return html`${form(
    "rule",
    "New alert on rule violations",
    html`<label for="al-rule-sev">Severities <span class="muted">(comma separated: ${Severity.options.join(", ")})</span></label><input id="al-rule-sev" name="filters.severities" data-list="1" value="critical, high">`,
  )}
${form(
  "change",
  "New alert on directory changes",
  html`<label for="al-change-table">Table <span class="muted">(e.g. azuread_user, azuread_service_principal)</span></label><input id="al-change-table" name="filters.table" required pattern="azuread_[a-z0-9_]+" value="azuread_directory_role_assignment">
<label for="al-change-types">Changes <span class="muted">(comma separated: added, modified, removed)</span></label><input id="al-change-types" name="filters.changeTypes" data-list="1" value="added, removed">
<label for="al-change-fields">Only these properties <span class="muted">(optional, comma separated)</span></label><input id="al-change-fields" name="filters.fields" data-list="1">`,
)}
${
  saved instanceof AppError
    ? html`<p class="error">Query alerts are unavailable: the saved queries could not be read (${saved.message}).</p>`
    : saved.length === 0
      ? html`<p class="muted">Alerts on a query's result need a saved query: save one on the <a href="/console/sql">SQL</a> page.</p>`
      : form(
          "query",
          "New alert when a saved query's result changes",
          html`<label for="al-query-sq">Saved query</label><select id="al-query-sq" name="filters.savedQueryId" required>${saved.map((q) => html`<option value="${q.id}">${q.name}</option>`)}</select>
<label for="al-query-on">Tell when</label><select id="al-query-on" name="filters.on" data-list="1"><option value="rows_added,rows_removed">rows appear or disappear</option><option value="rows_added">rows appear</option><option value="rows_removed">rows disappear</option></select>
<p class="muted hint">Checked after every collection against the query's previous result.</p>`,
        )
}
${form(
  "integration",
  "New alert on integration health",
  html`<label for="al-integration-st">Statuses <span class="muted">(comma separated: ${IntegrationStatus.options.join(", ")})</span></label><input id="al-integration-st" name="filters.statuses" data-list="1" value="broken">`,
)}
${form(
  "compliance",
  "New alert when a compliance score falls",
  html`<label for="al-compliance-t">Threshold <span class="muted">(score in %, alert below it)</span></label><input id="al-compliance-t" name="filters.threshold" type="number" min="0" max="100" step="1" required value="80">`,
)}`;
}

/** Demo mode: what the local mail catcher received (its own JSON list), or why it cannot be read. */
async function caughtMail(url: string): Promise<z.infer<typeof CaughtMail> | AppError> {
  try {
    const res = await fetch(`${url}/messages`, { signal: AbortSignal.timeout(3000) });
    const parsed = CaughtMail.safeParse(await res.json());
    return parsed.success
      ? parsed.data.slice(0, 25)
      : new AppError("unavailable", "the mail catcher's answer was not understood");
  } catch (err) {
    return new AppError(
      "unavailable",
      `the mail catcher at ${url} is not answering (${(err as Error).message})`,
    );
  }
}

export const alertsPage = definePage({
  path: "/console/alerts",
  summary:
    "Console: channels (with test send), alerts, the delivery log and, in demo mode, caught mail (HTML)",
  section: "alerts",
  title: "Alerts",
  access: "viewer",
  render: async ({ api, csrf, principal, deps, frame }) => {
    const [channels, alerts, log, mail, saved] = await Promise.all([
      api.get(listChannels, "/api/channels"),
      api.tryGet(listAlerts, "/api/alerts"),
      api.tryGet(listNotifications, "/api/notifications?limit=50"),
      deps.demoMailUrl ? caughtMail(deps.demoMailUrl) : Promise.resolve(null),
      api.tryGet(listSavedQueries, "/api/saved-queries"),
    ]);
    const channelName = new Map(channels.channels.map((c) => [c.id, c.name]));
    const admin = can(principal, "admin");
    const unavailable = (e: AppError) => html`<p class="error">Unavailable: ${e.message}</p>`;
    let alertsHtml: Html;
    if (alerts instanceof AppError) alertsHtml = unavailable(alerts);
    else if (alerts.alerts.length === 0) alertsHtml = html`<p class="muted">No alert yet.</p>`;
    else
      alertsHtml = html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Alert</th><th scope="col">Kind</th><th scope="col">Channels</th><th scope="col">Last triggered</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead><tbody>${alerts.alerts.map(
        (a) =>
          html`<tr><td>${a.name}</td><td>${a.kind}</td><td>${a.channelIds.map((id) => channelName.get(id) ?? id).join(", ")}</td><td>${when(a.lastTriggeredAt)}</td><td>${status(a.enabled ? "active" : "disabled")}${a.lastError ? html`<br><span class="error">${a.lastError}</span>` : ""}</td><td>${
            can(principal, "analyst")
              ? html`${action({ csrf, method: "PATCH", api: `/api/alerts/${a.id}`, label: a.enabled ? "Disable" : "Enable", fields: html`<input type="hidden" name="enabled" value="${a.enabled ? "false" : "true"}" data-bool="1">` })}${action({ csrf, method: "DELETE", api: `/api/alerts/${a.id}`, label: "Delete", danger: true, confirm: `Delete the alert ${a.name}?` })}`
              : ""
          }</td></tr>`,
      )}</tbody></table></div>`;
    return frame(
      "Alerts",
      html`<h1>Alerts</h1>
<h2>Channels</h2>
${
  channels.channels.length === 0
    ? html`<p class="muted">No channel yet.</p>`
    : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Channel</th><th scope="col">Kind</th><th scope="col">Target</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead><tbody>${channels.channels.map(
        (ch) =>
          html`<tr data-channel="${ch.name}"><td>${ch.name}</td><td>${ch.kind}</td><td>${ch.kind === "webhook" ? html`<code>${ch.url}</code>` : (ch.recipients ?? []).join(", ")}</td><td>${status(ch.enabled ? "active" : "disabled")}${ch.disabledReason ? html`<br><span class="muted">${ch.disabledReason}</span>` : ""}</td><td>${
            admin
              ? html`${action({ csrf, method: "POST", api: `/api/channels/${ch.id}/test`, label: "Send test" })}${action({ csrf, method: "DELETE", api: `/api/channels/${ch.id}`, label: "Delete", danger: true, confirm: `Delete the channel ${ch.name}?` })}`
              : ""
          }</td></tr>`,
      )}</tbody></table></div>`
}
${
  admin
    ? html`<div class="cards">
<div class="card"><h3>New webhook channel</h3>${action({
        csrf,
        method: "POST",
        api: "/api/channels",
        label: "Add webhook",
        className: "stack",
        fields: html`<input type="hidden" name="kind" value="webhook"><label for="wh-name">Name</label><input id="wh-name" name="name" required maxlength="200"><label for="wh-url">URL</label><input id="wh-url" name="url" type="url" required placeholder="https://…">`,
      })}<p class="muted hint">Deliveries are signed (Standard Webhooks); the signing secret is shown once by the API.</p></div>
<div class="card"><h3>New email channel</h3>${action({
        csrf,
        method: "POST",
        api: "/api/channels",
        label: "Add email channel",
        className: "stack",
        fields: html`<input type="hidden" name="kind" value="email"><label for="em-name">Name</label><input id="em-name" name="name" required maxlength="200"><label for="em-to">Recipients <span class="muted">(comma separated)</span></label><input id="em-to" name="recipients" data-list="1" required>`,
      })}</div>
</div>`
    : ""
}
<h2>Alerts</h2>
${alertsHtml}
${can(principal, "analyst") && channels.channels.length > 0 ? alertForms(csrf, channels.channels, saved instanceof AppError ? saved : saved.savedQueries) : ""}
<h2>Delivery log</h2>
${
  log instanceof AppError
    ? unavailable(log)
    : log.notifications.length === 0
      ? html`<p class="muted">Nothing sent yet.</p>`
      : html`<div class="scroll" tabindex="0"><table id="delivery-log"><thead><tr><th scope="col">Created</th><th scope="col">Channel</th><th scope="col">What</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Response</th></tr></thead><tbody>${log.notifications.map(
          (n) =>
            html`<tr data-channel="${channelName.get(n.channelId) ?? n.channelId}" data-status="${n.status}"><td>${when(n.createdAt)}</td><td>${channelName.get(n.channelId) ?? n.channelId} <span class="muted">${n.channelKind}</span></td><td>${n.alertName ? html`${n.alertName}: ` : html`<em>test</em>: `}${n.summary}</td><td>${status(n.status)}</td><td class="num">${n.attempts}</td><td>${n.responseCode ?? ""}${n.error ? html` <span class="error">${n.error}</span>` : ""}</td></tr>`,
        )}</tbody></table></div>`
}
${
  mail === null
    ? ""
    : html`<h2>Mail caught in demo mode</h2>${
        mail instanceof AppError
          ? unavailable(mail)
          : mail.length === 0
            ? html`<p class="muted">No mail yet.</p>`
            : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Date</th><th scope="col">To</th><th scope="col">Subject</th></tr></thead><tbody>${mail.map(
                (m) =>
                  html`<tr><td>${when(m.date)}</td><td>${m.to.join(", ")}</td><td><a href="${deps.demoMailUrl}/messages/${m.id}" rel="noreferrer">${m.subject || "(no subject)"}</a></td></tr>`,
              )}</tbody></table></div>`
      }`
}`,
    );
  },
});
