import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Principal } from "../env.js";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The signed-in frame: who is signed in, their CSRF token and the section the page belongs to. */
export interface Frame {
  principal: Principal;
  csrf: string;
  section: Section;
  /** Browser modules the page needs besides the common one (file names under /console/assets/). */
  scripts?: readonly string[];
}

export type Section =
  | "dashboard"
  | "integrations"
  | "inventory"
  | "sql"
  | "rules"
  | "violations"
  | "alerts"
  | "provisioning";

/** The sections, each with the role its page needs (viewer unless said). */
const NAV: readonly { section: Section; href: string; label: string; role?: "analyst" | "admin" }[] = [
  { section: "dashboard", href: "/", label: "Dashboard" },
  { section: "integrations", href: "/console/integrations", label: "Integrations" },
  { section: "inventory", href: "/console/inventory", label: "Inventory" },
  { section: "sql", href: "/console/sql", label: "SQL", role: "analyst" },
  { section: "rules", href: "/console/rules", label: "Rules" },
  { section: "violations", href: "/console/violations", label: "Violations" },
  { section: "alerts", href: "/console/alerts", label: "Alerts" },
  { section: "provisioning", href: "/console/provisioning", label: "Provisioning", role: "admin" },
];

/**
 * An asset's URL. Always the same one, because the page's modules import each other by it (a second
 * URL would load a module twice, with its listeners twice); browsers revalidate them (no-cache).
 */
export const asset = (file: string) => `/console/assets/${file}`;

/**
 * The page frame of every server-rendered page: landmarks (banner, navigation, main, contentinfo),
 * a skip link, the navigation with the current section marked, sign-out (a form with the session's
 * CSRF token). Values interpolated with html`` are escaped; scripts are same-origin modules only.
 */
export function page(title: string, body: Html, frame?: Frame): Html {
  // PAGE_END is markup: raw, or html`` would escape it into visible text.
  return html`${pageStart(title, frame)}${body}${raw(PAGE_END)}`;
}

/** Everything before the page's own content (sent at once when a page streams). */
export function pageStart(title: string, frame?: Frame): Html {
  const nav = frame
    ? html`<nav aria-label="Sections"><ul>${NAV.filter((n) => !n.role || can(frame.principal, n.role)).map(
        (n) =>
          html`<li><a href="${n.href}"${n.section === frame.section ? html` aria-current="page"` : ""}>${n.label}</a></li>`,
      )}</ul></nav>
<form method="post" action="/console/sign-out" class="who">
  <input type="hidden" name="csrf" value="${frame.csrf}">
  <span class="muted">Workspace <strong>${frame.principal.workspaceId}</strong> · ${frame.principal.role}</span>
  <button type="submit" class="secondary">Sign out</button>
</form>`
    : "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Tenantlens</title>
<link rel="stylesheet" href="${asset("console.css")}">
${frame ? html`<meta name="csrf-token" content="${frame.csrf}"><meta name="role" content="${frame.principal.role}">` : ""}
<script type="module" src="${asset("console.js")}"></script>
${(frame?.scripts ?? []).map((s) => html`<script type="module" src="${asset(s)}"></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Tenantlens</a>
  ${nav}
</header>
<main id="main" tabindex="-1">
<div id="flash" role="status" aria-live="polite"></div>
`;
}

export const PAGE_END = `
</main>
<footer class="muted"><a href="/openapi.json">REST API (OpenAPI)</a></footer>
</body>
</html>`;

/** Whether the signed-in key may use a control that needs this role (the server checks again). */
export function can(principal: Principal, role: "analyst" | "admin"): boolean {
  return role === "analyst" ? principal.role !== "viewer" : principal.role === "admin";
}

/** A compact relative-free timestamp: `2026-12-02 19:30:12Z`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/**
 * A write action: a form the console's script sends to an /api route as JSON with the session's
 * CSRF token (`x-csrf-token`), after an optional confirmation; the page reloads (or goes to
 * `next`, where `{field}` is filled from the answer) when it succeeds and shows the error when not.
 */
export function action(opts: {
  csrf: string;
  method: "POST" | "PUT" | "PATCH" | "DELETE";
  api: string;
  label: string;
  confirm?: string;
  danger?: boolean;
  next?: string;
  /** Answer field holding a URL the browser follows (e.g. a consent link). */
  follow?: string;
  fields?: Html;
  className?: string;
}): Html {
  return html`<form class="${opts.className ?? "inline"}" method="post" action="#" data-api="${opts.api}" data-method="${opts.method}"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ""}${opts.next ? html` data-next="${opts.next}"` : ""}${opts.follow ? html` data-follow="${opts.follow}"` : ""}>
<input type="hidden" name="csrf" value="${opts.csrf}">${opts.fields ?? ""}
<button type="submit"${opts.danger ? html` class="danger"` : ""}>${opts.label}</button>
<output class="form-status" aria-live="polite"></output>
</form>`;
}

/** A status word with its colour class. */
export function status(word: string): Html {
  return html`<span class="status status-${word}">${word.replaceAll("_", " ")}</span>`;
}
