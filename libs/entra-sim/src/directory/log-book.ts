import type { JsonObject } from "./kinds.js";

/** One appended log entry: its time (ms) and an arrival number that orders entries of one instant. */
export interface LogEntry {
  time: number;
  seq: number;
  obj: JsonObject;
}

/**
 * Log entries written after the generated history (mutations, entries added through /_sim/), kept
 * sorted by (time, arrival). An entry may arrive "late": its time lies before entries already
 * there, as Graph's audit and sign-in logs deliver some events minutes after they happened.
 */
export class LogBook {
  private readonly entries: LogEntry[] = [];
  private seq = 0;

  get size(): number {
    return this.entries.length;
  }

  /** Ascending position p (0 = oldest). */
  at(p: number): LogEntry | undefined {
    return this.entries[p];
  }

  add(obj: JsonObject, time: number): LogEntry {
    const e: LogEntry = { time, seq: ++this.seq, obj };
    // Insert after every entry of the same or an earlier time (arrival order within an instant).
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.entries[mid] as LogEntry).time <= time) lo = mid + 1;
      else hi = mid;
    }
    this.entries.splice(lo, 0, e);
    return e;
  }

  find(id: string): JsonObject | undefined {
    return this.entries.find((e) => e.obj.id === id)?.obj;
  }

  /** Newest first (the order Graph lists logs in by default). */
  newestFirst(): JsonObject[] {
    return this.entries.map((e) => e.obj).reverse();
  }
}
