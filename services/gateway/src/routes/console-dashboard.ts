import { AppError, Severity } from "@tenantlens/contracts";
import { html } from "hono/html";
import { lineChart } from "../console/chart.js";
import { status, when } from "../console/layout.js";
import { definePage } from "../console/page.js";
import { consoleQuery } from "../console/sql.js";
import { listIntegrations } from "./integrations.js";
import { listTables } from "./query.js";
import { listViolations } from "./rules.js";

/**
 * The dashboard: what the workspace holds (rows per table), what is wrong (open violations by
 * severity), how it moves (changes per hour, from the polls' change counts) and which integrations
 * need attention. Every part that cannot be read right now says so instead of failing the page.
 */
export const dashboardPage = definePage({
  path: "/",
  summary: "Console dashboard (HTML; the sign-in page without a session)",
  section: "dashboard",
  title: "Dashboard",
  access: "viewer",
  render: async ({ api, deps, principal, frame }) => {
    const [integrations, tables, severities, changes] = await Promise.all([
      api.tryGet(listIntegrations, "/api/integrations"),
      api.tryGet(listTables, "/api/tables"),
      Promise.all(
        Severity.options.map(async (s) => {
          const r = await api.tryGet(listViolations, `/api/violations?status=open&severity=${s}&limit=1`);
          return { severity: s, total: r instanceof AppError ? null : r.total };
        }),
      ),
      consoleQuery(
        deps,
        principal,
        `SELECT date_trunc('hour', started_at) AS hour, sum(added + modified + removed)::BIGINT AS changes
         FROM polls WHERE started_at > now() - INTERVAL 2 DAY GROUP BY ALL ORDER BY hour`,
      ).catch((err: unknown) => (err instanceof AppError ? err : new AppError("unavailable", String(err)))),
    ]);

    const counts = new Map<string, number>();
    if (!(integrations instanceof AppError)) {
      for (const i of integrations.integrations)
        for (const [t, n] of Object.entries(i.counts ?? {})) counts.set(t, (counts.get(t) ?? 0) + n);
    }
    const described = tables instanceof AppError ? [] : tables.tables;
    const tableRows = described
      .filter((t) => t.name.startsWith("azuread_") && !t.name.endsWith("_changes"))
      .map((t) => ({ name: t.name, description: t.description, rows: counts.get(t.name) ?? 0 }))
      .sort((a, b) => b.rows - a.rows);
    const attention =
      integrations instanceof AppError
        ? []
        : integrations.integrations.filter(
            (i) =>
              i.status !== "active" ||
              !i.enabled ||
              i.lastPoll?.status === "failed" ||
              i.lastPoll?.status === "partial",
          );

    const points =
      changes instanceof AppError
        ? []
        : changes.rows.map((r) => ({ x: new Date(String(r.hour)).getTime(), y: Number(r.changes ?? 0) }));

    return frame(
      "Dashboard",
      html`<h1>Dashboard</h1>
<div class="cards">
  <section class="card" aria-labelledby="sev-h">
    <h2 id="sev-h">Open violations</h2>
    <ul class="sev">${severities.map(
      (s) =>
        html`<li><a href="/console/violations?severity=${s.severity}"><span class="sev-${s.severity}">${s.severity}</span> <strong>${s.total ?? "?"}</strong></a></li>`,
    )}</ul>
  </section>
  <section class="card" aria-labelledby="att-h">
    <h2 id="att-h">Integrations needing attention</h2>
    ${
      integrations instanceof AppError
        ? html`<p class="error">Integrations are unavailable: ${integrations.message}</p>`
        : integrations.integrations.length === 0
          ? html`<p>No tenant connected yet. <a href="/console/integrations">Connect one</a>.</p>`
          : attention.length === 0
            ? html`<p>${integrations.integrations.length === 1 ? "The integration is" : `All ${integrations.integrations.length} integrations are`} healthy.</p>`
            : html`<ul>${attention.map(
                (i) =>
                  html`<li><a href="/console/integrations/${i.id}">${i.name}</a> ${status(i.enabled ? i.status : "disabled")} ${i.lastPoll ? html`· last poll ${status(i.lastPoll.status)} ${when(i.lastPoll.startedAt)}` : ""} ${i.statusReason ? html`<br><span class="muted">${i.statusReason}</span>` : ""}</li>`,
              )}</ul>`
    }
  </section>
</div>
<section aria-labelledby="chg-h">
  <h2 id="chg-h">Changes per hour (last 48 hours)</h2>
  ${
    changes instanceof AppError
      ? html`<p class="error">Change history is unavailable: ${changes.message}</p>`
      : lineChart(points, { label: "Changes observed per hour", yLabel: "changes" })
  }
</section>
<section aria-labelledby="tab-h">
  <h2 id="tab-h">Rows per table</h2>
  ${tables instanceof AppError ? html`<p class="error">The table list is unavailable: ${tables.message}</p>` : ""}
  <div class="scroll" tabindex="0"><table>
    <thead><tr><th scope="col">Table</th><th scope="col" class="num">Rows</th><th scope="col">What it holds</th></tr></thead>
    <tbody>${tableRows.map(
      (t) =>
        html`<tr><td><a href="/console/inventory/${t.name}">${t.name}</a></td><td class="num">${t.rows.toLocaleString("en")}</td><td class="muted">${t.description}</td></tr>`,
    )}</tbody>
  </table></div>
</section>`,
    );
  },
});
