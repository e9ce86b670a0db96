import { type ResourceDef, resourceByName } from "@tenantlens/graph";

/** Every object of a Graph collection, all pages: `path` is below the endpoint (`v1.0/users?$top=5`). */
export type GraphLister = (path: string) => Promise<Array<Record<string, unknown>>>;

/**
 * The ids a complete read of a catalog resource must publish, asked of the simulator directly (not
 * through the poller): one per object of a list, one for a singleton, `<parentId>:<childId>` per
 * child of every parent for fan-out resources. Delegated-only resources have none in app mode.
 */
export async function expectedIds(r: ResourceDef, list: GraphLister): Promise<string[]> {
  if (r.delegatedOnly) return [];
  if (r.singleton) return [r.singletonId ?? "singleton"];
  const encoded = r.query ? r.query.replace(/ /g, "%20").replace(/\//g, "%2F") : "";
  if (!r.fanOut) {
    const items = await list(`${r.version}${r.path}${encoded ? `?${encoded}` : ""}`);
    return items.map((o) => String(o.id ?? (r.idProperty ? o[r.idProperty] : "")));
  }
  const parent = resourceByName(r.fanOut.from);
  if (!parent) throw new Error(`unknown parent ${r.fanOut.from}`);
  const parents = parent.fanOut
    ? await expectedIds(parent, list)
    : (await list(`${parent.version}${parent.path}?$select=id`)).map((o) => String(o.id));
  const out: string[] = [];
  for (const parentId of parents) {
    const ids = parentId.split(":");
    const parts = [ids[0], ids.slice(1).join(":")].filter((x) => x !== "");
    let k = 0;
    const path = r.path.replace(/\{id\}/g, () => encodeURIComponent(parts[k++] ?? ""));
    const children = await list(`${r.version}${path}`);
    for (const c of children) out.push(`${parentId}:${String(c.id)}`);
  }
  return out;
}
