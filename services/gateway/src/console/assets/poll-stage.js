// Where a poll is, for its progress bar: 0–10 % started, 10–80 % reading (a finished resource counts
// whole, a running one by objects read against its estimate), 90 % committing, 100 % finished.
// Shared by the server's first paint and the browser's live updates (progress.js), so both agree.

/**
 * Whether an integration without a poll yet gets its first one on its own: it is active and enabled.
 * @param {{status: string, enabled: boolean}} integration
 */
export function expectsFirstPoll(integration) {
  return integration.status === "active" && integration.enabled;
}

/**
 * @param {{status: string, resources: unknown[], progress?: {state: string, objects: number, estimate: number | null}[]} | null} poll
 * @param {number} tables catalog size, for a poll whose per-resource progress is not known
 * @param {boolean} [expectingFirst] the integration is active and enabled: its first poll is on its way
 */
export function pollStage(poll, tables, expectingFirst = false) {
  if (!poll)
    return expectingFirst
      ? { value: 0, label: "waiting for the first poll", done: false }
      : { value: 0, label: "no poll yet", done: true };
  if (poll.status === "committing")
    return { value: 90, label: "committing: making the data queryable", done: false };
  if (poll.status !== "running") return { value: 100, label: poll.status, done: true };
  const live = poll.progress;
  if (!live || live.length === 0) {
    const k = Math.min(poll.resources.length, tables);
    return {
      value: 10 + Math.round((70 * k) / tables),
      label: `collecting (${k} of ${tables} tables read)`,
      done: false,
    };
  }
  let share = 0;
  let objects = 0;
  let expected = 0;
  let finished = 0;
  for (const r of live) {
    objects += r.objects;
    expected += Math.max(r.estimate ?? 0, r.objects);
    if (r.state === "done") {
      share += 1;
      finished += 1;
    } else if (r.state === "running" && r.estimate) share += Math.min(r.objects / r.estimate, 0.99);
  }
  const about = expected > objects ? ` of about ${expected.toLocaleString("en")}` : "";
  return {
    value: 10 + Math.round((70 * share) / live.length),
    label: `collecting: ${objects.toLocaleString("en")}${about} objects, ${finished} of ${live.length} tables read`,
    done: false,
  };
}
