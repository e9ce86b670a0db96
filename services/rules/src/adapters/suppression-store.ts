import type { Suppression } from "@tenantlens/contracts";
import { CHANGE_JSON } from "./change-json.js";
import { iso, type Row, type Sql } from "./state-db.js";

/**
 * Suppressions and the violation transitions they cause outside evaluations. Each function runs in
 * the caller's transaction; the rows returned (a change as JSON text per row) feed groupChanges (run-writer.ts) for the events.
 */

const LAST_SEEN = iso(
  "CASE WHEN v.state = 'resolved' THEN v.last_seen_at ELSE greatest(v.last_seen_at, rs.last_verdict_at) END",
);

/** The acted-on violations (temp table `acted`) as change rows. */
function changedRows(
  sql: Sql,
  ws: string,
  transition: string,
  extra: { actor: string | null; reason: string | null; suppressionId?: string | null; where?: string },
): Promise<Row[]> {
  return sql.all(
    `SELECT rule_id, integration_id, transition, CAST(${CHANGE_JSON} AS VARCHAR) AS change FROM (
     SELECT v.rule_id, v.integration_id, v.resource_id, v.resource_table, v.display_name,
       v.details, CAST($transition AS VARCHAR) AS transition, v.state,
       ${iso("v.first_seen_at")} AS first_seen, ${LAST_SEEN} AS last_seen, ${iso("v.resolved_at")} AS resolved,
       coalesce($sid, v.suppression_id) AS suppression_id,
       coalesce($actor, s.actor) AS actor, coalesce($reason, s.reason) AS reason, ${iso("s.expires_at")} AS expires
     FROM acted a
     JOIN violations v ON v.workspace_id = $ws AND v.rule_id = a.rule_id AND v.integration_id = a.integration_id
       AND v.resource_id = a.resource_id
     LEFT JOIN rule_status rs ON rs.workspace_id = v.workspace_id AND rs.rule_id = v.rule_id
       AND rs.integration_id = v.integration_id
     LEFT JOIN suppressions s ON s.suppression_id = coalesce($sid, v.suppression_id)
     ${extra.where ? `WHERE ${extra.where}` : ""})
     ORDER BY rule_id, integration_id, resource_id`,
    {
      ws,
      transition,
      actor: extra.actor,
      reason: extra.reason,
      sid: extra.suppressionId ?? null,
    },
  );
}

export async function insertSuppression(sql: Sql, s: Suppression): Promise<void> {
  await sql.run(
    `INSERT INTO suppressions VALUES ($id, $ws, $scope, $integration, $rule, $resource, $reason, $actor,
       CAST($created AS TIMESTAMPTZ), CAST($expires AS TIMESTAMPTZ), $state, CAST($ended AS TIMESTAMPTZ), $by)`,
    {
      id: s.suppressionId,
      ws: s.workspaceId,
      scope: s.scope,
      integration: s.integrationId,
      rule: s.ruleId,
      resource: s.resourceId,
      reason: s.reason,
      actor: s.actor,
      created: s.createdAt,
      expires: s.expiresAt,
      state: s.state,
      ended: s.endedAt,
      by: s.endedBy,
    },
  );
}

export async function endSuppression(
  sql: Sql,
  id: string,
  state: "lifted" | "expired",
  at: string,
  by: string | null,
): Promise<void> {
  await sql.run(
    `UPDATE suppressions SET state = $state, ended_at = CAST($at AS TIMESTAMPTZ), ended_by = $by WHERE suppression_id = $id`,
    { id, state, at, by },
  );
}

/** Whether (workspace, integration, rule, resource) has a violation in any state. */
export async function violationExists(
  sql: Pick<Sql, "all">,
  k: { ws: string; integrationId: string; ruleId: string; resourceId: string },
): Promise<boolean> {
  const rows = await sql.all(
    `SELECT 1 AS hit FROM violations
     WHERE workspace_id = $ws AND integration_id = $integration AND rule_id = $rule AND resource_id = $resource`,
    { ws: k.ws, integration: k.integrationId, rule: k.ruleId, resource: k.resourceId },
  );
  return rows.length > 0;
}

/** Open violations a new suppression covers become suppressed. */
export async function suppressCovered(sql: Sql, s: Suppression, at: string): Promise<Row[]> {
  await sql.run(
    `CREATE OR REPLACE TEMP TABLE acted AS
     SELECT rule_id, integration_id, resource_id FROM violations
     WHERE workspace_id = $ws AND state = 'open' AND resource_id = $resource
       AND ($integration IS NULL OR integration_id = $integration)
       AND ($rule IS NULL OR rule_id = $rule)`,
    { ws: s.workspaceId, resource: s.resourceId, integration: s.integrationId, rule: s.ruleId },
  );
  await sql.run(
    `UPDATE violations v SET state = 'suppressed', suppression_id = $sid, updated_at = CAST($at AS TIMESTAMPTZ)
     FROM acted a
     WHERE v.workspace_id = $ws AND v.rule_id = a.rule_id AND v.integration_id = a.integration_id
       AND v.resource_id = a.resource_id`,
    { ws: s.workspaceId, sid: s.suppressionId, at },
  );
  return changedRows(sql, s.workspaceId, "suppressed", { actor: s.actor, reason: s.reason });
}

