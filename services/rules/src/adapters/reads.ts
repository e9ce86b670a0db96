import type { Severity, Suppression, Violation, ViolationState } from "@tenantlens/contracts";
import { iso, type Sql, type SqlParams } from "./state-db.js";

type Reader = Pick<Sql, "all">;

export interface ViolationFilter {
  states: readonly ViolationState[];
  severities?: readonly Severity[];
  ruleId?: string;
  pack?: string;
  integrationId?: string;
  resourceId?: string;
}

/** Keyset cursor: the last (rule, integration, resource) of the previous page. */
export function encodeCursor(v: Pick<Violation, "ruleId" | "integrationId" | "resourceId">): string {
  return Buffer.from(JSON.stringify([v.ruleId, v.integrationId, v.resourceId])).toString("base64url");
}

export function decodeCursor(cursor: string): [string, string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "string")) {
      return v as [string, string, string];
    }
  } catch {
    // not one of ours
  }
  return null;
}

function violationWhere(f: ViolationFilter, params: SqlParams): string {
  params.states = JSON.stringify(f.states);
  params.severities = f.severities ? JSON.stringify(f.severities) : null;
  params.rule = f.ruleId ?? null;
  params.pack = f.pack ?? null;
  params.integration = f.integrationId ?? null;
  params.resource = f.resourceId ?? null;
  return `v.workspace_id = $ws
    AND list_contains(CAST(CAST($states AS JSON) AS VARCHAR[]), v.state)
    AND ($severities IS NULL OR list_contains(CAST(CAST($severities AS JSON) AS VARCHAR[]), r.definition->>'severity'))
    AND ($rule IS NULL OR v.rule_id = $rule)
    AND ($pack IS NULL OR list_contains(CAST(r.definition->'packs' AS VARCHAR[]), $pack))
    AND ($integration IS NULL OR v.integration_id = $integration)
    AND ($resource IS NULL OR v.resource_id = $resource)`;
}

/**
 * Violations of enabled, existing rules (a disabled rule's violations are frozen and hidden until it
 * is enabled again), newest rule order first by id; open ones report the rule's last verdict as
 * their last sighting.
 */
export async function listViolations(
  sql: Reader,
  workspaceId: string,
  filter: ViolationFilter,
  page: { limit: number; after?: [string, string, string] | null },
): Promise<{ violations: Violation[]; total: number; next: [string, string, string] | null }> {
  const params: SqlParams = { ws: workspaceId };
  const where = violationWhere(filter, params);
  const from = `FROM violations v
    JOIN rules r ON r.workspace_id = v.workspace_id AND r.rule_id = v.rule_id AND r.deleted_at IS NULL AND r.enabled`;
  const total = Number((await sql.all(`SELECT count(*) AS n ${from} WHERE ${where}`, params))[0]?.n ?? 0);
  const after = page.after ?? null;
  params.c1 = after?.[0] ?? null;
  params.c2 = after?.[1] ?? null;
  params.c3 = after?.[2] ?? null;
  params.limit = page.limit + 1;
  const rows = await sql.all(
    `SELECT v.rule_id, v.integration_id, v.resource_id, v.resource_table, v.display_name,
       CAST(v.details AS VARCHAR) AS details, v.state, ${iso("v.first_seen_at")} AS first_seen,
       ${iso("CASE WHEN v.state = 'resolved' THEN v.last_seen_at ELSE greatest(v.last_seen_at, rs.last_verdict_at) END")} AS last_seen,
       ${iso("v.resolved_at")} AS resolved, v.suppression_id, s.reason, s.actor, ${iso("s.expires_at")} AS expires,
       r.definition->>'title' AS title, r.definition->>'severity' AS severity,
       CAST(r.definition->'packs' AS VARCHAR[]) AS packs
     ${from}
     LEFT JOIN rule_status rs ON rs.workspace_id = v.workspace_id AND rs.rule_id = v.rule_id
       AND rs.integration_id = v.integration_id
     LEFT JOIN suppressions s ON s.suppression_id = v.suppression_id
     WHERE ${where}
       AND ($c1 IS NULL OR v.rule_id > $c1 OR (v.rule_id = $c1 AND (v.integration_id > $c2
         OR (v.integration_id = $c2 AND v.resource_id > $c3))))
     ORDER BY v.rule_id, v.integration_id, v.resource_id
     LIMIT $limit`,
    params,
  );
  const violations = rows.slice(0, page.limit).map(
    (r): Violation => ({
      workspaceId,
      integrationId: String(r.integration_id),
      ruleId: String(r.rule_id),
      ruleTitle: String(r.title),
      severity: String(r.severity) as Severity,
      packs: (r.packs as string[] | null) ?? [],
      resourceId: String(r.resource_id),
      table: String(r.resource_table ?? ""),
      displayName: r.display_name === null ? null : String(r.display_name),
      ...(r.details === null ? {} : { details: JSON.parse(String(r.details)) }),
      state: String(r.state) as ViolationState,
      firstSeenAt: String(r.first_seen),
      lastSeenAt: String(r.last_seen),
      resolvedAt: r.resolved === null ? null : String(r.resolved),
      suppression:
        r.state === "suppressed" && r.suppression_id !== null
          ? {
              suppressionId: String(r.suppression_id),
              reason: String(r.reason ?? ""),
              actor: String(r.actor ?? ""),
              expiresAt: r.expires === null ? null : String(r.expires),
            }
          : null,
    }),
  );
  const last = violations.at(-1);
  const next =
    rows.length > page.limit && last
      ? ([last.ruleId, last.integrationId, last.resourceId] as [string, string, string])
      : null;
  return { violations, total, next };
}

