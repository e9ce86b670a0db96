import { DuckDBInstance } from "@duckdb/node-api";
import { catalog } from "@tenantlens/graph";
import { warehouseSchema } from "../domain/schema.js";
import { physicalColumns, quoteIdent, quoteLiteral, type WarehouseTable } from "../domain/table-model.js";

export interface TableDiff {
  table: string;
  /** Rows of the reference integration the other one lacks (lost). */
  lost: number;
  /** Rows of the other integration the reference lacks (duplicated or wrong). */
  extra: number;
  /** Rows the reference has. */
  rows: number;
}

/** Columns that differ between two integrations by nature: who, when, which poll, which change id. */
const INCIDENTAL = new Set([
  "integration_id",
  "_first_seen_at",
  "_last_seen_at",
  "_tl_poll_id",
  "change_id",
  "recorded_at",
  "poll_id",
]);

function compared(t: WarehouseTable): string {
  return physicalColumns(t)
    .filter((c) => !INCIDENTAL.has(c.name))
    .map((c) => (c.type === "JSON" ? `CAST(${quoteIdent(c.name)} AS VARCHAR)` : quoteIdent(c.name)))
    .join(", ");
}

/**
 * Compares what two integrations of the same tenant hold, table by table (current state and
 * history, both directions, `EXCEPT ALL`): after an interrupted run and an uninterrupted one, every
 * count must be zero. Opens the warehouse read-only, so the store must be stopped first.
 */
export async function compareIntegrations(
  file: string,
  reference: string,
  other: string,
): Promise<TableDiff[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
  const conn = await instance.connect();
  const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRowObjectsJson()[0]?.n ?? 0);
  try {
    const out: TableDiff[] = [];
    for (const r of warehouseSchema(catalog).resources) {
      for (const t of r.changes ? [r.current, r.changes] : [r.current]) {
        const select = (id: string) =>
          `SELECT ${compared(t)} FROM ${quoteIdent(t.name)} WHERE integration_id = ${quoteLiteral(id)}`;
        out.push({
          table: t.name,
          lost: await count(`SELECT count(*) AS n FROM (${select(reference)} EXCEPT ALL ${select(other)})`),
          extra: await count(`SELECT count(*) AS n FROM (${select(other)} EXCEPT ALL ${select(reference)})`),
          rows: await count(`SELECT count(*) AS n FROM (${select(reference)})`),
        });
      }
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
