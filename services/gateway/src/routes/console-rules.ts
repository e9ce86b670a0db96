import { AppError, RuleId, Severity, ViolationState } from "@tenantlens/contracts";
import { html } from "hono/html";
import { z } from "zod";
import { lineChart } from "../console/chart.js";
import { action, can, type Html, status, when } from "../console/layout.js";
import { definePage } from "../console/page.js";
import { consoleQuery, literal, type Row } from "../console/sql.js";
import type { Principal } from "../env.js";
import { listIntegrations } from "./integrations.js";
import { getRule, listPacks, listRules, listViolations } from "./rules.js";

type Violation = {
  integrationId: string;
  ruleId: string;
  ruleTitle: string;
  severity: string;
  resourceId: string;
  table: string;
  displayName: string | null;
  state: string;
  firstSeenAt: string;
  suppression: { suppressionId: string; reason: string; expiresAt: string | null } | null;
};

const sevOrder = (s: string) => Severity.options.indexOf(s as Severity);

/** The suppress / unsuppress control of one violation (an analyst's; the server checks again). */
function triage(v: Violation, csrf: string, principal: Principal): Html {
  if (!can(principal, "analyst")) return html``;
  if (v.state === "suppressed" && v.suppression) {
    return action({
      csrf,
      method: "DELETE",
      api: `/api/suppressions/${v.suppression.suppressionId}`,
      label: "Unsuppress",
      confirm: "Lift this suppression? The violation reopens if it still applies.",
    });
  }
  if (v.state !== "open") return html``;
  return action({
    csrf,
    method: "POST",
    api: "/api/violations/suppress",
    label: "Suppress",
    className: "inline suppress",
    fields: html`<input type="hidden" name="scope" value="violation"><input type="hidden" name="ruleId" value="${v.ruleId}"><input type="hidden" name="integrationId" value="${v.integrationId}"><input type="hidden" name="resourceId" value="${v.resourceId}">
<label class="visually-hidden" for="r-${v.ruleId}-${v.resourceId}">Reason for suppressing ${v.displayName ?? v.resourceId}</label><input id="r-${v.ruleId}-${v.resourceId}" name="reason" required maxlength="2000" placeholder="reason (required)">`,
  });
}

export function violationTable(vs: readonly Violation[], csrf: string, principal: Principal): Html {
  if (vs.length === 0) return html`<p class="muted">None.</p>`;
  return html`<div class="scroll" tabindex="0"><table class="violations">
<thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Resource</th><th scope="col">State</th><th scope="col">First seen</th><th scope="col">Triage</th></tr></thead>
<tbody>${vs.map(
    (v) => html`<tr data-resource="${v.resourceId}" data-rule="${v.ruleId}">
<td><span class="sev-${v.severity}">${v.severity}</span></td>
<td><a href="/console/rules/${v.ruleId}">${v.ruleTitle}</a></td>
<td>${v.table.startsWith("azuread_") ? html`<a href="/console/inventory/${v.table}/${encodeURIComponent(v.resourceId)}?integration=${v.integrationId}">${v.displayName ?? v.resourceId}</a>` : (v.displayName ?? v.resourceId)}<br><span class="muted">${v.table}</span></td>
<td>${status(v.state)}${v.suppression ? html`<br><span class="muted">${v.suppression.reason}${v.suppression.expiresAt ? ` (until ${when(v.suppression.expiresAt)})` : ""}</span>` : ""}</td>
<td>${when(v.firstSeenAt)}</td>
<td>${triage(v, csrf, principal)}</td></tr>`,
  )}</tbody></table></div>`;
}

