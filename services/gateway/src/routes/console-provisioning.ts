import { randomBytes } from "node:crypto";
import {
  AppError,
  type Operation,
  OperationId,
  PROVISIONING_PERMISSIONS,
  type ProvisioningState,
} from "@tenantlens/contracts";
import { html } from "hono/html";
import { z } from "zod";
import { action, can, type Html, status, when } from "../console/layout.js";
import { definePage } from "../console/page.js";
import type { Principal } from "../env.js";
import { IntegrationParams, type IntegrationView } from "../schemas.js";
import { getIntegration, listIntegrations } from "./integrations.js";
import {
  getOperation,
  getProvisioning,
  getProvisioningSettings,
  listOperations,
  runOperation,
} from "./provisioning.js";

/**
 * The console's provisioning: the section of an integration's page (state, enable, disable), the
 * forms that run operations (each with a dry-run preview), the operations list and one operation's
 * record. Every write goes through the REST routes of routes/provisioning.ts (admin keys); the forms
 * are sent by the browser module provisioning.js, which shows the operation's report as rendered
 * by the operation page (`#operation-report`), so a record is rendered in one place.
 */

/** Outcomes the report shows as an alert: something was refused, failed, or is not known to have finished. */
const NEEDS_ATTENTION = new Set<Operation["status"]>(["refused", "failed", "partial", "interrupted"]);

const KIND_LABEL: Record<Operation["kind"], string> = {
  create_user: "Create user",
  update_user: "Update properties",
  enable_user: "Enable sign-in",
  disable_user: "Disable sign-in",
  add_group_member: "Add to group",
  remove_group_member: "Remove from group",
  offboard_user: "Offboard",
};

const permissionList = (ps: readonly string[]) =>
  html`${ps.map((p, k) => html`${k > 0 ? ", " : ""}<code>${p}</code>`)}`;

/** A request id for a Run: the form keeps it, so sending the same form again changes nothing twice. */
export function newRequestId(): string {
  return `console-${randomBytes(12).toString("base64url")}`;
}

/**
 * The "Provisioning" section of an integration's page: whether it is on, which write permissions
 * are granted, and Enable (delegated: the incremental-consent link; app-only: the check of the
 * app's application permissions) or Disable with a confirmation. Admins only: the routes are.
 */
export function provisioningSection(
  i: IntegrationView,
  /** null: not read (the key is not an admin's). */
  state: ProvisioningState | AppError | null,
  csrf: string,
  principal: Principal,
): Html {
  if (state === null || !can(principal, "admin"))
    return html`<h2>Provisioning</h2><p class="muted">Provisioning (changes to the tenant's directory) is managed with an admin key.</p>`;
  if (state instanceof AppError)
    return html`<h2>Provisioning</h2><p class="error">The provisioning state is unavailable: ${state.message}</p>`;
  const base = `/api/integrations/${i.id}/provisioning`;
  const delegated = state.kind === "delegated";
  const granted = state.status === "on";
  const how = delegated
    ? html`<p>Enabling sends an administrator of the tenant through Microsoft's consent page (in demo mode: the simulator's) for the <strong>delegated</strong> scopes ${permissionList(PROVISIONING_PERMISSIONS)}, apart from the read consent, and back here.</p>`
    : html`<p>Add these <strong>application permissions</strong> to the app registration <code>${i.clientId ?? ""}</code> in Entra (API permissions → Microsoft Graph → Application permissions) and grant admin consent: ${permissionList(PROVISIONING_PERMISSIONS)}. Then check them here: Tenantlens asks for a fresh token and reads its roles.</p>`;
  return html`<section aria-labelledby="prov-h" id="provisioning">
<h2 id="prov-h">Provisioning</h2>
<dl class="props">
<dt>Status</dt><dd data-provisioning-status="${state.status}">${status(state.status)} <span class="muted">${state.message}</span></dd>
<dt>Write permissions granted</dt><dd>${granted ? html`${permissionList(state.permissions)} <span class="muted">(${delegated ? "delegated scopes" : "application permissions"})</span>` : html`none <span class="muted">(needs ${permissionList(state.permissions)})</span>`}</dd>
${state.updatedAt ? html`<dt>Changed</dt><dd>${when(state.updatedAt)}</dd>` : ""}
</dl>
${granted ? "" : how}
<div class="row">
${
  granted
    ? html`<a class="button" href="/console/integrations/${i.id}/provisioning">Provision users</a>
${action({
  csrf,
  method: "POST",
  api: `${base}/disable`,
  label: "Disable provisioning",
  danger: true,
  confirm: `Turn provisioning off for ${i.name}? Tenantlens stops asking for write tokens at once${delegated ? " and deletes the write-scoped sign-in" : ""}.`,
})}`
    : action({
        csrf,
        method: "POST",
        api: `${base}/enable`,
        label: delegated
          ? state.status === "pending_consent"
            ? "Send through the write consent again"
            : "Enable provisioning (consent)"
          : "Check permissions and enable",
        follow: "consentUrl",
      })
}
<a href="/console/provisioning?integration=${i.id}">Operations of this integration</a>
</div>
</section>`;
}

