import type { JsonObject, Kind, StoredObject } from "../../directory/index.js";
import { ODATA_TYPE } from "../../directory/kinds.js";
import type { Ctx } from "../context.js";
import { GraphError, notFoundObject } from "../errors.js";

/** Resolves `{id}` route params (including `@appId=…` key predicates) to active objects, or 404. */
export function lookup(ctx: Ctx, kind: Kind | readonly Kind[], raw: string): StoredObject {
  const kinds: readonly Kind[] = typeof kind === "string" ? [kind] : kind;
  if (raw.startsWith("@")) {
    const eq = raw.indexOf("=");
    const prop = raw.slice(1, eq);
    const value = raw.slice(eq + 1);
    if (!["appId", "roleTemplateId", "uniqueName"].includes(prop)) {
      throw new GraphError(
        400,
        "BadRequest",
        `The key property '${prop}' is not an alternate key of the entity type.`,
      );
    }
    const found = findBy(ctx, kinds[0]!, prop, value);
    if (!found) throw notFoundObject(value);
    return found;
  }
  // Users are also addressable by userPrincipalName, as in Graph.
  if (kinds[0] === "user" && raw.includes("@")) {
    const found = ctx.dir.store.findUserByUpn(raw);
    if (!found) throw notFoundObject(raw);
    return found;
  }
  const o = ctx.dir.store.getActive(raw);
  if (!o || !kinds.includes(o.kind)) {
    if (!/^[0-9a-fA-F-]{36}$|^[A-Za-z0-9_-]{43}$/.test(raw) && kinds[0] !== "oauth2PermissionGrant") {
      throw new GraphError(400, "Request_BadRequest", `Invalid object identifier '${raw}'.`);
    }
    throw notFoundObject(raw);
  }
  return o;
}

const altKeyCache = new WeakMap<object, Map<string, { seq: number; map: Map<string, string> }>>();

/** Alternate-key lookup (appId, roleTemplateId), indexed per kind and rebuilt when the log moves. */
function findBy(ctx: Ctx, kind: Kind, prop: string, value: string): StoredObject | undefined {
  const store = ctx.dir.store;
  let perStore = altKeyCache.get(store);
  if (!perStore) {
    perStore = new Map();
    altKeyCache.set(store, perStore);
  }
  const key = `${kind}:${prop}`;
  let cached = perStore.get(key);
  if (!cached || cached.seq !== store.log.seq) {
    const map = new Map<string, string>();
    for (let p = 0; p < store.positions(kind); p++) {
      const o = store.atPosition(kind, p);
      const v = o?.[prop];
      if (o && typeof v === "string") map.set(v.toLowerCase(), String(o.id));
    }
    cached = { seq: store.log.seq, map };
    perStore.set(key, cached);
  }
  const id = cached.map.get(value.toLowerCase());
  return id ? store.getActive(id) : undefined;
}

export function annotateStored(o: StoredObject): JsonObject {
  return { ...o.obj, "@odata.type": ODATA_TYPE[o.kind] };
}

/** Objects of mixed kinds (members, owners, memberOf) carry @odata.type. */
export const annotateMixed = (o: JsonObject): string | undefined =>
  typeof o["@odata.type"] === "string" ? (o["@odata.type"] as string) : undefined;

export function mixed(list: StoredObject[]): JsonObject[] {
  return list.map(annotateStored);
}
