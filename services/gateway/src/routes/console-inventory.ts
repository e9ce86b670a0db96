import { AppError } from "@tenantlens/contracts";
import { resourceByTable, systemTableSchema } from "@tenantlens/graph";
import { html } from "hono/html";
import { z } from "zod";
import { type Html, when } from "../console/layout.js";
import { definePage } from "../console/page.js";
import { consoleQuery, containsPattern, ident, literal, type Row } from "../console/sql.js";
import { listIntegrations } from "./integrations.js";
import { listTables } from "./query.js";

const PAGE_SIZE = 50;
type TableInfo = {
  name: string;
  description: string;
  columns: { name: string; type: string; description: string }[];
};

/** A cell as text: JSON for objects, cut to a readable length. */
export function cell(v: unknown, max = 120): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const isResourceTable = (t: TableInfo) => t.name.startsWith("azuread_") && !t.name.endsWith("_changes");

export const inventoryPage = definePage({
  path: "/console/inventory",
  summary: "Console: every table with its row count and description (HTML)",
  section: "inventory",
  title: "Inventory",
  access: "viewer",
  render: async ({ api, frame }) => {
    const [{ tables }, integrations] = await Promise.all([
      api.get(listTables, "/api/tables"),
      api.tryGet(listIntegrations, "/api/integrations"),
    ]);
    const counts = new Map<string, number>();
    if (!(integrations instanceof AppError))
      for (const i of integrations.integrations)
        for (const [t, n] of Object.entries(i.counts ?? {})) counts.set(t, (counts.get(t) ?? 0) + n);
    const list = (ts: TableInfo[], withCounts: boolean) => html`<div class="scroll" tabindex="0"><table>
<thead><tr><th scope="col">Table</th>${withCounts ? html`<th scope="col" class="num">Rows</th>` : ""}<th scope="col">What it holds</th><th scope="col" class="num">Columns</th></tr></thead>
<tbody>${ts.map(
      (t) =>
        html`<tr><td><a href="/console/inventory/${t.name}">${t.name}</a></td>${withCounts ? html`<td class="num">${(counts.get(t.name) ?? 0).toLocaleString("en")}</td>` : ""}<td>${t.description}</td><td class="num">${t.columns.length}</td></tr>`,
    )}</tbody></table></div>`;
    return frame(
      "Inventory",
      html`<h1>Inventory</h1>
<p class="muted">Everything collected from Entra ID, one table per kind of object, current state. Each has a <code>_changes</code> twin with its history, except the append-only audit and sign-in logs. ${integrations instanceof AppError ? html`<span class="error">Row counts are unavailable: ${integrations.message}</span>` : ""}</p>
${list(tables.filter(isResourceTable), true)}
<h2>Tenantlens' own tables</h2>
${list(
  tables.filter((t) => !isResourceTable(t) && !t.name.endsWith("_changes")),
  false,
)}`,
    );
  },
});

const TableParams = z.object({ table: z.string().regex(/^[a-z0-9_]{1,120}$/, "not a table name") });
const BrowseQuery = z.object({
  sort: z.string().max(120).optional(),
  dir: z.enum(["asc", "desc"]).optional(),
  col: z.string().max(120).optional(),
  op: z.enum(["contains", "equals"]).optional(),
  q: z.string().max(500).optional(),
  offset: z.number().int().min(0).max(1_000_000).optional(),
});

/**
 * A table the warehouse can have (the catalog's, their history twins, the system tables): checked
 * here, without a round trip, so an unknown name is a 404 before the page starts streaming.
 */
async function knownTable(name: string): Promise<string> {
  const known =
    resourceByTable(name) ?? resourceByTable(name.replace(/_changes$/, "")) ?? systemTableSchema(name);
  if (!known) throw new AppError("not_found", `no table ${name}`);
  return name;
}

async function tableInfo(get: () => Promise<{ tables: TableInfo[] }>, name: string): Promise<TableInfo> {
  const t = (await get()).tables.find((x) => x.name === name);
  if (!t) throw new AppError("not_found", `no table ${name}`);
  return t;
}