/** Labelled input (`name` is the JSON path the console's formJson builds). */
function field(
  form: string,
  name: string,
  label: string,
  opts: { required?: boolean; type?: string; hint?: string; pattern?: string; value?: string } = {},
): Html {
  const id = `${form}-${name.split(".").pop()}`;
  return html`<label for="${id}">${label}${opts.hint ? html` <span class="muted">(${opts.hint})</span>` : ""}</label>
<input id="${id}" name="${name}"${opts.type ? html` type="${opts.type}"` : ""}${opts.required ? " required" : ""}${opts.pattern ? html` pattern="${opts.pattern}"` : ""}${opts.value ? html` value="${opts.value}"` : ""}${opts.type === "password" ? html` autocomplete="new-password"` : html` autocomplete="off"`}>`;
}

function checkbox(form: string, name: string, label: string, checked: boolean): Html {
  const id = `${form}-${name.split(".").pop()}`;
  return html`<label class="check" for="${id}"><input id="${id}" name="${name}" type="checkbox"${checked ? " checked" : ""}> ${label}</label>`;
}

const USER_HINT = "object id or userPrincipalName";
const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/** Optional user properties shared by create and update (Graph's names). */
function properties(form: string, prefix: string): Html {
  return html`${field(form, `${prefix}.givenName`, "Given name")}
${field(form, `${prefix}.surname`, "Surname")}
${field(form, `${prefix}.jobTitle`, "Job title")}
${field(form, `${prefix}.department`, "Department")}
${field(form, `${prefix}.usageLocation`, "Usage location", { hint: "two-letter country code", pattern: "[A-Z]{2}" })}`;
}

/**
 * One operation form: Preview (dry run: the exact Graph requests, nothing written) and Run (with
 * the form's request id, kept across re-submits so a double submit makes one change).
 */
function operationForm(opts: {
  id: string;
  title: string;
  description: Html;
  integrationId: string;
  csrf: string;
  fields: Html;
  danger?: boolean;
}): Html {
  const f = opts.id;
  return html`<section class="card op-form" aria-labelledby="${f}-h">
<h3 id="${f}-h">${opts.title}</h3>
<p class="muted">${opts.description}</p>
<form class="stack" method="post" action="#" data-provision="${runOperation.path.replace(":id", opts.integrationId)}" id="${f}">
<input type="hidden" name="csrf" value="${opts.csrf}">
${opts.fields}
<label for="${f}-requestId">Request id <span class="muted">(sending the same id again changes nothing twice)</span></label>
<div class="row"><input id="${f}-requestId" name="requestId" required pattern="[A-Za-z0-9_-]{8,100}" value="${newRequestId()}" autocomplete="off"><button type="button" class="secondary" data-new-request-id="${f}-requestId">New request id</button></div>
<div class="row">
<button type="submit" value="preview" class="secondary">Preview (dry run)</button>
<button type="submit" value="run"${opts.danger ? html` class="danger"` : ""}>Run</button>
</div>
<div class="op-result" aria-live="polite"></div>
</form>
</section>`;
}

