import type { JsonObject } from "../directory/index.js";
import type { LogBook } from "../directory/log-book.js";
import type { Ctx } from "./context.js";
import type { EntitySpec } from "./entities.js";
import { GraphError, unsupportedQuery } from "./errors.js";
import { type GraphResponse, json } from "./http.js";
import { checkSelect, nextLink, normaliseOrderby, parsedFilter, render } from "./listing.js";
import { evaluate, timeBounds } from "./odata/filter.js";
import { parseTop } from "./odata/query.js";

/**
 * An append-only log (directory audits, sign-ins) as Graph lists it: `$filter` on the time property
 * (ge/gt/le/lt/eq, with any other supported clause), `$orderby` on it ascending or descending
 * (newest first by default), `$top`, and skip tokens that hold the position in the log rather than
 * an offset, so entries written while a client pages never shift its pages.
 *
 * Two sorted sequences are merged: the generated history (entry i at ref − i·step, newest first)
 * and the log book of entries written since (mutations, /_sim/ additions, late arrivals).
 */
export interface LogSource {
  timeField: string;
  /** Generated history: entry i, newest first; `size` entries. */
  generated: { size: number; at(i: number): JsonObject };
  book: LogBook;
}

/** Total order over both sequences: time, then generated before appended, then position. */
interface Key {
  t: number;
  s: 0 | 1;
  n: number;
}

function cmp(a: Key, b: Key): number {
  return a.t !== b.t ? a.t - b.t : a.s !== b.s ? a.s - b.s : a.n - b.n;
}

/** A sequence in ascending key order (position 0 = oldest). */
interface Seq {
  size: number;
  key(p: number): Key;
  obj(p: number): JsonObject;
}

function generatedSeq(src: LogSource): Seq {
  const n = src.generated.size;
  const obj = (p: number) => src.generated.at(n - 1 - p);
  return {
    size: n,
    obj,
    key: (p) => ({ t: Date.parse(String(obj(p)[src.timeField])), s: 0, n: -(n - 1 - p) }),
  };
}

function bookSeq(book: LogBook): Seq {
  return {
    size: book.size,
    obj: (p) => (book.at(p) as { obj: JsonObject }).obj,
    key: (p) => {
      const e = book.at(p) as { time: number; seq: number };
      return { t: e.time, s: 1, n: e.seq };
    },
  };
}

