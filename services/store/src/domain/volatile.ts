/**
 * Properties that change on their own without anything happening to the object. Their new value
 * is still written to the current row; it just does not make a "modified" change record.
 * onPremisesLastSyncDateTime moves every directory-sync cycle (about every 30 minutes).
 */
const VOLATILE: Record<string, readonly string[]> = {
  users: ["onPremisesLastSyncDateTime"],
  groups: ["onPremisesLastSyncDateTime"],
  organization: ["onPremisesLastSyncDateTime"],
};

export function volatileProperties(resource: string): ReadonlySet<string> {
  return new Set(VOLATILE[resource] ?? []);
}
