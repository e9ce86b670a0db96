import { canonicalJson, isAnnotation } from "./hash.js";

export type GraphObject = Record<string, unknown>;

/**
 * Top-level Graph properties whose values differ, sorted. Absent and null are the same (a full read
 * returns nulls, a delta read may omit them); annotations and `volatile` properties never count.
 */
export function changedFields(
  before: GraphObject,
  after: GraphObject,
  volatile: ReadonlySet<string>,
): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const fields: string[] = [];
  for (const k of keys) {
    if (isAnnotation(k) || volatile.has(k)) continue;
    if (canonicalJson(before[k] ?? null) !== canonicalJson(after[k] ?? null)) fields.push(k);
  }
  return fields.sort();
}

/**
 * Graph delta rounds return an updated object with "at least the updated properties", so the new
 * state is the previous one overlaid with what arrived.
 */
export function mergeDelta(before: GraphObject, delta: GraphObject): GraphObject {
  const merged: GraphObject = { ...before };
  for (const [k, v] of Object.entries(delta)) {
    if (k === "@removed") continue;
    merged[k] = v;
  }
  return merged;
}
