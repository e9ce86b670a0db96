import { readFileSync } from "node:fs";
import { caFetch, type Simulator, type SimulatorTenant } from "@tenantlens/entra-sim";
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
  if (r.singleton) {
    const [one] = await list(`${r.version}${r.path}`);
    return [String(one?.id ?? r.singletonId)];
  }
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

/** A GraphLister over the simulator as the tenant's app (a minted token): `value` of every page, or the one object. */
export function simLister(sim: Simulator, tenant: SimulatorTenant): GraphLister {
  const fetchSim = caFetch(readFileSync(sim.caCertPath, "utf8"));
  return async (path) => {
    const { accessToken } = await sim.control.mintToken(tenant.tenantId, { kind: "app" });
    const out: Array<Record<string, unknown>> = [];
    let url: string | undefined = `${sim.graphEndpoint}/${path}`;
    for (let i = 0; url && i < 1000; i++) {
      const res: Response = await fetchSim(url, { headers: { authorization: `Bearer ${accessToken}` } });
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as Record<string, unknown>;
      if (!Array.isArray(body.value)) return [body];
      out.push(...(body.value as Array<Record<string, unknown>>));
      url = body["@odata.nextLink"] as string | undefined;
    }
    return out;
  };
}
