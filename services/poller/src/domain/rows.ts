import type { ResourceDef } from "@tenantlens/graph";
import type { GraphObject } from "./pages.js";

/**
 * Graph objects → warehouse rows for the catalog's special shapes: objects keyed by another property
 * (`idProperty`, e.g. partner configurations keyed by `tenantId`) and children read per parent
 * (`fanOut`, e.g. `/groups/{id}/owners`).
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The entries of a list page with `id` set from the catalog's `idProperty` (other entries unchanged). */
export function withIds(resource: ResourceDef, value: unknown[]): unknown[] {
  const key = resource.idProperty;
  if (!key) return value;
  return value.map((entry) => {
    if (!isRecord(entry) || (typeof entry.id === "string" && entry.id !== "")) return entry;
    const id = entry[key];
    return typeof id === "string" && id !== "" ? { ...entry, id } : entry;
  });
}

/**
 * Rows of a fan-out resource from the children one parent answered: `{id: "<parentId>:<childId>",
 * <parentKey>: parentId, …}`, the child's own properties, or for references (owners) the child's id
 * and `@odata.type` under the catalog's keys. Entries without an id are counted as invalid.
 */
export function fanOutRows(
  resource: ResourceDef,
  parentId: string,
  children: unknown[],
): { rows: GraphObject[]; invalid: number } {
  const def = resource.fanOut;
  if (!def) throw new Error(`${resource.name} is not read per parent`);
  const rows: GraphObject[] = [];
  let invalid = 0;
  for (const child of children) {
    if (!isRecord(child) || typeof child.id !== "string" || child.id === "") {
      invalid++;
      continue;
    }
    const id = `${parentId}:${child.id}`;
    if (def.reference) {
      const type = child["@odata.type"];
      rows.push({
        id,
        [def.parentKey]: parentId,
        [def.reference.idKey]: child.id,
        [def.reference.typeKey]: typeof type === "string" ? type : null,
      });
    } else {
      const { "@odata.context": _c, ...rest } = child;
      rows.push({ ...rest, id, [def.parentKey]: parentId });
    }
  }
  return { rows, invalid };
}

/** Children of one parent's answer: a collection's `value`, or the one object a singleton path returns. */
export function childrenOf(body: Record<string, unknown>): unknown[] | null {
  if ("value" in body) return Array.isArray(body.value) ? body.value : null;
  return typeof body.id === "string" ? [body] : null;
}
