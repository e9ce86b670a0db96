import type { ChangeEntry, JsonObject, Kind } from "../directory/index.js";
import { ODATA_TYPE } from "../directory/kinds.js";
import type { Ctx } from "./context.js";
import { defaults, ENTITIES, project } from "./entities.js";
import { GraphError, unsupportedQuery } from "./errors.js";
import { type GraphResponse, json } from "./http.js";
import { checkSelect } from "./listing.js";
import { type FilterNode, parseFilter } from "./odata/filter.js";

/**
 * Delta queries over the change log: an initial sync pages through every object (snapshotting the
 * log position), later rounds replay the log slice since the previous deltaLink. Tokens are opaque
 * and carry the original $select, page size and the tenant's resync/expiry epochs.
 */

interface DeltaToken {
  t: string;
  k: Kind;
  /** "i": initial sync page, "c": changes page, "d": deltaLink. */
  ph: "i" | "c" | "d";
  p: number;
  from: number;
  to: number;
  sel: string[] | null;
  ps: number;
  f: string[] | null;
  i: number;
  re: number;
  ee: number;
}

const CONTAINERS: readonly Kind[] = ["group", "directoryRole", "administrativeUnit"];
const DEFAULT_PAGE = 200;
const SCAN_CAP = 100_000;
const REPLAY = 3;

function pageSize(ctx: Ctx): number | undefined {
  const prefer = ctx.req.headers.get("prefer") ?? "";
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer);
  if (!m) return undefined;
  return Math.min(999, Math.max(1, Number(m[1])));
}

/** Only `id eq '…'` (or-ed) and `id in (…)` filters are supported on delta, as in Graph. */
function idFilter(src: string | undefined): string[] | null {
  if (src === undefined) return null;
  const ids: string[] = [];
  const walk = (n: FilterNode): void => {
    if (n.type === "or") {
      walk(n.a);
      walk(n.b);
    } else if (n.type === "cmp" && n.op === "eq" && n.path === "id" && typeof n.value === "string")
      ids.push(n.value);
    else if (n.type === "in" && n.path === "id") ids.push(...n.values.map(String));
    else throw unsupportedQuery("Unsupported query: delta supports filtering only by object id.");
  };
  walk(parseFilter(src));
  return ids;
}

function decodeToken(ctx: Ctx, raw: string, kind: Kind): DeltaToken {
  const t = ctx.rt.tokens.decode(raw) as Partial<DeltaToken> | undefined;
  if (!t || t.t !== ctx.dir.tenantId || t.k !== kind || typeof t.p !== "number" || typeof t.to !== "number") {
    throw new GraphError(400, "Request_BadRequest", "The delta token or skip token is invalid.");
  }
  return t as DeltaToken;
}

function checkEpochs(ctx: Ctx, t: DeltaToken, set: string): void {
  const d = ctx.dir.delta;
  if (t.re !== d.resyncEpoch) {
    const sel = t.sel ? `$select=${t.sel.join(",")}&` : "";
    throw new GraphError(
      410,
      "resyncRequired",
      "Resync required. Replace any local cached data with data from the resync.",
      {
        location: `${ctx.base}/${set}/delta?${sel}$deltatoken=`,
      },
    );
  }
  if (t.ee !== d.expiryEpoch || Date.now() - t.i > d.tokenMaxAgeMs) {
    throw new GraphError(
      410,
      "syncStateNotFound",
      "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
    );
  }
}

function renderObject(ctx: Ctx, kind: Kind, obj: JsonObject, sel: string[] | null): JsonObject {
  if (!sel) return { ...defaults(obj, ENTITIES[kind], ctx.beta), id: obj.id };
  const props = sel.filter((s) => s !== "members" && s !== "manager");
  const out = project(obj, props);
  out.id = obj.id;
  return out;
}

function memberRefs(ctx: Ctx, containerId: string): JsonObject[] {
  return ctx.dir.store.members(containerId).map((m) => ({ "@odata.type": ODATA_TYPE[m.kind], id: m.id }));
}