export const rulesPage = definePage({
  path: "/console/rules",
  summary: "Console: packs with compliance score and trend, and the rules (HTML)",
  section: "rules",
  title: "Rules",
  access: "viewer",
  query: z.object({ pack: z.string().max(64).optional() }),
  render: async ({ api, deps, principal, csrf, query, frame }) => {
    const packParam = query.pack && /^[a-z0-9][a-z0-9._-]{1,62}$/.test(query.pack) ? query.pack : undefined;
    const [packs, rules, trend] = await Promise.all([
      api.get(listPacks, "/api/packs"),
      api.get(listRules, `/api/rules${packParam ? `?pack=${packParam}` : ""}`),
      consoleQuery(
        deps,
        principal,
        `SELECT pack_id, recorded_at, avg(score) AS score FROM compliance_scores WHERE recorded_at > now() - INTERVAL 30 DAY GROUP BY ALL ORDER BY recorded_at`,
        5000,
      ).catch((e: unknown) => (e instanceof AppError ? e : new AppError("unavailable", String(e)))),
    ]);
    const trendOf = (packId: string) =>
      trend instanceof AppError
        ? []
        : trend.rows
            .filter((r) => r.pack_id === packId)
            .map((r) => ({ x: new Date(String(r.recorded_at)).getTime(), y: Math.round(Number(r.score)) }));
    const sorted = [...rules.rules].sort(
      (a, b) =>
        Number(b.statuses.some((s) => s.status === "failing")) -
          Number(a.statuses.some((s) => s.status === "failing")) ||
        sevOrder(a.severity) - sevOrder(b.severity),
    );
    return frame(
      "Rules",
      html`<h1>Rules and compliance</h1>
${can(principal, "analyst") ? html`<p><a class="button" href="/console/rules/new">New custom rule</a></p>` : ""}
<div class="cards">${packs.packs.map((p) => {
        const latest =
          p.scores.length > 0
            ? Math.round(p.scores.reduce((a, s) => a + s.score, 0) / p.scores.length)
            : null;
        return html`<section class="card" aria-labelledby="pack-${p.packId}">
<h2 id="pack-${p.packId}"><a href="/console/rules?pack=${p.packId}">${p.title}</a></h2>
<p><strong class="score">${latest === null ? "—" : `${latest}%`}</strong> compliant · ${p.enabledRules} of ${p.rules} rules enabled</p>
${lineChart(trendOf(p.packId), { label: `${p.title}: compliance score over 30 days`, yLabel: "score %", yMax: 100 })}
</section>`;
      })}</div>
<h2>${packParam ? html`Rules of ${packParam} · <a href="/console/rules">all rules</a>` : "All rules"}</h2>
<div class="scroll" tabindex="0"><table>
<thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col" class="num">Open violations</th><th scope="col">Kind</th></tr></thead>
<tbody>${sorted.map((r) => {
        const open = r.statuses.reduce((a, s) => a + s.violationCount, 0);
        const worst =
          r.statuses.find((s) => s.status === "error") ??
          r.statuses.find((s) => s.status === "failing") ??
          r.statuses[0];
        return html`<tr><td><a href="/console/rules/${r.id}">${r.title}</a><br><span class="muted">${r.references.map((x) => x.id).join(", ")}</span></td><td><span class="sev-${r.severity}">${r.severity}</span></td><td>${r.enabled ? (worst ? status(worst.status) : html`<span class="muted">not evaluated</span>`) : status("disabled")}</td><td class="num">${open}</td><td>${r.managed ? "managed" : "custom"}</td></tr>`;
      })}</tbody></table></div>
${csrf ? "" : ""}`,
    );
  },
});