function operationForms(integrationId: string, csrf: string): Html {
  const common = { integrationId, csrf };
  return html`<div class="op-forms">
${operationForm({
  ...common,
  id: "op-create",
  title: "Create user",
  description: html`<code>POST /users</code>. The password is never recorded or shown (<code>***</code>).`,
  fields: html`<input type="hidden" name="operation.kind" value="create_user">
${field("op-create", "operation.user.displayName", "Display name", { required: true })}
${field("op-create", "operation.user.userPrincipalName", "User principal name", { required: true, hint: "alias@verified-domain" })}
${field("op-create", "operation.user.mailNickname", "Mail nickname", { required: true, pattern: "[A-Za-z0-9._\\-]{1,64}" })}
${field("op-create", "operation.user.password", "Initial password", { required: true, type: "password", hint: "at least 8 characters" })}
${checkbox("op-create", "operation.user.accountEnabled", "Sign-in enabled", true)}
${checkbox("op-create", "operation.user.forceChangePasswordNextSignIn", "Must change the password at first sign-in", true)}
${properties("op-create", "operation.user")}`,
})}
${operationForm({
  ...common,
  id: "op-update",
  title: "Update properties",
  description: html`<code>PATCH /users/{id}</code> with the properties filled in (empty ones are left as they are).`,
  fields: html`<input type="hidden" name="operation.kind" value="update_user">
${field("op-update", "operation.userId", "User", { required: true, hint: USER_HINT })}
${field("op-update", "operation.properties.displayName", "Display name")}
${properties("op-update", "operation.properties")}`,
})}
${operationForm({
  ...common,
  id: "op-signin",
  title: "Enable or disable sign-in",
  description: html`<code>PATCH /users/{id}</code> <code>{accountEnabled}</code>. Protected accounts and the last Global Administrator are never disabled.`,
  fields: html`<fieldset><legend>Sign-in</legend>
<label class="check" for="op-signin-disable"><input id="op-signin-disable" type="radio" name="operation.kind" value="disable_user" checked> Disable</label>
<label class="check" for="op-signin-enable"><input id="op-signin-enable" type="radio" name="operation.kind" value="enable_user"> Enable</label>
</fieldset>
${field("op-signin", "operation.userId", "User", { required: true, hint: USER_HINT })}`,
})}
${operationForm({
  ...common,
  id: "op-group",
  title: "Add to or remove from a group",
  description: html`<code>POST /groups/{id}/members/$ref</code> or <code>DELETE /groups/{id}/members/{user}/$ref</code>.`,
  fields: html`<fieldset><legend>Membership</legend>
<label class="check" for="op-group-add"><input id="op-group-add" type="radio" name="operation.kind" value="add_group_member" checked> Add</label>
<label class="check" for="op-group-remove"><input id="op-group-remove" type="radio" name="operation.kind" value="remove_group_member"> Remove</label>
</fieldset>
${field("op-group", "operation.userId", "User", { required: true, hint: USER_HINT })}
${field("op-group", "operation.groupId", "Group", { required: true, hint: "object id", pattern: GUID })}`,
})}
${operationForm({
  ...common,
  id: "op-offboard",
  title: "Offboard",
  danger: true,
  description: html`Disables sign-in first, revokes sessions, removes the user from every direct group (dynamic groups are skipped) and optionally removes licences. Stops at the first failure and says what was not done.`,
  fields: html`<input type="hidden" name="operation.kind" value="offboard_user">
${field("op-offboard", "operation.userId", "User", { required: true, hint: USER_HINT })}
${checkbox("op-offboard", "operation.removeLicenses", "Also remove every directly assigned licence", false)}`,
})}
</div>`;
}

