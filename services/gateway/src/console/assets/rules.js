// Custom rule editor: "Dry run" sends the editor's SQL to POST /api/rules/dry-run and shows what
// the rule would find now, without saving anything.
import { api, formJson } from "./console.js";

const form = document.querySelector("form.rule-editor");
const out = document.getElementById("dry-run-result");
const esc = (s) =>
  String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

document.getElementById("dry-run")?.addEventListener("click", async () => {
  out.textContent = "Running the rule over the current data…";
  try {
    const body = formJson(form);
    const r = await api("POST", "/api/rules/dry-run", { queries: body.queries, limit: 100 });
    const per = r.integrations
      .map(
        (i) =>
          `<li><code>${esc(i.integrationId)}</code>: ${esc(i.status)}, ${i.violationCount} violation(s)${i.error ? ` <span class="error">${esc(i.error)}</span>` : ""}</li>`,
      )
      .join("");
    const rows = r.violations
      .map(
        (v) =>
          `<tr><td>${esc(v.table)}</td><td>${esc(v.displayName ?? v.resourceId)}</td><td>${esc(v.integrationId)}</td></tr>`,
      )
      .join("");
    out.innerHTML = `<h2>Dry run (${Math.round(r.durationMs)} ms)</h2><ul>${per}</ul>${
      rows
        ? `<div class="scroll" tabindex="0"><table><thead><tr><th scope="col">Table</th><th scope="col">Resource</th><th scope="col">Integration</th></tr></thead><tbody>${rows}</tbody></table></div>`
        : "<p>No violation: the rule would pass.</p>"
    }${r.truncated ? "<p class=muted>Only the first 100 are shown.</p>" : ""}`;
  } catch (err) {
    out.innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
});
