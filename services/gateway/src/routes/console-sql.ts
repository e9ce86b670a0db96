import { AppError } from "@tenantlens/contracts";
import { html, raw } from "hono/html";
import { z } from "zod";
import { action, can, type Html, when } from "../console/layout.js";
import { definePage } from "../console/page.js";
import { listExamples, listSavedQueries, listTables, queryHistory } from "./query.js";

/** JSON for a `<script type="application/json">` block: `<` escaped so it can never close the tag. */
export function jsonBlock(id: string, value: unknown): Html {
  return html`<script type="application/json" id="${id}">${raw(JSON.stringify(value).replaceAll("<", "\\u003c"))}</script>`;
}

const DEFAULT_SQL =
  "SELECT user_type, count(*) AS users\nFROM azuread_user\nGROUP BY ALL\nORDER BY users DESC";

/**
 * The SQL workspace: an editor with highlighting and completion of table and column names, the
 * schema, a results grid that renders only the rows in view, downloads in every format the query
 * route offers, and the workspace's history, saved queries and the product's examples. Running a
 * query is an analyst's (like POST /api/query).
 */
export const sqlPage = definePage({
  path: "/console/sql",
  summary: "Console: SQL workspace (HTML)",
  section: "sql",
  title: "SQL",
  scripts: ["sql.js"],
  access: "analyst",
  query: z.object({ sql: z.string().max(100_000).optional() }),
  render: async ({ api, csrf, principal, query, frame }) => {
    const [tables, examples, saved, history] = await Promise.all([
      api.get(listTables, "/api/tables"),
      api.tryGet(listExamples, "/api/examples"),
      api.tryGet(listSavedQueries, "/api/saved-queries"),
      api.tryGet(queryHistory, "/api/queries/history?limit=25"),
    ]);
    const schema = tables.tables.map((t) => ({ name: t.name, columns: t.columns.map((c) => c.name) }));
    const link = (sql: string) => `/console/sql?sql=${encodeURIComponent(sql)}`;
    const unavailable = (e: AppError) => html`<p class="error">Unavailable: ${e.message}</p>`;
    return frame(
      "SQL",
      html`<h1>SQL workspace</h1>
${jsonBlock("schema-data", schema)}
<div class="sql-layout">
<aside aria-labelledby="schema-h" class="schema">
  <h2 id="schema-h">Schema</h2>
  <ul class="tables">${tables.tables.map(
    (t) =>
      html`<li><details><summary><code>${t.name}</code></summary><p class="muted hint">${t.description}</p><ul>${t.columns.map(
        (c) => html`<li><code>${c.name}</code> <span class="muted">${c.type}</span></li>`,
      )}</ul></details></li>`,
  )}</ul>
</aside>
<section aria-label="Query" class="stack wide">
  <label for="sql-input">SQL <span class="muted">(read-only DuckDB; Ctrl+Enter runs; Tab or Enter accepts a completion)</span></label>
  <div class="editor">
    <pre aria-hidden="true" id="sql-highlight"></pre>
    <textarea id="sql-input" name="sql" rows="10" spellcheck="false" autocomplete="off" autocapitalize="off" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="sql-completions">${query.sql ?? DEFAULT_SQL}</textarea>
    <ul id="sql-completions" class="completions" role="listbox" aria-label="Completions" hidden></ul>
  </div>
  <div class="row">
    <button type="button" id="run">Run</button>
    <button type="button" class="secondary" data-download="text/csv" data-ext="csv">Download CSV</button>
    <button type="button" class="secondary" data-download="application/x-ndjson" data-ext="ndjson">Download NDJSON</button>
    <button type="button" class="secondary" data-download="application/vnd.apache.parquet" data-ext="parquet">Download Parquet</button>
  </div>
  <p id="result-status" role="status" aria-live="polite" class="muted"></p>
  <div class="grid-wrap" id="grid" tabindex="0" role="region" aria-label="Results" hidden></div>
  ${action({
    csrf,
    method: "POST",
    api: "/api/saved-queries",
    label: "Save query",
    className: "row save-query",
    fields: html`<div><label for="save-name">Name</label><input id="save-name" name="name" required maxlength="200"></div><input type="hidden" name="sql" id="save-sql" value="">`,
  })}
</section>
</div>
<div class="cards">
<section class="card" aria-labelledby="ex-h"><h2 id="ex-h">Examples</h2>${
        examples instanceof AppError
          ? unavailable(examples)
          : html`<ul>${examples.examples.map((e) => html`<li><a href="${link(e.sql)}">${e.title}</a><br><span class="muted">${e.description}</span></li>`)}</ul>`
      }</section>
<section class="card" aria-labelledby="saved-h"><h2 id="saved-h">Saved queries</h2>${
        saved instanceof AppError
          ? unavailable(saved)
          : saved.savedQueries.length === 0
            ? html`<p class="muted">None yet.</p>`
            : html`<ul>${saved.savedQueries.map(
                (s) =>
                  html`<li><a href="${link(s.sql)}">${s.name}</a> ${can(principal, "analyst") ? action({ csrf, method: "DELETE", api: `/api/saved-queries/${s.id}`, label: "Delete", confirm: `Delete the saved query ${s.name}?` }) : ""}</li>`,
              )}</ul>`
      }</section>
<section class="card" aria-labelledby="hist-h"><h2 id="hist-h">History</h2>${
        history instanceof AppError
          ? unavailable(history)
          : history.entries.length === 0
            ? html`<p class="muted">No query yet (a query shows here once the warehouse has recorded it).</p>`
            : html`<ol>${history.entries.map(
                (e) =>
                  html`<li><a href="${link(e.sql)}"><code>${e.sql.length > 80 ? `${e.sql.slice(0, 79)}…` : e.sql}</code></a><br><span class="muted">${when(e.startedAt)} · ${e.outcome} · ${e.rowCount} rows · ${Math.round(e.durationMs)} ms</span></li>`,
              )}</ol>`
      }</section>
</div>`,
    );
  },
});
