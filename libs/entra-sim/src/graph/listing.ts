import type { JsonObject, Kind } from "../directory/index.js";
import { ODATA_TYPE } from "../directory/kinds.js";
import type { Ctx } from "./context.js";
import { defaults, type EntitySpec, project } from "./entities.js";
import { GraphError, unsupportedQuery } from "./errors.js";
import { type GraphResponse, json } from "./http.js";
import { checkFilter, evaluate, type FilterNode, parseFilter } from "./odata/filter.js";
import { parseTop, queryWithout } from "./odata/query.js";

/** A listable collection: positions 0..size-1, some of which may be empty (deleted objects). */
export interface Source {
  size: number;
  at(pos: number): JsonObject | undefined;
  /** Positions worth scanning for a filter (sorted logs seek by their time property). */
  range?(filter: FilterNode | undefined): [number, number];
  /** Exact count when unfiltered, without scanning. */
  count?(): number;
}

export function arraySource(items: readonly JsonObject[]): Source {
  return { size: items.length, at: (p) => items[p], count: () => items.length };
}

export function kindSource(ctx: Ctx, kind: Kind): Source {
  const store = ctx.dir.store;
  return {
    size: store.positions(kind),
    at: (p) => store.atPosition(kind, p),
    count: () => store.activeCount(kind),
  };
}

export interface ListOptions {
  entity: EntitySpec;
  /** Entity set for @odata.context, e.g. "users" or "directoryObjects". */
  context: string;
  source: Source;
  /** Key binding skip tokens to this listing. */
  key: string;
  maxTop?: number;
  defaultTop?: number;
  /** Adds "@odata.type" (members, memberOf and other directoryObject collections). */
  annotate?: (o: JsonObject) => string | undefined;
  /** Accepted $orderby clauses (lowercase, single space). */
  orderby?: readonly string[];
  /** Navigation properties $expand can inline. */
  expand?: Record<string, (o: JsonObject) => unknown>;
  /** $count on directory collections needs ConsistencyLevel: eventual. */
  countNeedsAdvanced?: boolean;
}

const SCAN_CAP = 100_000;
const sampleKeys = new Map<string, Set<string>>();

function selectable(ctx: Ctx, spec: EntitySpec, firstItem: JsonObject | undefined): Set<string> | undefined {
  if (spec.kind) {
    let keys = sampleKeys.get(spec.kind);
    if (!keys) {
      keys = new Set(Object.keys(ctx.dir.store.build(spec.kind, 0)));
      sampleKeys.set(spec.kind, keys);
    }
    return new Set([...keys, ...(spec.extraSelectable ?? [])]);
  }
  if (!firstItem) return undefined;
  return new Set([...Object.keys(firstItem), ...(spec.extraSelectable ?? [])]);
}

/** Validates $select names against the entity type (Graph's exact error text). */
export function checkSelect(
  ctx: Ctx,
  spec: EntitySpec,
  firstItem: JsonObject | undefined,
  expand?: ListOptions["expand"],
): void {
  const allowed = selectable(ctx, spec, firstItem);
  if (!allowed) return;
  for (const name of ctx.q.select ?? []) {
    if (!allowed.has(name) && !(expand && name in expand)) {
      throw new GraphError(
        400,
        "BadRequest",
        `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type '${spec.type}'.`,
      );
    }
  }
  for (const e of ctx.q.expand ?? []) {
    const name = e.replace(/\(.*$/, "");
    if (!expand || !(name in expand)) {
      throw new GraphError(
        400,
        "BadRequest",
        `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type '${spec.type}'.`,
      );
    }
  }
}

export function parsedFilter(ctx: Ctx, spec: EntitySpec): FilterNode | undefined {
  if (ctx.q.filter === undefined) return undefined;
  const node = parseFilter(ctx.q.filter);
  checkFilter(node, spec.filter, ctx.advanced);
  return node;
}

/** `$search="displayName:foo"` (advanced queries only): tokenised prefix match like Graph's. */
function searchPredicate(ctx: Ctx): ((o: JsonObject) => boolean) | undefined {
  const raw = ctx.q.search;
  if (raw === undefined) return undefined;
  if (!ctx.advanced) {
    throw unsupportedQuery(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
  }
  const m = /^"([A-Za-z]+):([^"]*)"$/.exec(raw.trim());
  if (!m)
    throw new GraphError(
      400,
      "Request_BadRequest",
      "Syntax error: character '\"' is not valid at position 0 in the $search query.",
    );
  const prop = m[1]!;
  const term = m[2]!.toLowerCase();
  return (o) => {
    const v = o[prop];
    return (
      typeof v === "string" &&
      v
        .toLowerCase()
        .split(/[\s.@_-]+/)
        .some((w) => w.startsWith(term))
    );
  };
}

