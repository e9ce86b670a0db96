import type { TableKind } from "./table-model.js";

/** What a generation recorded for one table: the file and the data version it holds. */
export interface TableState {
  version: number;
  signature: string;
  file: string;
  rows: number;
}

export interface TableNow {
  name: string;
  kind: TableKind;
  /** Current data version for the workspace (0 when never written). */
  version: number;
  signature: string;
}

export type TableAction =
  | { name: string; action: "write" }
  /** The table's columns and no rows (a collected table no completed poll has exported yet). */
  | { name: string; action: "empty" }
  | { name: string; action: "reuse"; state: TableState };

/**
 * Which tables a new generation writes and which reuse the previous file. A table is rewritten
 * when its data or exported shape changed; resource and history tables only in a generation that
 * follows a completed poll (`includeCollected`), so a poll still running never shows half-done:
 * one that no generation exported yet is written empty until then (cheap, where exporting the
 * half-read first poll would hold the warehouse writer for seconds while pages keep arriving).
 */
export function planGenerationTables(
  tables: readonly TableNow[],
  prev: Readonly<Record<string, TableState>> | null,
  includeCollected: boolean,
): TableAction[] {
  return tables.map((t) => {
    const before = prev?.[t.name];
    const collected = t.kind === "resource" || t.kind === "changes";
    if (!before) return { name: t.name, action: collected && !includeCollected ? "empty" : "write" };
    if (collected && !includeCollected) return { name: t.name, action: "reuse", state: before };
    if (before.version === t.version && before.signature === t.signature) {
      return { name: t.name, action: "reuse", state: before };
    }
    return { name: t.name, action: "write" };
  });
}

export interface StoredGeneration {
  generationId: number;
  committedAt: Date;
  files: readonly string[];
}

export interface GcPlan {
  /** Generations to forget (manifest and own files go, unless a kept generation reuses a file). */
  drop: number[];
  deleteFiles: string[];
}

/**
 * Old generations go once nobody can be reading them: the newest `keep` always stay; so does every
 * generation from the oldest one a live reader lease names (a lease is "the oldest generation I still
 * read", so everything newer may be in use too); and any generation superseded less than `graceMs`
 * ago (a reader may have opened it just before taking its lease).
 */
export function planGc(
  generations: readonly StoredGeneration[],
  opts: { keep: number; leasedFrom: number | null; graceMs: number; now: Date },
): GcPlan {
  const sorted = [...generations].sort((a, b) => b.generationId - a.generationId);
  const retained = new Set<number>();
  sorted.forEach((g, i) => {
    const successor = i > 0 ? sorted[i - 1] : undefined;
    const recentlySuperseded =
      successor !== undefined && opts.now.getTime() - successor.committedAt.getTime() < opts.graceMs;
    const leased = opts.leasedFrom !== null && g.generationId >= opts.leasedFrom;
    if (i < opts.keep || leased || recentlySuperseded) retained.add(g.generationId);
  });
  const referenced = new Set(sorted.filter((g) => retained.has(g.generationId)).flatMap((g) => g.files));
  const dropped = sorted.filter((g) => !retained.has(g.generationId));
  const deleteFiles = [...new Set(dropped.flatMap((g) => g.files))].filter((f) => !referenced.has(f)).sort();
  return { drop: dropped.map((g) => g.generationId).sort((a, b) => a - b), deleteFiles };
}
