/**
 * Splitting one Graph page into what PageCollected carries: live objects and `@removed` entries,
 * then into chunks that each stay under the message size limit.
 */
export type GraphObject = Record<string, unknown> & { id: string };
export interface Removed {
  id: string;
  reason: "changed" | "deleted";
}

export interface SplitPage {
  objects: GraphObject[];
  removed: Removed[];
  /** Entries without a string id (Graph always sends one; counted, not published). */
  invalid: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function splitPage(value: unknown): SplitPage {
  const out: SplitPage = { objects: [], removed: [], invalid: 0 };
  if (!Array.isArray(value)) return out;
  for (const entry of value) {
    if (!isRecord(entry) || typeof entry.id !== "string" || entry.id === "") {
      out.invalid++;
      continue;
    }
    const removed = entry["@removed"];
    if (removed !== undefined) {
      // "changed" = soft-deleted (restorable from deletedItems); anything else is treated as gone.
      const reason = isRecord(removed) && removed.reason === "changed" ? "changed" : "deleted";
      out.removed.push({ id: entry.id, reason });
    } else {
      out.objects.push(entry as GraphObject);
    }
  }
  return out;
}

export interface Chunk {
  objects: GraphObject[];
  removed: Removed[];
}

export class OversizedObjectError extends Error {
  override name = "OversizedObjectError";
  constructor(
    readonly objectId: string,
    readonly bytes: number,
    readonly budget: number,
  ) {
    super(`object ${objectId} is ${bytes} bytes as JSON, more than fits in one message (${budget} bytes)`);
  }
}

/**
 * Greedy packing by exact JSON byte size. `budget` is what the arrays may take in total: the
 * message limit minus the envelope (the payload serialized with empty arrays) minus header room.
 * Always returns at least one chunk, so every Graph page shows up as at least one message.
 */
export function chunkPage(page: Chunk, budget: number): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk = { objects: [], removed: [] };
  let used = 0;
  const add = (kind: "objects" | "removed", item: GraphObject | Removed) => {
    const size = Buffer.byteLength(JSON.stringify(item), "utf8");
    // +1 for the comma between array elements (over-counts the first element; harmless).
    if (size + 1 > budget) throw new OversizedObjectError(item.id, size, budget);
    if (used + size + 1 > budget) {
      chunks.push(current);
      current = { objects: [], removed: [] };
      used = 0;
    }
    if (kind === "objects") current.objects.push(item as GraphObject);
    else current.removed.push(item as Removed);
    used += size + 1;
  };
  for (const o of page.objects) add("objects", o);
  for (const r of page.removed) add("removed", r);
  chunks.push(current);
  return chunks;
}

/** Room for NATS headers (message id, trace context) inside max_payload. */
export const HEADER_ROOM_BYTES = 1024;

export function chunkBudget(maxMessageBytes: number, envelope: unknown): number {
  return maxMessageBytes - HEADER_ROOM_BYTES - Buffer.byteLength(JSON.stringify(envelope), "utf8");
}
