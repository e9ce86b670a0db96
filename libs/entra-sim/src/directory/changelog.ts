import type { Kind } from "./kinds.js";

export type ChangeType =
  | "created"
  | "updated"
  | "softDeleted"
  | "hardDeleted"
  | "restored"
  | "memberAdded"
  | "memberRemoved";

export interface ChangeEntry {
  /** 1-based position in the log; delta tokens remember the last seq they covered. */
  seq: number;
  kind: Kind;
  id: string;
  type: ChangeType;
  /** Properties that changed (updates only). */
  props?: string[];
  memberId?: string;
  memberKind?: Kind;
  /**
   * Set on memberAdded/memberRemoved entries recorded because the member itself was deleted or
   * restored (its memberships vanish and come back with it); they get no audit event of their own.
   */
  cascade?: true;
  at: string;
}

/** Append-only record of every mutation; delta rounds replay the slice between two seqs. */
export class ChangeLog {
  private readonly entries: ChangeEntry[] = [];

  get seq(): number {
    return this.entries.length;
  }

  append(e: Omit<ChangeEntry, "seq" | "at">, at = new Date().toISOString()): ChangeEntry {
    const entry: ChangeEntry = { ...e, seq: this.entries.length + 1, at };
    this.entries.push(entry);
    return entry;
  }

  /** Entries with fromSeq < seq <= toSeq. */
  between(fromSeq: number, toSeq: number): readonly ChangeEntry[] {
    return this.entries.slice(Math.max(0, fromSeq), Math.max(0, toSeq));
  }

  all(): readonly ChangeEntry[] {
    return this.entries;
  }
}
