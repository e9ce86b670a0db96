import { listValue } from "@duckdb/node-api";
import { planMigration } from "../domain/migration-plan.js";
import type { WarehouseSchema } from "../domain/schema.js";
import { physicalColumns } from "../domain/table-model.js";
import type { Db } from "./db.js";

export interface MigrationResult {
  /** Schema version after the run (unchanged when nothing was needed). */
  version: number;
  steps: number;
  conflicts: string[];
}

/** Applies the declared schema in one transaction and records what it did. */
export async function migrate(db: Db, schema: WarehouseSchema): Promise<MigrationResult> {
  return db.transaction(async (sql) => {
    const rows = await sql.all(
      `SELECT table_name, column_name, data_type FROM duckdb_columns()
       WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal`,
    );
    const existing = new Map<string, Map<string, string>>();
    for (const r of rows) {
      const t = String(r.table_name);
      if (!existing.has(t)) existing.set(t, new Map());
      existing.get(t)?.set(String(r.column_name), String(r.data_type));
    }
    const indexRows = await sql.all(
      `SELECT index_name FROM duckdb_indexes() WHERE database_name = current_database() AND schema_name = 'main'`,
    );
    const plan = planMigration(schema.all, existing, new Set(indexRows.map((r) => String(r.index_name))));
    const hadBookkeeping = existing.has("_tl_migrations");
    const last = hadBookkeeping
      ? await sql.all(`SELECT coalesce(max(version), 0) AS v FROM "_tl_migrations"`)
      : [];
    const current = Number(last[0]?.v ?? 0);
    if (plan.steps.length === 0) return { version: current, steps: 0, conflicts: plan.conflicts };

    for (const step of plan.steps) await sql.run(step.sql);
    const version = current + 1;
    const created: { t: string[]; c: string[]; type: string[] } = { t: [], c: [], type: [] };
    for (const step of plan.steps) {
      const table = schema.all.find((t) => t.name === step.table);
      if (!table || step.kind === "backfill" || step.kind === "create_index") continue;
      const cols = physicalColumns(table).filter(
        (c) => step.kind === "create_table" || c.name === step.column,
      );
      for (const c of cols) {
        created.t.push(table.name);
        created.c.push(c.name);
        created.type.push(c.type);
      }
    }
    // One statement for every column (a fresh warehouse has thousands): row-at-a-time inserts
    // made the first start take tens of seconds.
    if (created.t.length > 0) {
      await sql.run(
        `INSERT INTO "_tl_columns" SELECT unnest($t::VARCHAR[]), unnest($c::VARCHAR[]), unnest($type::VARCHAR[]), $v`,
        { t: listValue(created.t), c: listValue(created.c), type: listValue(created.type), v: version },
      );
    }
    await sql.run(`INSERT INTO "_tl_migrations" VALUES ($v, now(), $steps::JSON)`, {
      v: version,
      steps: JSON.stringify(
        plan.steps.map((s) => ({ kind: s.kind, table: s.table, column: s.column ?? null })),
      ),
    });
    return { version, steps: plan.steps.length, conflicts: plan.conflicts };
  });
}
