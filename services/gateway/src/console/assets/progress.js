// Live poll progress: every bar of a poll still running asks GET /api/integrations/:id once a
// second (as the signed-in session) and moves through the poll's stages until it has finished.
import { api } from "./console.js";
import { expectsFirstPoll, pollStage as stage } from "./poll-stage.js";

async function follow(el) {
  const id = el.dataset.pollProgress;
  const tables = Number(el.dataset.tables) || 1;
  const bar = el.querySelector("progress");
  const label = el.querySelector(".poll-label");
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    let integration;
    try {
      integration = await api("GET", `/api/integrations/${id}`);
    } catch (err) {
      if (label) label.textContent = `progress unavailable: ${err.message}`;
      if (err.status === 401 || err.status === 404) return;
      continue;
    }
    const s = stage(integration.lastPoll, tables, expectsFirstPoll(integration));
    bar.value = s.value;
    bar.textContent = `${s.value}%`;
    if (label) {
      label.innerHTML = "";
      const word = document.createElement("span");
      const status = integration.lastPoll?.status ?? "";
      word.className = `status status-${status}`;
      word.textContent = status;
      const note = document.createElement("span");
      note.className = "muted";
      note.textContent = s.done ? " finished" : ` ${s.label}`;
      label.append(word, note);
    }
    if (s.done) {
      el.dataset.done = "true";
      return;
    }
  }
}

for (const el of document.querySelectorAll('[data-poll-progress][data-done="false"]')) follow(el);
