// The console's common module: write actions as JSON calls to /api with the session's CSRF token.
// A form with data-api="/api/…" (and data-method) is sent as JSON built from its named fields:
// "a.b" names nest, type=number fields are numbers, checkboxes booleans, empty fields are left out,
// data-list="1" fields are split on commas/lines (data-keep-empty="1": an empty one is sent as []). data-confirm asks first; data-next is where to go
// after success ({field} filled from the answer); data-follow names an answer field holding a URL.

export const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

/** Calls an /api route as the signed-in session; throws Error(message) on an error answer. */
export async function api(method, path, body, accept = "application/json") {
  const headers = { accept };
  if (method !== "GET") headers["x-csrf-token"] = csrfToken();
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    let code;
    try {
      const err = await res.json();
      if (err?.error?.message) message = err.error.message;
      code = err?.error?.code;
    } catch {}
    const e = new Error(message);
    e.status = res.status;
    e.code = code;
    throw e;
  }
  return accept === "application/json" ? res.json() : res;
}

export function formJson(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.name === "csrf" || el.disabled) continue;
    if (el.type === "radio" && !el.checked) continue;
    let value;
    if (el.type === "checkbox") value = el.checked;
    else if (el.dataset.bool) value = el.value === "true";
    else if (el.value === "") {
      if (!el.dataset.keepEmpty) continue;
      value = el.dataset.list ? [] : "";
    } else if (el.type === "number") value = Number(el.value);
    else if (el.dataset.list)
      value = el.value
        .split(/[,\n]/)
        .map((s) => s.trim())
        .filter(Boolean);
    else if (el.dataset.json) {
      try {
        value = JSON.parse(el.value);
      } catch {
        throw new Error(`${el.name}: not valid JSON`);
      }
    } else value = el.value;
    const path = el.name.split(".");
    let target = out;
    path.slice(0, -1).forEach((key, k) => {
      target[key] ??= /^\d+$/.test(path[k + 1]) ? [] : {};
      target = target[key];
    });
    target[path[path.length - 1]] = value;
  }
  return out;
}

export function flash(message) {
  const el = document.getElementById("flash");
  if (el) el.textContent = message;
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
  event.preventDefault();
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  const out = form.querySelector(".form-status");
  const button = form.querySelector("button[type=submit]");
  if (out) out.textContent = "";
  if (button) button.disabled = true;
  try {
    const body = formJson(form);
    const method = form.dataset.method || "POST";
    const answer = await api(
      method,
      form.dataset.api,
      method === "DELETE" && Object.keys(body).length === 0 ? undefined : body,
    );
    form.dispatchEvent(new CustomEvent("api:done", { detail: answer, bubbles: true }));
    if (form.dataset.follow && answer?.[form.dataset.follow]) {
      window.location.assign(answer[form.dataset.follow]);
    } else if (form.dataset.next) {
      window.location.assign(
        form.dataset.next.replace(/\{([\w.]+)\}/g, (_m, k) =>
          encodeURIComponent(k.split(".").reduce((o, p) => o?.[p], answer) ?? ""),
        ),
      );
    } else if (!form.dataset.stay) {
      window.location.reload();
    }
  } catch (err) {
    if (out) out.textContent = err.message;
    else flash(err.message);
  } finally {
    if (button) button.disabled = false;
  }
});

// <input type="file" data-fill="ID">: the chosen file's text goes into the field ID (e.g. a PEM key).
document.addEventListener("change", async (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.fill) return;
  const target = document.getElementById(input.dataset.fill);
  const file = input.files?.[0];
  if (target && file) target.value = (await file.text()).trim();
});

// A streamed page is sent before its title is known: name the tab after its heading.
const heading = document.querySelector("main h1")?.textContent?.trim();
if (heading && !document.title.startsWith(heading)) document.title = `${heading} · Tenantlens`;