/** First position whose key is not below `k` (or above it, `strict`). */
function bound(seq: Seq, k: Key, strict: boolean): number {
  let lo = 0;
  let hi = seq.size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = cmp(seq.key(mid), k);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface LogToken {
  t: string;
  k: string;
  o: "asc" | "desc";
  c: Key;
}

const SCAN_CAP = 100_000;

export interface LogListOptions {
  entity: EntitySpec;
  context: string;
  source: LogSource;
  key: string;
  maxTop: number;
  defaultTop: number;
}

export function logListResponse(ctx: Ctx, opts: LogListOptions): GraphResponse {
  const q = ctx.q;
  const tf = opts.source.timeField;
  if (q.skip !== undefined)
    throw new GraphError(400, "Request_BadRequest", "'$skip' is not supported by the service.");
  const top = parseTop(q.top, opts.maxTop) ?? opts.defaultTop;
  const filter = parsedFilter(ctx, opts.entity);
  let order: "asc" | "desc" = "desc";
  if (q.orderby !== undefined) {
    const o = normaliseOrderby(q.orderby);
    const name = tf.toLowerCase();
    if (o === name || o === `${name} asc`) order = "asc";
    else if (o !== `${name} desc`) throw unsupportedQuery("Sorting not supported for current query.");
  }
  let cursor: Key | undefined;
  if (q.skiptoken !== undefined) {
    const t = ctx.rt.tokens.decode(q.skiptoken) as Partial<LogToken> | undefined;
    if (!t || t.t !== ctx.dir.tenantId || t.k !== opts.key || t.o !== order || !validKey(t.c))
      throw new GraphError(400, "Request_BadRequest", "The specified page token value is invalid.");
    cursor = t.c;
  }
  const b = timeBounds(filter, tf);
  const low: Key = { t: b.from ?? -Infinity, s: 0, n: -Infinity };
  const high: Key = { t: b.to ?? Infinity, s: 1, n: Infinity };
  const seqs = [generatedSeq(opts.source), bookSeq(opts.source.book)];
  // Per sequence the candidate range [lo, hi), narrowed by the page cursor.
  const ranges = seqs.map((s) => {
    let lo = bound(s, low, false);
    let hi = bound(s, high, true);
    if (cursor && order === "asc") lo = Math.max(lo, bound(s, cursor, true));
    if (cursor && order === "desc") hi = Math.min(hi, bound(s, cursor, false));
    return { lo, hi };
  });
  checkSelect(ctx, opts.entity, firstOf(seqs, ranges));
  const match = (o: JsonObject) => !filter || evaluate(filter, o);
  // Merge: each sequence's next candidate (ascending from lo, descending from hi − 1).
  const next = seqs.map((_, i) => {
    const r = ranges[i] as { lo: number; hi: number };
    return order === "asc" ? r.lo : r.hi - 1;
  });
  const has = (i: number) => {
    const r = ranges[i] as { lo: number; hi: number };
    const p = next[i] as number;
    return p >= r.lo && p < r.hi;
  };
  const pick = (): number => {
    let best = -1;
    let bestKey: Key | undefined;
    for (let i = 0; i < seqs.length; i++) {
      if (!has(i)) continue;
      const k = (seqs[i] as Seq).key(next[i] as number);
      if (!bestKey || (order === "asc" ? cmp(k, bestKey) < 0 : cmp(k, bestKey) > 0)) {
        best = i;
        bestKey = k;
      }
    }
    return best;
  };
  const items: JsonObject[] = [];
  let last: Key | undefined;
  let scanned = 0;
  const all = q.count ? countMatches(seqs, ranges, match) : undefined;
  for (;;) {
    if (items.length >= top || scanned >= SCAN_CAP) break;
    const i = pick();
    if (i < 0) break;
    const s = seqs[i] as Seq;
    const p = next[i] as number;
    last = s.key(p);
    next[i] = order === "asc" ? p + 1 : p - 1;
    scanned++;
    const o = s.obj(p);
    if (match(o)) items.push(o);
  }
  const body: JsonObject = { "@odata.context": `${ctx.base}/$metadata#${opts.context}` };
  if (all !== undefined) body["@odata.count"] = all;
  if (last && pick() >= 0) {
    const token: LogToken = { t: ctx.dir.tenantId, k: opts.key, o: order, c: last };
    body["@odata.nextLink"] = nextLink(ctx, ctx.rt.tokens.encode(token));
  }
  body.value = items.map((o) => render(ctx, o, opts.entity, {}));
  return json(200, body);
}

function validKey(k: unknown): k is Key {
  const x = k as Partial<Key> | undefined;
  return (
    !!x &&
    typeof x.t === "number" &&
    (x.s === 0 || x.s === 1) &&
    typeof x.n === "number" &&
    Number.isFinite(x.t) &&
    Number.isFinite(x.n)
  );
}

function firstOf(seqs: Seq[], ranges: { lo: number; hi: number }[]): JsonObject | undefined {
  for (const [i, s] of seqs.entries()) {
    const r = ranges[i] as { lo: number; hi: number };
    if (r.lo < r.hi) return s.obj(r.lo);
  }
  return undefined;
}

function countMatches(
  seqs: Seq[],
  ranges: { lo: number; hi: number }[],
  match: (o: JsonObject) => boolean,
): number {
  let n = 0;
  for (const [i, s] of seqs.entries()) {
    const r = ranges[i] as { lo: number; hi: number };
    for (let p = r.lo; p < r.hi; p++) if (match(s.obj(p))) n++;
  }
  return n;
}

/** The entry with this id, appended ones first (GET …/{id}); generated ones scanned up to a cap. */
export function logEntryById(src: LogSource, id: string, limit = 200_000): JsonObject | undefined {
  const appended = src.book.find(id);
  if (appended) return appended;
  for (let i = 0; i < Math.min(src.generated.size, limit); i++) {
    const o = src.generated.at(i);
    if (o.id === id) return o;
  }
  return undefined;
}
