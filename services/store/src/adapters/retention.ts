import { LEDGER_RETENTION_DAYS, retentionCutoff } from "../domain/retention.js";
import type { WarehouseSchema } from "../domain/schema.js";
import { quoteIdent, WORKSPACE_COLUMN } from "../domain/table-model.js";
import { bumpVersions, pruneLedger } from "./bookkeeping.js";
import type { Db } from "./db.js";
import { pruneDeadLetters } from "./dead-letters.js";

/** Tables pruned by age, with their time column. */
function prunable(schema: WarehouseSchema): { table: string; column: string }[] {
  return [
    ...schema.resources.flatMap((r) => (r.changes ? [{ table: r.changes.name, column: "recorded_at" }] : [])),
    ...schema.system.flatMap((s) => (s.retainBy ? [{ table: s.table.name, column: s.retainBy }] : [])),
  ];
}

/**
 * Deletes history older than the retention window (change rows and query history), old ledger
 * entries and dead letters, in one transaction; the affected tables are re-exported by the next generation.
 */
export async function pruneHistory(
  db: Db,
  schema: WarehouseSchema,
  opts: { days: number; now?: Date },
): Promise<{ deleted: number }> {
  const cutoff = retentionCutoff(opts.now ?? new Date(), opts.days).toISOString();
  return db.transaction(async (sql) => {
    let deleted = 0;
    for (const { table, column } of prunable(schema)) {
      const where = `${quoteIdent(column)} < CAST($cutoff AS TIMESTAMPTZ)`;
      const affected = await sql.all(
        `SELECT DISTINCT ${quoteIdent(WORKSPACE_COLUMN)} AS ws FROM ${quoteIdent(table)} WHERE ${where}`,
        { cutoff },
      );
      if (affected.length === 0) continue;
      deleted += await sql.run(`DELETE FROM ${quoteIdent(table)} WHERE ${where}`, { cutoff });
      for (const r of affected) await bumpVersions(sql, String(r.ws), [table]);
    }
    await pruneLedger(sql, LEDGER_RETENTION_DAYS);
    await pruneDeadLetters(sql, LEDGER_RETENTION_DAYS);
    return { deleted };
  });
}