/**
 * Suppressed violations whose suppression ended (lifted or expired) become open again, unless
 * another active suppression covers them (then it holds them, silently).
 */
export async function releaseSuppressed(
  sql: Sql,
  ws: string,
  suppressionId: string,
  at: string,
  change: { transition: "unsuppressed" | "reopened"; actor: string | null; reason: string },
): Promise<Row[]> {
  await sql.run(
    `CREATE OR REPLACE TEMP TABLE acted AS
     SELECT v.rule_id, v.integration_id, v.resource_id, (
       SELECT min(s.suppression_id) FROM suppressions s
       WHERE s.workspace_id = $ws AND s.state = 'active'
         AND (s.expires_at IS NULL OR s.expires_at > CAST($at AS TIMESTAMPTZ))
         AND s.resource_id = v.resource_id
         AND (s.integration_id IS NULL OR s.integration_id = v.integration_id)
         AND (s.scope = 'resource' OR s.rule_id = v.rule_id)) AS other
     FROM violations v
     WHERE v.workspace_id = $ws AND v.state = 'suppressed' AND v.suppression_id = $sid`,
    { ws, sid: suppressionId, at },
  );
  const keys = `v.workspace_id = $ws AND v.rule_id = a.rule_id AND v.integration_id = a.integration_id
       AND v.resource_id = a.resource_id`;
  await sql.run(
    `UPDATE violations v SET suppression_id = a.other FROM acted a WHERE ${keys} AND a.other IS NOT NULL`,
    {
      ws,
    },
  );
  await sql.run(
    `UPDATE violations v SET state = 'open', suppression_id = NULL, updated_at = CAST($at AS TIMESTAMPTZ)
     FROM acted a WHERE ${keys} AND a.other IS NULL`,
    { ws, at },
  );
  return changedRows(sql, ws, change.transition, {
    actor: change.actor,
    reason: change.reason,
    suppressionId,
    where: "a.other IS NULL",
  });
}

/** Open and suppressed violations of a rule that goes away (deleted custom rule, retired managed rule). */
export async function resolveRuleViolations(
  sql: Sql,
  ws: string,
  ruleId: string,
  at: string,
  reason: string,
): Promise<Row[]> {
  await sql.run(
    `CREATE OR REPLACE TEMP TABLE acted AS
     SELECT rule_id, integration_id, resource_id FROM violations
     WHERE workspace_id = $ws AND rule_id = $rule AND state IN ('open', 'suppressed')`,
    { ws, rule: ruleId },
  );
  await sql.run(
    `UPDATE violations v SET state = 'resolved', resolved_at = CAST($at AS TIMESTAMPTZ), suppression_id = NULL,
       updated_at = CAST($at AS TIMESTAMPTZ)
     FROM acted a
     WHERE v.workspace_id = $ws AND v.rule_id = a.rule_id AND v.integration_id = a.integration_id
       AND v.resource_id = a.resource_id`,
    { ws, at },
  );
  const rows = await changedRows(sql, ws, "resolved", { actor: null, reason });
  await sql.run("DELETE FROM rule_status WHERE workspace_id = $ws AND rule_id = $rule", { ws, rule: ruleId });
  return rows;
}

/** Active suppressions whose expiry has passed, by workspace. */
export async function dueSuppressions(
  sql: Pick<Sql, "all">,
  at: string,
): Promise<Array<{ workspaceId: string; suppressionId: string }>> {
  const rows = await sql.all(
    `SELECT workspace_id, suppression_id FROM suppressions
     WHERE state = 'active' AND expires_at IS NOT NULL AND expires_at <= CAST($at AS TIMESTAMPTZ)
     ORDER BY expires_at`,
    { at },
  );
  return rows.map((r) => ({ workspaceId: String(r.workspace_id), suppressionId: String(r.suppression_id) }));
}

/** When the next active suppression expires (null: none will). */
export async function nextExpiry(sql: Pick<Sql, "all">): Promise<string | null> {
  const rows = await sql.all(
    `SELECT ${iso("min(expires_at)")} AS at FROM suppressions WHERE state = 'active' AND expires_at IS NOT NULL`,
  );
  const v = rows[0]?.at;
  return v === null || v === undefined ? null : String(v);
}