interface Change {
  id: string;
  members?: Map<string, { kind: Kind; added: boolean }>;
}

function relevant(e: ChangeEntry, sel: string[] | null): boolean {
  switch (e.type) {
    case "updated":
      return !sel || (e.props ?? []).some((p) => sel.includes(p));
    case "memberAdded":
    case "memberRemoved":
      return sel?.includes("members") === true;
    default:
      return true;
  }
}

function changeList(ctx: Ctx, kind: Kind, t: DeltaToken): Change[] {
  const byId = new Map<string, Change>();
  for (const e of ctx.dir.store.log.between(t.from, t.to)) {
    if (e.kind !== kind || !relevant(e, t.sel)) continue;
    if (t.f && !t.f.includes(e.id)) continue;
    const rec = byId.get(e.id) ?? { id: e.id };
    byId.delete(e.id); // re-insert: order by last change
    byId.set(e.id, rec);
    if ((e.type === "memberAdded" || e.type === "memberRemoved") && e.memberId) {
      rec.members ??= new Map();
      rec.members.set(e.memberId, { kind: e.memberKind ?? "user", added: e.type === "memberAdded" });
    }
  }
  return [...byId.values()];
}

function renderChange(ctx: Ctx, kind: Kind, c: Change, sel: string[] | null): JsonObject {
  const o = ctx.dir.store.get(c.id);
  if (!o || o.state === "hardDeleted") return { id: c.id, "@removed": { reason: "deleted" } };
  if (o.state === "softDeleted") return { id: c.id, "@removed": { reason: "changed" } };
  const out = renderObject(ctx, kind, o.obj, sel);
  if (c.members && c.members.size > 0) {
    out["members@delta"] = [...c.members].map(([id, m]) =>
      m.added
        ? { "@odata.type": ODATA_TYPE[m.kind], id }
        : { "@odata.type": ODATA_TYPE[m.kind], id, "@removed": { reason: "deleted" } },
    );
  }
  return out;
}

function contextUrl(ctx: Ctx, set: string, sel: string[] | null): string {
  return `${ctx.base}/$metadata#${set}${sel ? `(${sel.join(",")})` : ""}`;
}

