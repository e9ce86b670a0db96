import type { ColumnDef, ColumnType } from "@tenantlens/graph";
import type { WarehouseTable } from "./table-model.js";

type Col = [name: string, type: ColumnType];

function internalTable(
  name: string,
  description: string,
  cols: Col[],
  primaryKey?: string[],
): WarehouseTable {
  const internal: ColumnDef[] = cols.map(([n, type]) => ({ name: n, property: null, type, description: "" }));
  return { name, kind: "internal", description, columns: [], internal, primaryKey };
}

/** Messages whose effects are committed; a redelivered message found here is acked with no effect. */
export const ledgerTable = internalTable(
  "_tl_ledger",
  "Processed messages",
  [
    ["msg_key", "VARCHAR"],
    ["stream", "VARCHAR"],
    ["seq", "BIGINT"],
    ["subject", "VARCHAR"],
    ["applied_at", "TIMESTAMPTZ"],
  ],
  ["msg_key"],
);

/**
 * Collected messages the store gave up on (their poll is failed, the rest of it skipped), kept for
 * operators; `announced_at` is set once PollIngestFailed was published (an outbox, like generations).
 */
export const deadLettersTable = internalTable("_tl_dead_letters", "Messages set aside after failing", [
  ["msg_key", "VARCHAR"],
  ["stream", "VARCHAR"],
  ["seq", "BIGINT"],
  ["subject", "VARCHAR"],
  ["msg_id", "VARCHAR"],
  ["workspace_id", "VARCHAR"],
  ["integration_id", "VARCHAR"],
  ["poll_id", "VARCHAR"],
  ["reason", "VARCHAR"],
  ["deliveries", "BIGINT"],
  ["body", "VARCHAR"],
  ["dead_at", "TIMESTAMPTZ"],
  ["announced_at", "TIMESTAMPTZ"],
]);

/** Bumped in the same transaction as any write, so a generation knows which tables changed. */
export const tableVersionsTable = internalTable(
  "_tl_table_versions",
  "Data version per workspace and table",
  [
    ["workspace_id", "VARCHAR"],
    ["table_name", "VARCHAR"],
    ["version", "BIGINT"],
  ],
);

/** Durable "a generation is due" markers, written with the data so a crash cannot lose one. */
export const generationRequestsTable = internalTable("_tl_generation_requests", "Pending generations", [
  ["request_id", "VARCHAR"],
  ["workspace_id", "VARCHAR"],
  ["kind", "VARCHAR"],
  ["poll_id", "VARCHAR"],
  ["requested_at", "TIMESTAMPTZ"],
]);

export const generationsTable = internalTable("_tl_generations", "Committed generations", [
  ["workspace_id", "VARCHAR"],
  ["generation_id", "BIGINT"],
  ["committed_at", "TIMESTAMPTZ"],
  ["manifest", "JSON"],
  ["state", "JSON"],
  ["published", "BOOLEAN"],
]);

/**
 * Deleted workspaces: purged from every table, their generations removed, and anything arriving for
 * them afterwards (a late page, a rule event still in flight) is acknowledged without effect.
 */
export const deletedWorkspacesTable = internalTable("_tl_deleted_workspaces", "Deleted workspaces", [
  ["workspace_id", "VARCHAR"],
  ["deleted_at", "TIMESTAMPTZ"],
  ["purged_at", "TIMESTAMPTZ"],
]);

/** Migration bookkeeping: one row per applied migration and per column the store added. */
export const migrationsTable = internalTable("_tl_migrations", "Applied schema migrations", [
  ["version", "BIGINT"],
  ["applied_at", "TIMESTAMPTZ"],
  ["steps", "JSON"],
]);

export const columnsTable = internalTable("_tl_columns", "Columns created by migrations", [
  ["table_name", "VARCHAR"],
  ["column_name", "VARCHAR"],
  ["type", "VARCHAR"],
  ["schema_version", "BIGINT"],
]);

export const internalTables: readonly WarehouseTable[] = [
  migrationsTable,
  columnsTable,
  ledgerTable,
  deadLettersTable,
  tableVersionsTable,
  generationRequestsTable,
  generationsTable,
  deletedWorkspacesTable,
];
