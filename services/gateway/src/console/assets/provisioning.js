// Provisioning forms (data-provision="/api/integrations/:id/provisioning/operations"): "Preview
// (dry run)" sends the operation with dryRun and no request id, "Run" with the form's request id
// (kept, so sending the form again answers the first record and changes nothing twice). The
// answer's report is the operation page's own #operation-report, fetched and shown under the form.

import { api, formJson } from "./console.js";

function message(out, text, isError) {
  const p = document.createElement("p");
  p.textContent = text;
  if (isError) {
    p.className = "error";
    p.setAttribute("role", "alert");
  }
  out.replaceChildren(p);
}

/** The refusals people must understand at once, in words (not an error page). */
function explain(err) {
  if (err.code === "provisioning_not_enabled") return `Provisioning is not enabled: ${err.message}`;
  if (err.code === "conflict")
    return `${err.message} (this request id was used for another request: press "New request id")`;
  return err.message;
}

async function report(id) {
  const res = await fetch(`/console/provisioning/operations/${encodeURIComponent(id)}`, {
    credentials: "same-origin",
    headers: { accept: "text/html" },
  });
  const doc = new DOMParser().parseFromString(await res.text(), "text/html");
  const found = doc.getElementById("operation-report");
  if (!res.ok || !found) throw new Error(`the record of operation ${id} could not be shown (${res.status})`);
  return document.importNode(found, true);
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.provision) return;
  event.preventDefault();
  const dryRun = event.submitter?.value === "preview";
  const out = form.querySelector(".op-result");
  const buttons = [...form.querySelectorAll("button")];
  for (const b of buttons) b.disabled = true;
  message(out, dryRun ? "Planning (nothing is written)…" : "Running…", false);
  try {
    const body = formJson(form);
    if (dryRun) {
      delete body.requestId;
      body.dryRun = true;
    }
    const op = await api("POST", form.dataset.provision, body);
    const shown = await report(op.id);
    shown.removeAttribute("id");
    out.replaceChildren(shown);
  } catch (err) {
    message(out, explain(err), true);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
});

function requestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `console-${btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")}`;
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-new-request-id]") : null;
  if (!button) return;
  const input = document.getElementById(button.dataset.newRequestId);
  if (input) input.value = requestId();
  const out = button.form?.querySelector(".op-result");
  if (out) out.replaceChildren();
});
