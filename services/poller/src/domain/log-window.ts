import type { ResourceDef } from "@tenantlens/graph";

/**
 * Append-only logs (directory audits, sign-ins) are read by time window, never diffed: each read
 * asks Graph for `timeField ge <from> and timeField lt <to>`, oldest first, paged. `from` is the
 * saved cursor (or, the first time, `lookback` before now); `to` is fixed when the read begins, so a
 * resumed read asks for the same window. After the whole window is stored the cursor moves to
 * `to − overlap`: entries Graph delivers late (up to `overlap` after they happened) fall in the next
 * window, and those read twice are the same ids, which the store keeps once.
 */
export interface LogWindowOptions {
  graphEndpoint: string;
  /** Saved cursor (ISO time), or null: first read. */
  cursor: string | null;
  /** The window's end, fixed at the start of the read (ISO time). */
  to: string;
  /** First read: how far back (ms) Graph is asked. */
  lookbackMs: number;
  /** Test/operations override of the catalog page size. */
  pageSize: number | null;
}

export interface LogWindow {
  url: string;
  from: string;
  to: string;
  /** `full` for the first read (everything Graph keeps within the lookback), `delta` afterwards. */
  mode: "full" | "delta";
}

export function planLogWindow(resource: ResourceDef, opts: LogWindowOptions): LogWindow {
  const log = resource.log;
  if (!log) throw new Error(`${resource.name} is not a log`);
  const toMs = Date.parse(opts.to);
  if (Number.isNaN(toMs)) throw new Error(`log window end is not a time: ${opts.to}`);
  const saved = opts.cursor === null ? Number.NaN : Date.parse(opts.cursor);
  const fromMs = Number.isNaN(saved) ? toMs - opts.lookbackMs : Math.min(saved, toMs);
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const base = `${opts.graphEndpoint.replace(/\/+$/, "")}/${resource.version}${resource.path}`;
  const top = resource.pageSize === null ? null : (opts.pageSize ?? resource.pageSize);
  const f = log.timeField;
  const filter = encodeURIComponent(`${f} ge ${from} and ${f} lt ${to}`);
  const query = [`$filter=${filter}`, `$orderby=${encodeURIComponent(`${f} asc`)}`, top ? `$top=${top}` : ""];
  return {
    url: `${base}?${query.filter((q) => q !== "").join("&")}`,
    from,
    to,
    mode: Number.isNaN(saved) ? "full" : "delta",
  };
}

/** Where the next window starts: `overlap` before this one's end, never before this one's start. */
export function nextLogCursor(window: { from: string; to: string }, overlapMs: number): string {
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  return new Date(Math.max(from, to - overlapMs)).toISOString();
}