const shown = (t: TableInfo) => {
  const plain = t.columns.filter(
    (c) => c.name !== "_raw" && c.name !== "tenant_id" && c.type !== "JSON" && !c.type.endsWith("[]"),
  );
  const first = plain.filter((c) => c.name === "display_name" || c.name === "id");
  return [...first, ...plain.filter((c) => !first.includes(c))].slice(0, 9);
};

export const tablePage = definePage({
  path: "/console/inventory/:table",
  summary: "Console: browse one table, sorted and filtered on the server (HTML)",
  section: "inventory",
  title: "Table",
  access: "viewer",
  params: TableParams,
  query: BrowseQuery,
  load: ({ params }) => knownTable(params.table),
  render: async ({ api, deps, principal, params, query, frame }) => {
    const t = await tableInfo(() => api.get(listTables, "/api/tables"), params.table);
    const names = new Set(t.columns.map((c) => c.name));
    const cols = shown(t);
    const sort = query.sort && names.has(query.sort) ? query.sort : (cols[0]?.name ?? "id");
    const dir = query.dir ?? "asc";
    const filterCol = query.col && names.has(query.col) ? query.col : undefined;
    const where =
      filterCol && query.q
        ? `WHERE CAST(${ident(filterCol)} AS VARCHAR) ${query.op === "equals" ? `= ${literal(query.q)}` : `ILIKE ${containsPattern(query.q)} ESCAPE '\\'`}`
        : "";
    const offset = query.offset ?? 0;
    const from = `FROM ${ident(t.name)} ${where}`;
    const select = [
      ...cols.map((c) => ident(c.name)),
      ...(names.has("integration_id") && !cols.some((c) => c.name === "integration_id")
        ? ['"integration_id"']
        : []),
    ];
    let result: { rows: Row[]; total: number } | AppError;
    try {
      const [page, count] = await Promise.all([
        consoleQuery(
          deps,
          principal,
          `SELECT ${select.join(", ")} ${from} ORDER BY ${ident(sort)} ${dir === "desc" ? "DESC" : "ASC"} NULLS LAST LIMIT ${PAGE_SIZE} OFFSET ${offset}`,
        ),
        consoleQuery(deps, principal, `SELECT count(*)::BIGINT AS n ${from}`),
      ]);
      result = { rows: page.rows, total: Number(count.rows[0]?.n ?? 0) };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      result = err;
    }
    const link = (extra: Record<string, string | number | undefined>) => {
      const p = new URLSearchParams();
      const merged = { sort, dir, col: filterCol, op: query.op, q: query.q, ...extra };
      for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== "") p.set(k, String(v));
      return `/console/inventory/${t.name}?${p}`;
    };
    const linkable = names.has("id") && t.name.startsWith("azuread_");
    const header = (c: { name: string; description: string }) => {
      const active = c.name === sort;
      const next = active && dir === "asc" ? "desc" : "asc";
      return html`<th scope="col" aria-sort="${active ? (dir === "asc" ? "ascending" : "descending") : "none"}"><a href="${link({ sort: c.name, dir: next, offset: undefined })}" title="${c.description}">${c.name}${active ? (dir === "asc" ? " ▲" : " ▼") : ""}</a></th>`;
    };
    return frame(
      t.name,
      html`<p><a href="/console/inventory">Inventory</a> ›</p>
<h1><code>${t.name}</code></h1>
<p>${t.description}</p>
<form method="get" action="/console/inventory/${t.name}" class="row" role="search" aria-label="Filter ${t.name}">
  <input type="hidden" name="sort" value="${sort}"><input type="hidden" name="dir" value="${dir}">
  <div><label for="f-col">Column</label><select id="f-col" name="col">${t.columns
    .filter((c) => c.name !== "_raw")
    .map(
      (c) =>
        html`<option value="${c.name}"${c.name === (filterCol ?? cols[0]?.name) ? " selected" : ""}>${c.name}</option>`,
    )}</select></div>
  <div><label for="f-op">Match</label><select id="f-op" name="op"><option value="contains"${query.op !== "equals" ? " selected" : ""}>contains</option><option value="equals"${query.op === "equals" ? " selected" : ""}>equals</option></select></div>
  <div><label for="f-q">Value</label><input id="f-q" name="q" value="${query.q ?? ""}"></div>
  <div><button type="submit">Filter</button></div>
  ${query.q ? html`<div><a href="/console/inventory/${t.name}">Clear filter</a></div>` : ""}
</form>
${
  result instanceof AppError
    ? html`<p class="error" role="alert">${result.message}</p>`
    : html`<p class="muted" aria-live="polite">${result.total.toLocaleString("en")} rows${result.total > 0 ? ` · showing ${offset + 1}–${Math.min(offset + PAGE_SIZE, result.total)}` : ""}</p>
<div class="scroll" tabindex="0"><table>
<thead><tr>${cols.map(header)}</tr></thead>
<tbody>${result.rows.map(
        (r) =>
          html`<tr>${cols.map((c, k) =>
            k === 0 && linkable
              ? html`<td><a href="/console/inventory/${t.name}/${encodeURIComponent(String(r.id))}${r.integration_id ? `?integration=${encodeURIComponent(String(r.integration_id))}` : ""}">${cell(r[c.name]) || String(r.id)}</a></td>`
              : html`<td>${cell(r[c.name])}</td>`,
          )}</tr>`,
      )}</tbody></table></div>
<nav aria-label="Pages" class="row">${offset > 0 ? html`<a href="${link({ offset: Math.max(0, offset - PAGE_SIZE) })}">‹ Previous</a>` : ""} ${offset + PAGE_SIZE < result.total ? html`<a href="${link({ offset: offset + PAGE_SIZE })}">Next ›</a>` : ""}</nav>`
}`,
    );
  },
});

