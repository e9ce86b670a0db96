// SQL workspace: a highlighter over a textarea, completion of table and column names, a results
// grid that renders only the rows in view (10,000 rows scroll smoothly) and downloads.
import { api } from "./console.js";

const KEYWORDS = new Set(
  (
    "select from where group by order having limit offset join left right inner outer full cross on as and or not " +
    "in is null like ilike between case when then else end distinct all union except intersect with qualify over " +
    "partition asc desc nulls first last count sum min max avg cast true false exists any using window filter " +
    "interval date timestamp json struct list unnest describe show tables"
  ).split(" "),
);

const input = document.getElementById("sql-input");
const highlight = document.getElementById("sql-highlight");
const list = document.getElementById("sql-completions");
const status = document.getElementById("result-status");
const grid = document.getElementById("grid");
const schema = JSON.parse(document.getElementById("schema-data")?.textContent ?? "[]");
const tableNames = schema.map((t) => t.name);
const columnNames = [...new Set(schema.flatMap((t) => t.columns))];
const names = new Set([...tableNames, ...columnNames]);

const escapeHtml = (s) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function paint() {
  const text = input.value;
  const re =
    /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)/g;
  let out = "";
  let last = 0;
  for (const m of text.matchAll(re)) {
    out += escapeHtml(text.slice(last, m.index));
    const [tok, com, str, qid, num, word] = m;
    let cls = "";
    if (com) cls = "tok-com";
    else if (str) cls = "tok-str";
    else if (qid) cls = "tok-id";
    else if (num) cls = "tok-num";
    else if (word && KEYWORDS.has(word.toLowerCase())) cls = "tok-kw";
    else if (word && names.has(word)) cls = "tok-id";
    out += cls ? `<span class="${cls}">${escapeHtml(tok)}</span>` : escapeHtml(tok);
    last = m.index + tok.length;
  }
  out += escapeHtml(text.slice(last));
  highlight.innerHTML = `${out}\n`;
  highlight.scrollTop = input.scrollTop;
}

// ── completion ──
let options = [];
let selected = 0;

function currentWord() {
  const before = input.value.slice(0, input.selectionStart);
  const m = before.match(/[A-Za-z_][A-Za-z0-9_]*$/);
  return m ? m[0] : "";
}

function closeList() {
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  options = [];
}

function showList() {
  const word = currentWord();
  if (word.length < 2) return closeList();
  const lower = word.toLowerCase();
  options = [...tableNames, ...columnNames]
    .filter((n) => n.toLowerCase().startsWith(lower) && n !== word)
    .slice(0, 12);
  if (options.length === 0) return closeList();
  selected = 0;
  list.innerHTML = "";
  options.forEach((o, i) => {
    const li = document.createElement("li");
    li.id = `completion-${i}`;
    li.role = "option";
    li.textContent = o;
    li.setAttribute("aria-selected", String(i === selected));
    li.addEventListener("mousedown", (e) => {
      e.preventDefault();
      accept(i);
    });
    list.append(li);
  });
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  input.setAttribute("aria-activedescendant", "completion-0");
}

function select(i) {
  selected = (i + options.length) % options.length;
  for (const [k, li] of [...list.children].entries())
    li.setAttribute("aria-selected", String(k === selected));
  input.setAttribute("aria-activedescendant", `completion-${selected}`);
}

function accept(i) {
  const word = currentWord();
  const pos = input.selectionStart;
  const value = options[i];
  input.setRangeText(value, pos - word.length, pos, "end");
  closeList();
  paint();
  input.focus();
}

input.addEventListener("input", () => {
  paint();
  showList();
});
input.addEventListener("scroll", () => {
  highlight.scrollTop = input.scrollTop;
});
input.addEventListener("blur", () => setTimeout(closeList, 100));
input.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
    e.preventDefault();
    run();
    return;
  }
  if (list.hidden) return;
  if (e.key === "ArrowDown") select(selected + 1);
  else if (e.key === "ArrowUp") select(selected - 1);
  else if (e.key === "Enter" || e.key === "Tab") accept(selected);
  else if (e.key === "Escape") closeList();
  else return;
  e.preventDefault();
});