export const provisionPage = definePage({
  path: "/console/integrations/:id/provisioning",
  summary:
    "Console: run provisioning operations on an integration's tenant, each with a dry-run preview and a per-step report (HTML)",
  section: "provisioning",
  title: "Provision users",
  scripts: ["provisioning.js"],
  access: "admin",
  params: IntegrationParams,
  load: ({ api, params }) => api.get(getIntegration, `/api/integrations/${params.id}`),
  render: async ({ api, csrf, frame, loaded: i }) => {
    const state = await api.tryGet(getProvisioning, `/api/integrations/${i.id}/provisioning`);
    const on = !(state instanceof AppError) && state.status === "on";
    return frame(
      `Provision users: ${i.name}`,
      html`<p><a href="/console/integrations/${i.id}">${i.name}</a> ›</p>
<h1>Provision users: ${i.name}</h1>
${
  on
    ? html`<p>Changes are made in tenant <code>${i.tenantId ?? "—"}</code> through Microsoft Graph. <strong>Preview</strong> shows the exact requests without writing; <strong>Run</strong> makes them and reports each step. Every operation is recorded in <a href="/console/provisioning?integration=${i.id}">the operations list</a>.</p>`
    : html`<p class="warning" role="status">Provisioning is not enabled for this integration${state instanceof AppError ? ` (${state.message})` : `: ${state.message}`} Every operation, previews included, is refused until an administrator enables it on <a href="/console/integrations/${i.id}#provisioning">the integration's page</a>.</p>`
}
${operationForms(i.id, csrf)}`,
    );
  },
});

function target(o: Operation): string {
  const input = o.input as { userId?: unknown; user?: { userPrincipalName?: unknown } };
  return String(input.user?.userPrincipalName ?? input.userId ?? o.targetUserId ?? "");
}

/** A step's outcome as people say it: a stopped operation's unsent write is "not attempted". */
function stepOutcome(o: Operation, outcome: Operation["steps"][number]["outcome"]): Html {
  if (outcome === "planned" && !o.dryRun)
    return html`<span class="status status-not_attempted">not attempted</span>`;
  return status(outcome);
}

/** The record's report: outcome, summary and each Graph request (what provisioning.js shows under a form). */
function operationReport(o: Operation): Html {
  return html`<div id="operation-report" class="op-report" data-operation="${o.id}" data-status="${o.status}">
<p><strong>${KIND_LABEL[o.kind]}${o.dryRun ? " (dry run)" : ""}</strong>: ${status(o.status)} <a href="/console/provisioning/operations/${o.id}">operation ${o.id}</a></p>
<p class="${NEEDS_ATTENTION.has(o.status) ? "error" : ""}" role="${NEEDS_ATTENTION.has(o.status) ? "alert" : "status"}">${o.summary}</p>
${
  o.steps.length === 0
    ? html`<p class="muted">No Graph request was ${o.dryRun ? "planned" : "sent"}.</p>`
    : html`<div class="scroll" tabindex="0"><table class="steps">
<caption class="visually-hidden">Graph requests of operation ${o.id}</caption>
<thead><tr><th scope="col">Step</th><th scope="col">Graph request</th><th scope="col">Outcome</th><th scope="col" class="num">HTTP status</th><th scope="col" class="num">Attempts</th><th scope="col">Error</th></tr></thead>
<tbody>${o.steps.map(
        (s) => html`<tr data-step-outcome="${s.outcome}">
<td>${s.name}</td>
<td><code>${s.request.method} ${s.request.url}</code>${s.request.body === null || s.request.body === undefined ? "" : html`<pre>${JSON.stringify(s.request.body, null, 2)}</pre>`}</td>
<td>${stepOutcome(o, s.outcome)}</td>
<td class="num">${s.httpStatus ?? "—"}</td>
<td class="num">${s.attempts}</td>
<td>${s.error ? html`<span class="error">${s.error}</span>` : ""}</td>
</tr>`,
      )}</tbody></table></div>`
}
</div>`;
}

export const operationPage = definePage({
  path: "/console/provisioning/operations/:id",
  summary:
    "Console: one provisioning operation: actor key, request, each Graph request with its status, outcome (HTML)",
  section: "provisioning",
  title: "Provisioning operation",
  access: "admin",
  params: z.object({ id: OperationId }),
  load: ({ api, params }) => api.get(getOperation, `/api/provisioning/operations/${params.id}`),
  render: async ({ api, frame, loaded: o }) => {
    const i = await api.tryGet(getIntegration, `/api/integrations/${o.integrationId}`);
    const name = i instanceof AppError ? o.integrationId : i.name;
    return frame(
      `${KIND_LABEL[o.kind]} · ${o.id}`,
      html`<p><a href="/console/provisioning">Provisioning</a> ›</p>
<h1>${KIND_LABEL[o.kind]}${o.dryRun ? " (dry run)" : ""}: ${target(o)}</h1>
<dl class="props">
<dt>Outcome</dt><dd>${status(o.status)}</dd>
<dt>Integration</dt><dd><a href="/console/integrations/${o.integrationId}">${name}</a></dd>
<dt>Actor (API key id)</dt><dd><code>${o.actor}</code></dd>
<dt>Request id</dt><dd><code>${o.requestId}</code></dd>
<dt>Operation id</dt><dd><code>${o.id}</code></dd>
<dt>Target user</dt><dd><code>${o.targetUserId ?? "—"}</code></dd>
<dt>Started</dt><dd>${when(o.startedAt)}</dd>
<dt>Finished</dt><dd>${when(o.finishedAt)}</dd>
</dl>
<h2>Request</h2>
<pre>${JSON.stringify({ kind: o.kind, ...o.input }, null, 2)}</pre>
<h2>Graph requests and outcome</h2>
${operationReport(o)}`,
    );
  },
});

export const operationsPage = definePage({
  path: "/console/provisioning",
  summary:
    "Console: provisioning: each integration's state, the operations (newest first) and the protected accounts (HTML)",
  section: "provisioning",
  title: "Provisioning",
  access: "admin",
  query: z.object({ integration: IntegrationParams.shape.id.optional() }),
  render: async ({ api, csrf, query, frame }) => {
    const filter = query.integration ? `&integrationId=${query.integration}` : "";
    const [{ integrations }, ops, settings] = await Promise.all([
      api.get(listIntegrations, "/api/integrations"),
      api.get(listOperations, `/api/provisioning/operations?limit=200${filter}`),
      api.tryGet(getProvisioningSettings, "/api/provisioning/settings"),
    ]);
    const states = await Promise.all(
      integrations.map(async (i) => ({
        i,
        state: await api.tryGet(getProvisioning, `/api/integrations/${i.id}/provisioning`),
      })),
    );
    const names = new Map(integrations.map((i) => [i.id, i.name]));
    return frame(
      "Provisioning",
      html`<h1>Provisioning</h1>
<p class="muted">Changes Tenantlens made (or planned, in dry runs) in connected tenants' directories. See the integration's page to enable provisioning.</p>
<h2>Integrations</h2>
${
  integrations.length === 0
    ? html`<p class="muted">No tenant is connected yet.</p>`
    : html`<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Integration</th><th scope="col">Provisioning</th><th scope="col">Actions</th></tr></thead><tbody>${states.map(
        ({ i, state }) =>
          html`<tr><td><a href="/console/integrations/${i.id}#provisioning">${i.name}</a></td><td>${state instanceof AppError ? html`<span class="error">${state.message}</span>` : status(state.status)}</td><td>${!(state instanceof AppError) && state.status === "on" ? html`<a href="/console/integrations/${i.id}/provisioning">Provision users</a>` : html`<a href="/console/integrations/${i.id}#provisioning">Enable on its page</a>`}</td></tr>`,
      )}</tbody></table></div>`
}
<h2 id="ops-h">Operations</h2>
<form method="get" action="/console/provisioning" class="inline">
<label for="ops-integration">Integration</label>
<select id="ops-integration" name="integration"><option value="">All</option>${integrations.map(
        (i) =>
          html`<option value="${i.id}"${i.id === query.integration ? " selected" : ""}>${i.name}</option>`,
      )}</select>
<button type="submit" class="secondary">Show</button>
</form>
${
  ops.operations.length === 0
    ? html`<p class="muted">No operation yet.</p>`
    : html`<div class="scroll" tabindex="0"><table id="operations" aria-labelledby="ops-h"><thead><tr><th scope="col">Started</th><th scope="col">Operation</th><th scope="col">User</th><th scope="col">Integration</th><th scope="col">Outcome</th><th scope="col">Actor</th><th scope="col">Summary</th></tr></thead><tbody>${ops.operations.map(
        (o) =>
          html`<tr data-operation="${o.id}" data-request-id="${o.requestId}" data-status="${o.status}"><td>${when(o.startedAt)}</td><td><a href="/console/provisioning/operations/${o.id}">${KIND_LABEL[o.kind]}</a>${o.dryRun ? html` <span class="muted">dry run</span>` : ""}</td><td><code>${target(o)}</code></td><td>${names.get(o.integrationId) ?? o.integrationId}</td><td>${status(o.status)}</td><td><code>${o.actor}</code></td><td>${o.summary}</td></tr>`,
      )}</tbody></table></div>`
}
<h2>Protected accounts</h2>
<p class="muted">Break-glass accounts of this workspace: never disabled or offboarded (the tenant's last enabled Global Administrator is refused too).</p>
${
  settings instanceof AppError
    ? html`<p class="error">Unavailable: ${settings.message}</p>`
    : action({
        csrf,
        method: "PUT",
        api: "/api/provisioning/settings",
        label: "Save protected accounts",
        className: "stack",
        fields: html`<label for="protected-users">Object ids or userPrincipalNames <span class="muted">(one a line)</span></label>
<textarea id="protected-users" name="protectedUsers" data-list="1" data-keep-empty="1" rows="4">${settings.protectedUsers.join("\n")}</textarea>`,
      })
}`,
    );
  },
});

export const provisioningPages = [provisionPage, operationsPage, operationPage];