/** Relations shown on a resource page: a title and the SQL that lists the related objects. */
interface Relation {
  title: string;
  /** Tables the query reads (it is skipped when one does not exist). */
  needs: string[];
  /** Table the listed ids link to (per row when the related objects are of several kinds). */
  links: string | ((row: Row) => string);
  sql: (id: string, integration: string) => string;
}

/** An owner is a user or a service principal; the row's `owner_type` says which page to link. */
const ownerTable = (row: Row) =>
  String(row.owner_type ?? "").includes("servicePrincipal") ? "azuread_service_principal" : "azuread_user";

/** The owners of an app, service principal or group, with their names. */
function owners(ownerTableName: string, parentKey: string): Relation {
  return {
    title: "Owners",
    needs: [ownerTableName, "azuread_user", "azuread_service_principal"],
    links: ownerTable,
    sql: (id, i) =>
      `SELECT o.owner_id AS id, coalesce(u.display_name, s.display_name, o.owner_id) AS display_name, coalesce(u.user_principal_name, s.app_id) AS principal, o.owner_type FROM ${ownerTableName} o LEFT JOIN azuread_user u ON u.id = o.owner_id AND u.integration_id = o.integration_id LEFT JOIN azuread_service_principal s ON s.id = o.owner_id AND s.integration_id = o.integration_id WHERE o.${parentKey} = ${id} AND o.integration_id = ${i} ORDER BY 2`,
  };
}

/** App roles (application permissions) a user, group or service principal holds. */
const appRolesHeld: Relation = {
  title: "App roles held (application permissions)",
  needs: ["azuread_app_role_assignment"],
  links: "azuread_service_principal",
  sql: (id, i) =>
    `SELECT resource_service_principal_id AS id, resource_display_name, app_role_id, created_date_time FROM azuread_app_role_assignment WHERE principal_id = ${id} AND integration_id = ${i} ORDER BY resource_display_name`,
};