export const rulePage = definePage({
  path: "/console/rules/:id",
  summary: "Console: one rule with its SQL, references, status and violating resources (HTML)",
  section: "rules",
  title: "Rule",
  access: "viewer",
  params: z.object({ id: RuleId }),
  load: ({ api, params }) => api.get(getRule, `/api/rules/${params.id}?violationLimit=200`),
  render: ({ csrf, principal, frame, loaded: { rule, violations, violationTotal } }) => {
    return frame(
      rule.title,
      html`<p><a href="/console/rules">Rules</a> ›</p>
<h1>${rule.title}</h1>
<p><span class="sev-${rule.severity}">${rule.severity}</span> · ${rule.managed ? "managed" : "custom"} · ${rule.enabled ? "enabled" : "disabled"} · packs ${rule.packs.join(", ") || "—"}</p>
${
  can(principal, "analyst")
    ? html`<div class="row">${
        rule.enabled
          ? action({
              csrf,
              method: "POST",
              api: `/api/rules/${rule.id}/disable`,
              label: "Disable rule",
              confirm: `Disable ${rule.title}? Its violations resolve.`,
            })
          : action({ csrf, method: "POST", api: `/api/rules/${rule.id}/enable`, label: "Enable rule" })
      }${
        rule.managed
          ? ""
          : action({
              csrf,
              method: "DELETE",
              api: `/api/rules/${rule.id}`,
              label: "Delete rule",
              danger: true,
              confirm: `Delete ${rule.title}?`,
              next: "/console/rules",
            })
      }</div>`
    : ""
}
${rule.description ? html`<p>${rule.description}</p>` : ""}
${rule.rationale ? html`<h2>Why it matters</h2><p>${rule.rationale}</p>` : ""}
<h2>Remediation</h2>
<p>${rule.remediation.text}${rule.remediation.url ? html` <a href="${rule.remediation.url}" rel="noreferrer">More</a>` : ""}</p>
<h2>References</h2>
${rule.references.length === 0 ? html`<p class="muted">None.</p>` : html`<ul>${rule.references.map((r) => html`<li>${r.framework} <strong>${r.id}</strong>${r.url ? html` · <a href="${r.url}" rel="noreferrer">source</a>` : ""}</li>`)}</ul>`}
<h2>SQL</h2>
${rule.queries.map((q) => html`${q.description ? html`<p class="muted">${q.description}</p>` : ""}<pre><code>${q.sql}</code></pre>`)}
<p class="muted">Verdict: ${rule.evaluation.kind === "any_row" ? "fails when any row is returned" : `fails when the row count is ${rule.evaluation.op} ${rule.evaluation.value}`}.</p>
<h2>Status per integration</h2>
${rule.statuses.length === 0 ? html`<p class="muted">Not evaluated yet.</p>` : html`<ul>${rule.statuses.map((s) => html`<li><code>${s.integrationId}</code> ${status(s.status)} · ${s.violationCount} open · ${when(s.evaluatedAt)}${s.error ? html` <span class="error">${s.error}</span>` : ""}</li>`)}</ul>`}
<h2>Violating resources (${violationTotal})</h2>
${violationTable(violations, csrf, principal)}`,
    );
  },
});

const ViolationsQuery = z.object({
  status: ViolationState.optional(),
  severity: Severity.optional(),
  resource: z.string().max(400).optional(),
});

