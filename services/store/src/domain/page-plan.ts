import { changeId, rawAndHash } from "./hash.js";
import { changedFields, type GraphObject, mergeDelta } from "./object-diff.js";

/**
 * What happens to one object of a page:
 * added / modified / removed produce a change row; refresh rewrites the row without one (only
 * volatile properties or annotations differ); seen only marks it as seen by this poll.
 */
export type ObjectOp = "added" | "modified" | "refresh" | "seen" | "removed";

export interface ExistingObject {
  hash: string;
  /** The stored `_raw`; required for objects whose hash differs and for every delta object. */
  raw?: GraphObject;
}

export interface PlannedObject {
  id: string;
  op: ObjectOp;
  /** New content hash (null for removals). */
  hash: string | null;
  /** New `_raw` as JSON text (null for removals). */
  raw: string | null;
  /** Changed Graph properties (modified only). */
  fields: string[] | null;
  /** Change record id (added, modified, removed). */
  changeId: string | null;
}

export interface PagePlan {
  objects: PlannedObject[];
  counts: { added: number; modified: number; removed: number };
}

export interface PageInput {
  mode: "full" | "delta";
  objects: readonly GraphObject[];
  removed: readonly { id: string }[];
}

export interface ChangeOrigin {
  integrationId: string;
  table: string;
  pollId: string;
  /** Message that carried the page (e.g. its Nats-Msg-Id). */
  origin: string;
}

/** Graph can return one object twice in a page; the last occurrence wins. Removal beats both. */
export function normalisePage(page: PageInput): { objects: GraphObject[]; removedIds: string[] } {
  const removedIds = [...new Set(page.removed.map((r) => r.id))];
  const removedSet = new Set(removedIds);
  const byId = new Map<string, GraphObject>();
  for (const o of page.objects) {
    const id = o.id as string;
    if (removedSet.has(id)) continue;
    byId.delete(id);
    byId.set(id, o);
  }
  return { objects: [...byId.values()], removedIds };
}

/** An object of a page with its id, JSON text and content hash, computed once. */
export interface ReceivedObject {
  id: string;
  object: GraphObject;
  raw: string;
  hash: string;
}

export function prepareObjects(objects: readonly GraphObject[]): ReceivedObject[] {
  return objects.map((object) => ({ id: object.id as string, object, ...rawAndHash(object) }));
}

/** Ids whose stored `_raw` the planner needs, given the stored hashes of the page's ids. */
export function idsNeedingRaw(
  mode: "full" | "delta",
  objects: readonly ReceivedObject[],
  storedHashes: ReadonlyMap<string, string>,
): string[] {
  const ids: string[] = [];
  for (const o of objects) {
    const stored = storedHashes.get(o.id);
    if (stored === undefined) continue;
    if (mode === "delta" || stored !== o.hash) ids.push(o.id);
  }
  return ids;
}

/** Decides, for every object of a normalised page, what the write must do. Pure. */
export function planPage(
  page: { mode: "full" | "delta"; objects: readonly ReceivedObject[]; removedIds: readonly string[] },
  existing: ReadonlyMap<string, ExistingObject>,
  volatile: ReadonlySet<string>,
  origin: ChangeOrigin,
): PagePlan {
  const counts = { added: 0, modified: 0, removed: 0 };
  const out: PlannedObject[] = [];
  const idOf = (objectId: string, changeType: string) => changeId({ ...origin, objectId, changeType });

  for (const received of page.objects) {
    const { id } = received;
    const prev = existing.get(id);
    if (!prev) {
      const { raw, hash } = received;
      out.push({ id, op: "added", hash, raw, fields: null, changeId: idOf(id, "added") });
      counts.added++;
      continue;
    }
    const delta = page.mode === "delta";
    if (delta && !prev.raw) throw new Error(`planPage: stored _raw of ${id} is required in delta mode`);
    const after = delta && prev.raw ? mergeDelta(prev.raw, received.object) : received.object;
    const { raw, hash } = after === received.object ? received : rawAndHash(after);
    if (hash === prev.hash) {
      out.push({ id, op: "seen", hash, raw: null, fields: null, changeId: null });
      continue;
    }
    if (!prev.raw) throw new Error(`planPage: stored _raw of ${id} is required when its hash differs`);
    const fields = changedFields(prev.raw, after, volatile);
    if (fields.length === 0) {
      out.push({ id, op: "refresh", hash, raw, fields: null, changeId: null });
      continue;
    }
    out.push({ id, op: "modified", hash, raw, fields, changeId: idOf(id, "modified") });
    counts.modified++;
  }

  for (const id of page.removedIds) {
    if (!existing.has(id)) continue; // never stored (e.g. removed before the first sync): nothing to record
    out.push({ id, op: "removed", hash: null, raw: null, fields: null, changeId: idOf(id, "removed") });
    counts.removed++;
  }
  return { objects: out, counts };
}