// ── results grid: only the rows in view are in the DOM ──
const ROW = 32;
let result = null;

function renderGrid() {
  if (!result) return;
  const { columns, rows } = result;
  const top = grid.scrollTop;
  const height = grid.clientHeight || 448;
  const first = Math.max(0, Math.floor(top / ROW) - 10);
  const last = Math.min(rows.length, Math.ceil((top + height) / ROW) + 10);
  const table = grid.querySelector("table") ?? document.createElement("table");
  if (!table.isConnected) {
    const head = columns
      .map((c) => `<th scope="col" title="${escapeHtml(c.type)}">${escapeHtml(c.name)}</th>`)
      .join("");
    table.innerHTML = `<thead><tr><th scope="col" class="num">#</th>${head}</tr></thead><tbody></tbody>`;
    table.setAttribute("aria-rowcount", String(rows.length + 1));
    grid.append(table);
  }
  const body = table.tBodies[0];
  const cell = (v) => {
    if (v === null || v === undefined) return "";
    const s = typeof v === "object" ? JSON.stringify(v) : String(v);
    return escapeHtml(s.length > 300 ? `${s.slice(0, 299)}…` : s);
  };
  let html = `<tr aria-hidden="true"><td colspan="${columns.length + 1}" style="height:${first * ROW}px;padding:0;border:0"></td></tr>`;
  for (let i = first; i < last; i++) {
    const r = rows[i];
    html += `<tr aria-rowindex="${i + 2}"><td class="num">${i + 1}</td>${columns.map((c) => `<td>${cell(r[c.name])}</td>`).join("")}</tr>`;
  }
  html += `<tr aria-hidden="true"><td colspan="${columns.length + 1}" style="height:${(rows.length - last) * ROW}px;padding:0;border:0"></td></tr>`;
  body.innerHTML = html;
}

let scheduled = false;
grid.addEventListener("scroll", () => {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    renderGrid();
  });
});

async function run() {
  status.textContent = "Running…";
  grid.hidden = true;
  grid.innerHTML = "";
  result = null;
  const started = performance.now();
  try {
    const answer = await api("POST", "/api/query", { sql: input.value });
    result = answer;
    grid.hidden = false;
    grid.scrollTop = 0;
    renderGrid();
    const ms = Math.round(performance.now() - started);
    status.textContent = `${answer.rowCount.toLocaleString("en")} rows${answer.truncated ? " (truncated: download for all of them)" : ""} · ${Math.round(answer.durationMs)} ms in DuckDB, ${ms} ms in all`;
    status.dataset.rows = String(answer.rowCount);
  } catch (err) {
    status.textContent = `Error: ${err.message}`;
  }
}

async function download(type, ext) {
  status.textContent = `Preparing ${ext.toUpperCase()}…`;
  try {
    const res = await api("POST", "/api/query", { sql: input.value }, type);
    const blob = await res.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `tenantlens-query.${ext}`;
    // Clicked without joining the page: an empty link in the document would be a nameless link.
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    status.textContent = `Downloaded ${ext.toUpperCase()} (${res.headers.get("x-row-count") ?? "?"} rows).`;
  } catch (err) {
    status.textContent = `Error: ${err.message}`;
  }
}

document.getElementById("run").addEventListener("click", run);
for (const b of document.querySelectorAll("[data-download]")) {
  b.addEventListener("click", () => download(b.dataset.download, b.dataset.ext));
}
// The save form sends the editor's SQL.
document.querySelector("form.save-query")?.addEventListener(
  "submit",
  () => {
    document.getElementById("save-sql").value = input.value;
  },
  { capture: true },
);
paint();
