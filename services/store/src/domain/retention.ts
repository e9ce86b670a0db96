const DAY_MS = 86_400_000;

/** Change rows recorded before this instant are pruned. */
export function retentionCutoff(now: Date, days: number): Date {
  if (!Number.isFinite(days) || days < 1) throw new Error("retention must be at least one day");
  return new Date(now.getTime() - days * DAY_MS);
}

/** The ledger must outlive every message still in a stream (TL_COLLECT keeps 7 days). */
export const LEDGER_RETENTION_DAYS = 14;