export function deltaResponse(ctx: Ctx, kind: Kind, set: string): GraphResponse {
  const q = ctx.q;
  const dir = ctx.dir;
  const log = dir.store.log;
  const newToken = (over: Partial<DeltaToken>, base: DeltaToken): string =>
    ctx.rt.tokens.encode({ ...base, ...over, i: Date.now() });
  let token: DeltaToken;

  if (q.skiptoken !== undefined) {
    token = decodeToken(ctx, q.skiptoken, kind);
    if (token.ph === "d")
      throw new GraphError(400, "Request_BadRequest", "The delta token or skip token is invalid.");
    checkEpochs(ctx, token, set);
  } else if (q.deltatoken !== undefined && q.deltatoken !== "") {
    const base: DeltaToken = {
      t: dir.tenantId,
      k: kind,
      ph: "d",
      p: 0,
      from: log.seq,
      to: log.seq,
      sel: null,
      ps: pageSize(ctx) ?? DEFAULT_PAGE,
      f: null,
      i: Date.now(),
      re: dir.delta.resyncEpoch,
      ee: dir.delta.expiryEpoch,
    };
    if (q.deltatoken.toLowerCase() === "latest") {
      const sel = validateInitial(ctx, kind);
      const link = `${ctx.base}/${set}/delta?$deltatoken=${newToken({ sel, f: idFilter(q.filter) }, base)}`;
      return json(200, { "@odata.context": contextUrl(ctx, set, sel), "@odata.deltaLink": link, value: [] });
    }
    const prev = decodeToken(ctx, q.deltatoken, kind);
    if (prev.ph !== "d")
      throw new GraphError(400, "Request_BadRequest", "The delta token or skip token is invalid.");
    checkEpochs(ctx, prev, set);
    token = { ...prev, ph: "c", p: 0, from: prev.to, to: log.seq, ps: pageSize(ctx) ?? prev.ps };
  } else {
    const sel = validateInitial(ctx, kind);
    token = {
      t: dir.tenantId,
      k: kind,
      ph: "i",
      p: 0,
      from: 0,
      to: log.seq,
      sel,
      ps: pageSize(ctx) ?? DEFAULT_PAGE,
      f: idFilter(q.filter),
      i: Date.now(),
      re: dir.delta.resyncEpoch,
      ee: dir.delta.expiryEpoch,
    };
  }

  const size = pageSize(ctx) ?? token.ps;
  const replays = dir.delta.replays;
  const value: JsonObject[] = [];
  let done: boolean;
  let next: number;
  const withMembers = token.sel?.includes("members") === true && CONTAINERS.includes(kind);

  if (token.ph === "i") {
    const store = dir.store;
    const start = replays && token.p > 0 ? Math.max(0, token.p - REPLAY) : token.p;
    if (token.f) {
      const ids = token.f.slice(start, start + size);
      for (const id of ids) {
        const o = store.getActive(id, kind);
        value.push(o ? renderObject(ctx, kind, o.obj, token.sel) : { id, "@removed": { reason: "deleted" } });
      }
      next = start + ids.length;
      done = next >= token.f.length;
    } else {
      const end = store.positions(kind);
      let pos = start;
      let scanned = 0;
      let fresh = 0;
      while (pos < end && fresh < size && scanned < SCAN_CAP) {
        const o = store.atPosition(kind, pos);
        if (o) {
          const item = renderObject(ctx, kind, o, token.sel);
          if (withMembers) item["members@delta"] = memberRefs(ctx, String(o.id));
          value.push(item);
          if (pos >= token.p) fresh++;
        }
        pos++;
        scanned++;
      }
      next = pos;
      done = pos >= end;
    }
  } else {
    const changes = changeList(ctx, kind, token);
    const start = replays && token.p > 0 ? Math.max(0, token.p - REPLAY) : token.p;
    const stop = Math.min(changes.length, token.p + size);
    for (const c of changes.slice(start, stop)) value.push(renderChange(ctx, kind, c, token.sel));
    next = stop;
    done = stop >= changes.length;
  }
  if (replays && value.length > 1) value.push(value[0]!);

  const body: JsonObject = { "@odata.context": contextUrl(ctx, set, token.sel) };
  if (done) {
    body["@odata.deltaLink"] =
      `${ctx.base}/${set}/delta?$deltatoken=${newToken({ ph: "d", p: 0, from: token.to, to: token.to }, token)}`;
  } else {
    body["@odata.nextLink"] = `${ctx.base}/${set}/delta?$skiptoken=${newToken({ p: next, ps: size }, token)}`;
  }
  body.value = value;
  const headers: Record<string, string> = pageSize(ctx)
    ? { "preference-applied": `odata.maxpagesize=${size}` }
    : {};
  return json(200, body, headers);
}

/** Query options allowed on the first delta request ($select, id filters); everything else is Graph's 400. */
function validateInitial(ctx: Ctx, kind: Kind): string[] | null {
  const q = ctx.q;
  if (q.top !== undefined)
    throw unsupportedQuery("The '$top' query option is not supported on delta queries.");
  if (q.expand !== undefined)
    throw unsupportedQuery("The '$expand' query option is not supported on delta queries.");
  if (q.orderby !== undefined) throw unsupportedQuery("Sorting not supported for current query.");
  if (q.search !== undefined)
    throw unsupportedQuery("The '$search' query option is not supported on delta queries.");
  const sel = q.select ?? null;
  if (sel) {
    if (kind === "user" && sel.includes("signInActivity")) {
      throw new GraphError(400, "BadRequest", "Property 'signInActivity' is not supported in a delta query.");
    }
    const nav = CONTAINERS.includes(kind) ? ["members"] : kind === "user" ? ["manager"] : [];
    checkSelect(
      { ...ctx, q: { ...q, select: sel.filter((s) => !nav.includes(s)) } },
      ENTITIES[kind],
      undefined,
    );
  }
  return sel;
}
