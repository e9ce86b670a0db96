import type { ResourceDef } from "@tenantlens/graph";
import type { GraphObject, Removed } from "./pages.js";

/**
 * Rows of derived resources (catalog `derived`) out of one page of their parent's delta read: every
 * `<relation>@delta` entry of a parent object becomes `{id: "<parentId>:<targetId>", <parentKey>,
 * memberId, memberType}`, or a removal when it carries `@removed`. The parent objects lose the
 * annotation, so a membership change never shows as a change of the parent itself.
 */
export interface DerivedPage {
  resource: ResourceDef;
  objects: GraphObject[];
  removed: Removed[];
}

export function splitDerived(
  parents: GraphObject[],
  derived: readonly ResourceDef[],
): { parents: GraphObject[]; pages: DerivedPage[] } {
  const pages = derived.map((resource) => ({
    resource,
    objects: [] as GraphObject[],
    removed: [] as Removed[],
  }));
  const out = parents.map((parent) => {
    let stripped: GraphObject = parent;
    for (const page of pages) {
      const def = page.resource.derived;
      if (!def) continue;
      const key = `${def.relation}@delta`;
      if (!(key in stripped)) continue;
      const { [key]: entries, ...rest } = stripped;
      stripped = rest as GraphObject;
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (!isRecord(entry) || typeof entry.id !== "string" || entry.id === "") continue;
        const id = `${parent.id}:${entry.id}`;
        if (entry["@removed"] !== undefined) {
          page.removed.push({ id, reason: "deleted" });
          continue;
        }
        const type = entry["@odata.type"];
        page.objects.push({
          id,
          [def.parentKey]: parent.id,
          memberId: entry.id,
          memberType: typeof type === "string" ? type : null,
        });
      }
    }
    return stripped;
  });
  return { parents: out, pages };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
