import type { AlertFiltersOf, QueryRowItem } from "@tenantlens/contracts";
import { rowHash } from "./match.js";

/**
 * Query alerts remember the previous result of their saved query (each row under its fingerprint)
 * and report the rows that appeared or disappeared. Rows are compared as whole values (a changed
 * column shows as one row removed and one added); duplicate rows count once.
 */
export type RowSet = Record<string, Record<string, unknown>>;

export interface QueryDiff {
  rows: RowSet;
  added: QueryRowItem[];
  removed: QueryRowItem[];
}

export function diffRows(
  previous: RowSet | null,
  rows: readonly Record<string, unknown>[],
  on: AlertFiltersOf<"query">["on"],
): QueryDiff {
  const current: RowSet = {};
  for (const row of rows) current[rowHash(row)] = row;
  if (previous === null) return { rows: current, added: [], removed: [] };
  const added = on.includes("rows_added")
    ? Object.entries(current)
        .filter(([h]) => !(h in previous))
        .map(([, row]) => ({ change: "added" as const, row }))
    : [];
  const removed = on.includes("rows_removed")
    ? Object.entries(previous)
        .filter(([h]) => !(h in current))
        .map(([, row]) => ({ change: "removed" as const, row }))
    : [];
  return { rows: current, added, removed };
}