export function render(
  ctx: Ctx,
  o: JsonObject,
  spec: EntitySpec,
  opts: Pick<ListOptions, "annotate" | "expand">,
): JsonObject {
  const base = ctx.q.select ? project(o, ctx.q.select) : defaults(o, spec, ctx.beta);
  const type = opts.annotate?.(o);
  let out = type ? { "@odata.type": type, ...base } : base;
  if (ctx.q.expand && opts.expand) {
    out = { ...out };
    for (const e of ctx.q.expand) {
      const name = e.replace(/\(.*$/, "");
      const fn = opts.expand[name];
      if (fn) out[name] = fn(o);
    }
  }
  return out;
}

function contextUrl(ctx: Ctx, set: string): string {
  const sel = ctx.q.select ? `(${ctx.q.select.join(",")})` : "";
  return `${ctx.base}/$metadata#${set}${sel}`;
}

interface PageToken {
  t: string;
  k: string;
  p: number;
}

export function nextLink(ctx: Ctx, token: string): string {
  const kept = queryWithout(ctx.req.rawQuery, ["skiptoken"]);
  kept.push(`$skiptoken=${token}`);
  return `${ctx.base}/${ctx.req.path}?${kept.join("&")}`;
}

function startFromToken(ctx: Ctx, key: string): number | undefined {
  if (ctx.q.skiptoken === undefined) return undefined;
  const t = ctx.rt.tokens.decode(ctx.q.skiptoken) as Partial<PageToken> | undefined;
  if (!t || t.t !== ctx.dir.tenantId || t.k !== key || typeof t.p !== "number" || t.p < 0) {
    throw new GraphError(400, "Request_BadRequest", "The specified page token value is invalid.");
  }
  return t.p;
}

export function normaliseOrderby(s: string): string {
  return s.trim().replace(/\s+/g, " ").toLowerCase();
}

/** A collection GET: $top, $skiptoken paging, $filter, $select, $expand, $count, $search, $orderby. */
export function listResponse(ctx: Ctx, opts: ListOptions): GraphResponse {
  const q = ctx.q;
  const maxTop = opts.maxTop ?? 999;
  if (q.skip !== undefined)
    throw new GraphError(400, "Request_BadRequest", "'$skip' is not supported by the service.");
  const top = parseTop(q.top, maxTop) ?? opts.defaultTop ?? 100;
  const filter = parsedFilter(ctx, opts.entity);
  const search = searchPredicate(ctx);
  if (q.orderby !== undefined && !(opts.orderby ?? []).includes(normaliseOrderby(q.orderby))) {
    throw unsupportedQuery("Sorting not supported for current query.");
  }
  if (q.count && (opts.countNeedsAdvanced ?? true) && !ctx.advanced) {
    throw new GraphError(400, "Request_BadRequest", "$count is not currently supported.");
  }
  const src = opts.source;
  const [rangeStart, end] = src.range ? src.range(filter) : [0, src.size];
  checkSelect(ctx, opts.entity, src.size > 0 ? src.at(rangeStart) : undefined, opts.expand);
  const match = (o: JsonObject) => (!filter || evaluate(filter, o)) && (!search || search(o));
  let pos = startFromToken(ctx, opts.key) ?? rangeStart;
  const items: JsonObject[] = [];
  let scanned = 0;
  while (pos < end && items.length < top && scanned < SCAN_CAP) {
    const o = src.at(pos);
    pos++;
    scanned++;
    if (o && match(o)) items.push(o);
  }
  const body: JsonObject = { "@odata.context": contextUrl(ctx, opts.context) };
  if (q.count) {
    if (!filter && !search && src.count && !src.range) body["@odata.count"] = src.count();
    else {
      let n = 0;
      for (let p = rangeStart; p < end; p++) {
        const o = src.at(p);
        if (o && match(o)) n++;
      }
      body["@odata.count"] = n;
    }
  }
  if (pos < end) {
    body["@odata.nextLink"] = nextLink(
      ctx,
      ctx.rt.tokens.encode({ t: ctx.dir.tenantId, k: opts.key, p: pos } satisfies PageToken),
    );
  }
  body.value = items.map((o) => render(ctx, o, opts.entity, opts));
  return json(200, body);
}

/** `GET …/$count`: text/plain, only with ConsistencyLevel: eventual. */
export function countResponse(ctx: Ctx, opts: Pick<ListOptions, "entity" | "source">): GraphResponse {
  if (!ctx.advanced) {
    throw unsupportedQuery(
      "Raw count (/$count) is not supported because the 'ConsistencyLevel:eventual' header is missing. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
    );
  }
  const filter = parsedFilter(ctx, opts.entity);
  const src = opts.source;
  let n = 0;
  if (!filter && src.count) n = src.count();
  else {
    for (let p = 0; p < src.size; p++) {
      const o = src.at(p);
      if (o && (!filter || evaluate(filter, o))) n++;
    }
  }
  return { status: 200, headers: { "content-type": "text/plain;charset=utf-8" }, raw: String(n) };
}

/** A single entity GET with $select. */
export function entityResponse(
  ctx: Ctx,
  o: JsonObject,
  opts: {
    entity: EntitySpec;
    context: string;
    annotate?: ListOptions["annotate"];
    expand?: ListOptions["expand"];
  },
): GraphResponse {
  checkSelect(ctx, opts.entity, o, opts.expand);
  if (ctx.q.filter !== undefined) parsedFilter(ctx, opts.entity);
  return json(200, {
    "@odata.context": `${contextUrl(ctx, opts.context)}/$entity`,
    ...render(ctx, o, opts.entity, opts),
  });
}

/** @odata.type for objects in directoryObject collections. */
export function typeOfKind(kind: Kind): string {
  return ODATA_TYPE[kind];
}