const RELATIONS: Record<string, Relation[]> = {
  azuread_user: [
    {
      title: "Groups (direct member)",
      needs: ["azuread_group_member", "azuread_group"],
      links: "azuread_group",
      sql: (id, i) =>
        `SELECT g.id, g.display_name, g.security_enabled FROM azuread_group_member m JOIN azuread_group g ON g.id = m.group_id AND g.integration_id = m.integration_id WHERE m.member_id = ${id} AND m.integration_id = ${i} ORDER BY g.display_name`,
    },
    {
      title: "Directory roles (active)",
      needs: ["azuread_directory_role_assignment", "azuread_directory_role_definition"],
      links: "azuread_directory_role_definition",
      sql: (id, i) =>
        `SELECT d.id, d.display_name, a.directory_scope_id FROM azuread_directory_role_assignment a LEFT JOIN azuread_directory_role_definition d ON d.id = a.role_definition_id AND d.integration_id = a.integration_id WHERE a.principal_id = ${id} AND a.integration_id = ${i} ORDER BY d.display_name`,
    },
    {
      title: "Directory roles (eligible)",
      needs: ["azuread_directory_role_eligibility_schedule_instance", "azuread_directory_role_definition"],
      links: "azuread_directory_role_definition",
      sql: (id, i) =>
        `SELECT d.id, d.display_name, e.end_date_time FROM azuread_directory_role_eligibility_schedule_instance e LEFT JOIN azuread_directory_role_definition d ON d.id = e.role_definition_id AND d.integration_id = e.integration_id WHERE e.principal_id = ${id} AND e.integration_id = ${i} ORDER BY d.display_name`,
    },
    {
      title: "Delegated permission grants",
      needs: ["azuread_oauth2_permission_grant"],
      links: "azuread_oauth2_permission_grant",
      sql: (id, i) =>
        `SELECT id, client_id, scope FROM azuread_oauth2_permission_grant WHERE principal_id = ${id} AND integration_id = ${i}`,
    },
    {
      title: "App registrations owned",
      needs: ["azuread_application_owner", "azuread_application"],
      links: "azuread_application",
      sql: (id, i) =>
        `SELECT a.id, a.display_name, a.sign_in_audience FROM azuread_application_owner o JOIN azuread_application a ON a.id = o.application_id AND a.integration_id = o.integration_id WHERE o.owner_id = ${id} AND o.integration_id = ${i} ORDER BY 2`,
    },
    appRolesHeld,
  ],
  azuread_group: [
    {
      title: "Members",
      needs: ["azuread_group_member"],
      links: "azuread_user",
      sql: (id, i) =>
        `SELECT m.member_id AS id, coalesce(u.display_name, m.member_id) AS display_name, m.member_type FROM azuread_group_member m LEFT JOIN azuread_user u ON u.id = m.member_id AND u.integration_id = m.integration_id WHERE m.group_id = ${id} AND m.integration_id = ${i} ORDER BY 2 LIMIT 200`,
    },
    {
      title: "Directory roles held by the group",
      needs: ["azuread_directory_role_assignment", "azuread_directory_role_definition"],
      links: "azuread_directory_role_definition",
      sql: (id, i) =>
        `SELECT d.id, d.display_name FROM azuread_directory_role_assignment a LEFT JOIN azuread_directory_role_definition d ON d.id = a.role_definition_id AND d.integration_id = a.integration_id WHERE a.principal_id = ${id} AND a.integration_id = ${i}`,
    },
    owners("azuread_group_owner", "group_id"),
  ],
  azuread_application: [
    owners("azuread_application_owner", "application_id"),
    {
      title: "Service principal in this tenant",
      needs: ["azuread_service_principal"],
      links: "azuread_service_principal",
      sql: (id, i) =>
        `SELECT s.id, s.display_name, s.account_enabled FROM azuread_service_principal s JOIN azuread_application a ON a.app_id = s.app_id AND a.integration_id = s.integration_id WHERE a.id = ${id} AND a.integration_id = ${i}`,
    },
    {
      title: "Delegated permission grants of its service principal",
      needs: ["azuread_service_principal", "azuread_oauth2_permission_grant"],
      links: "azuread_oauth2_permission_grant",
      sql: (id, i) =>
        `SELECT g.id, g.consent_type, g.scope FROM azuread_oauth2_permission_grant g JOIN azuread_service_principal s ON s.id = g.client_id AND s.integration_id = g.integration_id JOIN azuread_application a ON a.app_id = s.app_id AND a.integration_id = s.integration_id WHERE a.id = ${id} AND a.integration_id = ${i}`,
    },
  ],
  azuread_service_principal: [
    owners("azuread_service_principal_owner", "service_principal_id"),
    appRolesHeld,
    {
      title: "Application registration",
      needs: ["azuread_application"],
      links: "azuread_application",
      sql: (id, i) =>
        `SELECT a.id, a.display_name, a.sign_in_audience FROM azuread_application a JOIN azuread_service_principal s ON a.app_id = s.app_id AND a.integration_id = s.integration_id WHERE s.id = ${id} AND s.integration_id = ${i}`,
    },
    {
      title: "Delegated permission grants",
      needs: ["azuread_oauth2_permission_grant"],
      links: "azuread_oauth2_permission_grant",
      sql: (id, i) =>
        `SELECT id, consent_type, principal_id, scope FROM azuread_oauth2_permission_grant WHERE client_id = ${id} AND integration_id = ${i}`,
    },
    {
      title: "Directory roles (active)",
      needs: ["azuread_directory_role_assignment", "azuread_directory_role_definition"],
      links: "azuread_directory_role_definition",
      sql: (id, i) =>
        `SELECT d.id, d.display_name FROM azuread_directory_role_assignment a LEFT JOIN azuread_directory_role_definition d ON d.id = a.role_definition_id AND d.integration_id = a.integration_id WHERE a.principal_id = ${id} AND a.integration_id = ${i}`,
    },
  ],
};

