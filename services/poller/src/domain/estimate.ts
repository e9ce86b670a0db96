import type { ResourceDef } from "@tenantlens/graph";
import type { GraphReader } from "../adapters/graph-reader.js";
import type { CostMeter } from "./cost.js";

/**
 * Objects in a directory collection, from Graph's `$count` (an advanced query: ConsistencyLevel
 * eventual), for the progress of a first full read. One page of one id; null when Graph has no count.
 */
export async function countEstimate(
  graph: GraphReader,
  graphEndpoint: string,
  resource: ResourceDef,
  signal: AbortSignal,
  meter: CostMeter,
): Promise<number | null> {
  const url = `${graphEndpoint.replace(/\/+$/, "")}/${resource.version}${resource.path}?$count=true&$top=1&$select=id`;
  const body = await graph.get(url, { ConsistencyLevel: "eventual" }, signal, meter);
  const n = body["@odata.count"];
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : null;
}