export async function listSuppressions(
  sql: Reader,
  workspaceId: string,
  opts: { state?: string; id?: string; limit: number },
): Promise<Suppression[]> {
  const rows = await sql.all(
    `SELECT suppression_id, scope, integration_id, rule_id, resource_id, reason, actor,
       ${iso("created_at")} AS created_at, ${iso("expires_at")} AS expires_at, state,
       ${iso("ended_at")} AS ended_at, ended_by
     FROM suppressions
     WHERE workspace_id = $ws AND ($state IS NULL OR state = $state) AND ($id IS NULL OR suppression_id = $id)
     ORDER BY created_at DESC, suppression_id
     LIMIT $limit`,
    { ws: workspaceId, state: opts.state ?? null, id: opts.id ?? null, limit: opts.limit },
  );
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return rows.map((r) => ({
    suppressionId: String(r.suppression_id),
    workspaceId,
    scope: String(r.scope) as Suppression["scope"],
    integrationId: text(r.integration_id),
    ruleId: text(r.rule_id),
    resourceId: String(r.resource_id),
    reason: String(r.reason),
    actor: String(r.actor),
    createdAt: String(r.created_at),
    expiresAt: text(r.expires_at),
    state: String(r.state) as Suppression["state"],
    endedAt: text(r.ended_at),
    endedBy: text(r.ended_by),
  }));
}

export interface StoredScore {
  packId: string;
  integrationId: string;
  score: number;
  passing: number;
  failing: number;
  errors: number;
  evaluated: number;
  recordedAt: string;
}

export async function packScores(sql: Reader, workspaceId: string): Promise<StoredScore[]> {
  const rows = await sql.all(
    `SELECT pack_id, integration_id, score, passing, failing, errors, evaluated, ${iso("recorded_at")} AS recorded_at
     FROM pack_scores WHERE workspace_id = $ws ORDER BY pack_id, integration_id`,
    { ws: workspaceId },
  );
  return rows.map((r) => ({
    packId: String(r.pack_id),
    integrationId: String(r.integration_id),
    score: Number(r.score),
    passing: Number(r.passing),
    failing: Number(r.failing),
    errors: Number(r.errors),
    evaluated: Number(r.evaluated),
    recordedAt: String(r.recorded_at),
  }));
}
