import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The page frame of every server-rendered page. Values interpolated with html`` are escaped. */
export function page(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Tenantlens</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1b1f24; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
  code, pre { background: #f6f8fa; padding: .1rem .3rem; border-radius: 4px; }
  pre { padding: .8rem; overflow-x: auto; }
  .muted { color: #57606a; }
  .status-active, .status-succeeded { color: #1a7f37; }
  .status-broken, .status-failed { color: #cf222e; }
</style>
</head>
<body>
<header><strong>Tenantlens</strong> <span class="muted">Entra ID inventory</span></header>
<main>${body}</main>
</body>
</html>`;
}