/** JSON columns arrive as text; objects as they are. */
function parsed(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  return v as Record<string, unknown>;
}

const pretty = (v: unknown) => (v === undefined ? "(absent)" : cell(v, 400));

/** One change as a before/after diff of the properties it changed. */
function diff(change: Row): Html {
  const before = parsed(change.before);
  const after = parsed(change.after);
  const type = String(change.change_type);
  if (type === "added")
    return html`<p>Appeared${after?.displayName ? html` as <strong>${String(after.displayName)}</strong>` : ""}.</p>`;
  if (type === "removed") return html`<p>Removed from the directory.</p>`;
  const raw = change.fields;
  const fields: string[] = Array.isArray(raw)
    ? raw.map(String)
    : typeof raw === "string"
      ? raw
          .replace(/^\[|\]$/g, "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  return html`<div class="diff" role="table" aria-label="Changed properties">
<div role="row" class="diff-row"><div role="columnheader" class="diff-head">property</div><div role="columnheader" class="diff-head">before</div><div role="columnheader" class="diff-head">after</div></div>
${fields.map(
  (f) =>
    html`<div role="row" class="diff-row"><div role="cell"><strong>${f}</strong></div><div role="cell" class="before"><span class="visually-hidden">before: </span>${pretty(before?.[f])}</div><div role="cell" class="after"><span class="visually-hidden">after: </span>${pretty(after?.[f])}</div></div>`,
)}</div>`;
}

export const resourcePage = definePage({
  path: "/console/inventory/:table/:id",
  summary: "Console: one object with its properties, relations and change timeline (HTML)",
  section: "inventory",
  title: "Resource",
  access: "viewer",
  params: TableParams.extend({ id: z.string().min(1).max(400) }),
  query: z.object({ integration: z.string().max(100).optional() }),
  load: ({ params }) => knownTable(params.table),
  render: async ({ api, deps, principal, params, query, frame }) => {
    const { tables } = await api.get(listTables, "/api/tables");
    const t = tables.find((x) => x.name === params.table);
    if (!t?.columns.some((c) => c.name === "id")) throw new AppError("not_found", `no table ${params.table}`);
    const id = literal(params.id);
    const scope = query.integration ? ` AND integration_id = ${literal(query.integration)}` : "";
    const current = await consoleQuery(
      deps,
      principal,
      `SELECT * EXCLUDE (_raw) FROM ${ident(t.name)} WHERE id = ${id}${scope} LIMIT 1`,
    );
    const row = current.rows[0];
    const integration = String(row?.integration_id ?? query.integration ?? "");
    const changesTable = `${t.name}_changes`;
    const hasChanges = tables.some((x) => x.name === changesTable);
    const names = new Set(tables.map((x) => x.name));
    const relations = (RELATIONS[t.name] ?? []).filter((r) => r.needs.every((n) => names.has(n)));
    const [timeline, related] = await Promise.all([
      hasChanges
        ? consoleQuery(
            deps,
            principal,
            `SELECT change_type, fields, before, after, recorded_at, poll_id FROM ${ident(changesTable)} WHERE resource_id = ${id}${integration ? ` AND integration_id = ${literal(integration)}` : ""} ORDER BY recorded_at DESC LIMIT 100`,
          ).catch((e: unknown) => (e instanceof AppError ? e : new AppError("unavailable", String(e))))
        : null,
      Promise.all(
        relations.map((r) =>
          row
            ? consoleQuery(deps, principal, r.sql(id, literal(integration)), 200).catch((e: unknown) =>
                e instanceof AppError ? e : new AppError("unavailable", String(e)),
              )
            : null,
        ),
      ),
    ]);
    const title = String(row?.display_name ?? params.id);
    return frame(
      title,
      html`<p><a href="/console/inventory">Inventory</a> › <a href="/console/inventory/${t.name}">${t.name}</a> ›</p>
<h1>${title}</h1>
${
  row
    ? html`<h2>Properties</h2><dl class="props">${Object.entries(row)
        .filter(([, v]) => v !== null && v !== "")
        .map(([k, v]) => html`<dt>${k}</dt><dd>${cell(v, 600)}</dd>`)}</dl>`
    : html`<p class="muted">Not in the current state (removed, or not collected yet); its history is below.</p>`
}
${relations.map((r, k) => {
  const res = related[k];
  if (!res) return "";
  return html`<h2>${r.title}</h2>${
    res instanceof AppError
      ? html`<p class="error">${res.message}</p>`
      : res.rows.length === 0
        ? html`<p class="muted">None.</p>`
        : html`<div class="scroll" tabindex="0"><table><thead><tr>${res.columns.map((c) => html`<th scope="col">${c.name}</th>`)}</tr></thead><tbody>${res.rows.map(
            (x) =>
              html`<tr>${res.columns.map((c, n) =>
                n === 0
                  ? html`<td><a href="/console/inventory/${typeof r.links === "string" ? r.links : r.links(x)}/${encodeURIComponent(String(x[c.name]))}?integration=${encodeURIComponent(integration)}">${cell(x[c.name])}</a></td>`
                  : html`<td>${cell(x[c.name])}</td>`,
              )}</tr>`,
          )}</tbody></table></div>`
  }`;
})}
<h2 id="timeline">Change timeline</h2>
${
  timeline === null
    ? html`<p class="muted">This table keeps no history.</p>`
    : timeline instanceof AppError
      ? html`<p class="error">${timeline.message}</p>`
      : timeline.rows.length === 0
        ? html`<p class="muted">No change recorded yet.</p>`
        : html`<ol class="timeline" aria-label="Changes, newest first">${timeline.rows.map(
            (c) =>
              html`<li><p><strong>${String(c.change_type)}</strong> · <time datetime="${String(c.recorded_at)}">${when(String(c.recorded_at))}</time></p>${diff(c)}</li>`,
          )}</ol>`
}`,
    );
  },
});
