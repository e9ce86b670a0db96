import type { Sql } from "./state-db.js";

/**
 * The rules service's tables, versioned: each migration runs once, in order, in the transaction that
 * opens the file. No primary keys: the service is the only writer and keeps keys unique itself
 * (DuckDB's eager constraint checks get in the way of delete-and-insert within one transaction).
 */
const MIGRATIONS: ReadonlyArray<readonly string[]> = [
  [
    `CREATE TABLE workspaces (workspace_id VARCHAR, last_full_generation BIGINT, created_at TIMESTAMPTZ)`,
    // Every rule of a workspace: managed ones (as published to it) and custom ones.
    `CREATE TABLE rules (workspace_id VARCHAR, rule_id VARCHAR, managed BOOLEAN, definition JSON,
      enabled BOOLEAN, version VARCHAR, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ,
      updated_by VARCHAR, deleted_at TIMESTAMPTZ)`,
    // Current state of each violation. last_seen_at is kept at transitions; while a violation stays
    // open its last sighting is the rule's last verdict (rule_status.last_verdict_at).
    `CREATE TABLE violations (workspace_id VARCHAR, integration_id VARCHAR, rule_id VARCHAR,
      resource_id VARCHAR, resource_table VARCHAR, display_name VARCHAR, details JSON, state VARCHAR,
      first_seen_at TIMESTAMPTZ, last_seen_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ,
      suppression_id VARCHAR, updated_at TIMESTAMPTZ)`,
    `CREATE TABLE rule_status (workspace_id VARCHAR, integration_id VARCHAR, rule_id VARCHAR,
      status VARCHAR, violation_count BIGINT, evaluated_at TIMESTAMPTZ, last_verdict_at TIMESTAMPTZ,
      generation_id BIGINT, run_id VARCHAR, error VARCHAR)`,
    `CREATE TABLE pack_scores (workspace_id VARCHAR, integration_id VARCHAR, pack_id VARCHAR,
      pack_title VARCHAR, score DOUBLE, passing BIGINT, failing BIGINT, errors BIGINT, evaluated BIGINT,
      recorded_at TIMESTAMPTZ, run_id VARCHAR, generation_id BIGINT)`,
    `CREATE TABLE suppressions (suppression_id VARCHAR, workspace_id VARCHAR, scope VARCHAR,
      integration_id VARCHAR, rule_id VARCHAR, resource_id VARCHAR, reason VARCHAR, actor VARCHAR,
      created_at TIMESTAMPTZ, expires_at TIMESTAMPTZ, state VARCHAR, ended_at TIMESTAMPTZ, ended_by VARCHAR)`,
    // Runs already applied (a redelivered trigger finds its run here and changes nothing).
    `CREATE TABLE runs (run_id VARCHAR, workspace_id VARCHAR, trigger VARCHAR, generation_id BIGINT,
      applied_at TIMESTAMPTZ)`,
    // Runs promised but not done yet (after a rule change or suppression); survive a crash.
    `CREATE TABLE pending_runs (run_id VARCHAR, workspace_id VARCHAR, trigger VARCHAR, rule_ids VARCHAR[],
      actor VARCHAR, requested_at TIMESTAMPTZ)`,
    // Events committed with the state they describe, published afterwards in seq order.
    `CREATE TABLE outbox (seq BIGINT, subject VARCHAR, payload JSON, created_at TIMESTAMPTZ)`,
    `CREATE TABLE counters (name VARCHAR, value BIGINT)`,
    `INSERT INTO counters VALUES ('outbox', 0)`,
  ],
  [
    // Deleted workspaces whose state was purged: late triggers for them are ignored.
    `CREATE TABLE purged_workspaces (workspace_id VARCHAR, purged_at TIMESTAMPTZ)`,
  ],
];

export async function migrateState(sql: Sql): Promise<number> {
  await sql.run("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT, applied_at TIMESTAMPTZ)");
  const rows = await sql.all("SELECT coalesce(max(version), 0) AS v FROM schema_version");
  const current = Number(rows[0]?.v ?? 0);
  for (let v = current; v < MIGRATIONS.length; v++) {
    for (const statement of MIGRATIONS[v] ?? []) await sql.run(statement);
    await sql.run("INSERT INTO schema_version VALUES ($v, now())", { v: v + 1 });
  }
  return MIGRATIONS.length;
}