export const violationsPage = definePage({
  path: "/console/violations",
  summary: "Console: violations with suppress / unsuppress, and the violation timeline (HTML)",
  section: "violations",
  title: "Violations",
  access: "viewer",
  query: ViolationsQuery,
  render: async ({ api, deps, principal, csrf, query, frame }) => {
    const state = query.status ?? "open";
    const p = new URLSearchParams({ status: state, limit: "200" });
    if (query.severity) p.set("severity", query.severity);
    if (query.resource) p.set("resource", query.resource);
    const [list, events] = await Promise.all([
      api.get(listViolations, `/api/violations?${p}`),
      consoleQuery(
        deps,
        principal,
        `SELECT e.occurred_at, e.transition, e.rule_id, r.title, e.resource_id, e.resource_table, e.display_name, e.actor, e.reason
         FROM rule_violation_events e LEFT JOIN (SELECT DISTINCT rule_id, title FROM rules) r USING (rule_id)
         ${query.resource ? `WHERE e.resource_id = ${literal(query.resource)}` : ""}
         ORDER BY e.occurred_at DESC LIMIT 100`,
      ).catch((e: unknown) => (e instanceof AppError ? e : new AppError("unavailable", String(e)))),
    ]);
    const integrations = await api.tryGet(listIntegrations, "/api/integrations");
    const names = new Map(
      integrations instanceof AppError ? [] : integrations.integrations.map((i) => [i.id, i.name]),
    );
    const tab = (s: string) =>
      html`<li><a href="/console/violations?status=${s}${query.severity ? `&severity=${query.severity}` : ""}"${s === state ? html` aria-current="page"` : ""}>${s}</a></li>`;
    return frame(
      "Violations",
      html`<h1>Violations</h1>
<nav aria-label="Violation state" class="tabs"><ul>${ViolationState.options.map(tab)}</ul></nav>
<form method="get" action="/console/violations" class="row" aria-label="Filter violations">
<input type="hidden" name="status" value="${state}">
<div><label for="v-sev">Severity</label><select id="v-sev" name="severity"><option value="">any</option>${Severity.options.map((s) => html`<option value="${s}"${s === query.severity ? " selected" : ""}>${s}</option>`)}</select></div>
<div><button type="submit">Filter</button></div>
</form>
<p class="muted" id="violation-count">${list.total} ${state} violation${list.total === 1 ? "" : "s"}${query.severity ? ` of severity ${query.severity}` : ""}${names.size > 1 ? ` across ${names.size} integrations` : ""}.</p>
${violationTable(list.violations, csrf, principal)}
<h2>Timeline</h2>
${
  events instanceof AppError
    ? html`<p class="error">The timeline is unavailable: ${events.message}</p>`
    : events.rows.length === 0
      ? html`<p class="muted">No transition recorded yet.</p>`
      : html`<ol class="timeline" aria-label="Violation transitions, newest first">${events.rows.map(
          (e: Row) =>
            html`<li><time datetime="${String(e.occurred_at)}">${when(String(e.occurred_at))}</time> · ${status(String(e.transition))} · <a href="/console/rules/${String(e.rule_id)}">${String(e.title ?? e.rule_id)}</a> · ${String(e.display_name ?? e.resource_id)}${e.actor ? html` · by <code>${String(e.actor)}</code>` : ""}${e.reason ? html` · “${String(e.reason)}”` : ""}</li>`,
        )}</ol>`
}`,
    );
  },
});

export const newRulePage = definePage({
  path: "/console/rules/new",
  summary: "Console: custom rule editor with a dry run (HTML)",
  section: "rules",
  title: "New custom rule",
  scripts: ["rules.js"],
  access: "analyst",
  render: ({ csrf, frame }) =>
    frame(
      "New custom rule",
      html`<p><a href="/console/rules">Rules</a> ›</p>
<h1>New custom rule</h1>
<p class="muted">A rule is read-only SQL: each row it returns is a violating resource, with the columns <code>table</code>, <code>resource_id</code>, <code>display_name</code> and optionally <code>details</code> and <code>integration_id</code>. Try it with a dry run before saving.</p>
${action({
  csrf,
  method: "POST",
  api: "/api/rules",
  label: "Save rule",
  className: "stack rule-editor",
  next: "/console/rules/{rule.id}",
  fields: html`<label for="rule-title">Title</label><input id="rule-title" name="title" required maxlength="200">
<label for="rule-sev">Severity</label><select id="rule-sev" name="severity">${Severity.options.map((s) => html`<option${s === "medium" ? " selected" : ""}>${s}</option>`)}</select>
<label for="rule-desc">Description</label><textarea id="rule-desc" name="description" rows="2" maxlength="5000"></textarea>
<label for="rule-rem">Remediation</label><textarea id="rule-rem" name="remediation.text" rows="2" required maxlength="5000"></textarea>
<label for="rule-sql">SQL</label><textarea id="rule-sql" name="queries.0.sql" rows="8" required spellcheck="false">SELECT 'azuread_user' AS "table", id AS resource_id, display_name, integration_id
FROM azuread_user
WHERE user_type = 'Guest' AND account_enabled</textarea>
<label for="rule-packs">Packs <span class="muted">(comma separated, optional)</span></label><input id="rule-packs" name="packs" data-list="1">`,
})}
<p><button type="button" id="dry-run" class="secondary">Dry run</button></p>
<div id="dry-run-result" role="status" aria-live="polite"></div>`,
    ),
});
