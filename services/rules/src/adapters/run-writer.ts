import type { RuleEvaluation, RuleStatus } from "@tenantlens/contracts";
import {
  RuleEvaluated,
  RuleStatusChanged,
  RunCompleted,
  ScoreRecorded,
  ViolationsChanged,
  ViolationTransition as ViolationTransitionSchema,
} from "@tenantlens/contracts";
import { type Counter, meter } from "@tenantlens/telemetry";
import { chunkJson, type OutboxEvent, type RuleRef } from "../domain/events.js";
import { recordsViolations, verdict } from "../domain/judge.js";
import { computeScores, type PackInfo } from "../domain/scores.js";
import type { RuleResult } from "../evaluator.js";
import { CHANGE_JSON } from "./change-json.js";
import { enqueue, enqueueSelect } from "./outbox.js";
import { iso, type Sql } from "./state-db.js";

export type RunTrigger = "generation" | "manual" | "rule_changed" | "suppression_expired";

/** A rule as a run needs it: how to judge and what its events say about it. */
export interface RuleInRun {
  ref: RuleRef;
  evaluation: RuleEvaluation;
}

export interface RunPlan {
  workspaceId: string;
  runId: string;
  trigger: RunTrigger;
  generationId: number;
  /** Every enabled rule was evaluated: the workspace's last full generation moves on. */
  full: boolean;
  at: string;
  startedAt: string;
  rules: ReadonlyMap<string, RuleInRun>;
  results: readonly RuleResult[];
  /** Every enabled rule of the workspace (for the scores), and the packs to score. */
  enabledRules: ReadonlyMap<string, RuleInRun>;
  packs: readonly PackInfo[];
  /** Score only the packs of these rules (a partial run); all packs when null. */
  scoreOnlyRules: readonly string[] | null;
  /** The pending run this one fulfils (deleted in the same transaction). */
  pendingRunId?: string;
  maxMessageBytes: number;
}

export interface RunOutcome {
  runId: string;
  generationId: number;
  rules: number;
  passing: number;
  failing: number;
  errors: number;
  skipped: number;
  transitions: Record<string, number>;
}

interface PairStatus {
  ruleId: string;
  integrationId: string;
  status: RuleStatus;
  error: string | null;
  durationMs: number;
}

const key = (ruleId: string, integrationId: string) => `${ruleId}\u0000${integrationId}`;

/**
 * Applies one run in the caller's transaction: violation transitions (set-based, through the
 * scratch tables), rule statuses, pack scores, and every event of the run in the outbox, with
 * RunCompleted last. Returns null when the run was applied before (a redelivered trigger).
 */
export async function applyRun(sql: Sql, plan: RunPlan): Promise<RunOutcome | null> {
  const { workspaceId: ws, at } = plan;
  const seen = await sql.all("SELECT 1 AS hit FROM runs WHERE run_id = $run", { run: plan.runId });
  if (seen.length > 0) return null;

  // 1. The (rule, integration) pairs that had a verdict, and their candidates.
  await sql.run("DELETE FROM stage");
  await sql.run("DELETE FROM verdicts");
  const verdictPairs: Array<{ ruleId: string; integrationId: string }> = [];
  const pairs: PairStatus[] = [];
  let skipped = 0;
  const verdictApp = await sql.appender("verdicts", "main", "temp");
  const staged: Array<{ ruleId: string; candidates: string; integrations: string[] }> = [];
  try {
    for (const r of plan.results) {
      const judged: string[] = [];
      for (const j of r.judgements) {
        if (j.kind === "skipped") {
          skipped++;
          continue;
        }
        if (j.kind === "error") {
          pairs.push({
            ruleId: r.rule.id,
            integrationId: j.integrationId,
            status: "error",
            error: j.error,
            durationMs: r.durationMs,
          });
          continue;
        }
        verdictPairs.push({ ruleId: r.rule.id, integrationId: j.integrationId });
        judged.push(j.integrationId);
        verdictApp.appendVarchar(r.rule.id);
        verdictApp.appendVarchar(j.integrationId);
        verdictApp.appendBoolean(j.complete);
        verdictApp.endRow();
      }
      if (r.candidates && judged.length > 0)
        staged.push({ ruleId: r.rule.id, candidates: r.candidates, integrations: judged });
    }
    verdictApp.flushSync();
  } finally {
    verdictApp.closeSync();
  }
  // The candidates go from the result files into the stage without passing through JavaScript.
  for (const s of staged) {
    await sql.run(
      `INSERT INTO stage
       SELECT $rule, integration_id, resource_id, resource_table, display_name, details, NULL
       FROM (${s.candidates})
       WHERE list_contains(CAST(CAST($ints AS JSON) AS VARCHAR[]), integration_id)`,
      { rule: s.ruleId, ints: JSON.stringify(s.integrations) },
    );
  }

  // 2. Which candidates a suppression covers (per violation, or every violation of a resource).
  // Only the expiry handler ends a suppression (transition "reopened", reason "suppression
  // expired"); a run between the expiry time and its handling still sees it in force.
  await sql.run(
    `UPDATE stage SET covered_by = (
       SELECT min(s.suppression_id) FROM suppressions s
       WHERE s.workspace_id = $ws AND s.state = 'active'
         AND s.resource_id = stage.resource_id
         AND (s.integration_id IS NULL OR s.integration_id = stage.integration_id)
         AND (s.scope = 'resource' OR s.rule_id = stage.rule_id))
     WHERE EXISTS (SELECT 1 FROM suppressions s WHERE s.workspace_id = $ws AND s.state = 'active')`,
    { ws },
  );

  // 3. Verdicts over what is not suppressed; a passing threshold records no violations.
  const counts = new Map<string, number>();
  for (const r of await sql.all(
    `SELECT rule_id, integration_id, count(*) FILTER (WHERE covered_by IS NULL) AS open FROM stage GROUP BY ALL`,
  )) {
    counts.set(key(String(r.rule_id), String(r.integration_id)), Number(r.open));
  }
  for (const p of verdictPairs) {
    const rule = plan.rules.get(p.ruleId);
    if (!rule) continue;
    const status = verdict(rule.evaluation, counts.get(key(p.ruleId, p.integrationId)) ?? 0);
    const result = plan.results.find((x) => x.rule.id === p.ruleId);
    pairs.push({ ...p, status, error: null, durationMs: result?.durationMs ?? 0 });
    if (!recordsViolations(rule.evaluation, status)) {
      await sql.run("DELETE FROM stage WHERE rule_id = $r AND integration_id = $i", {
        r: p.ruleId,
        i: p.integrationId,
      });
    }
  }

  // 4. Transitions: new and returning violations among the staged rows, resolutions among the
  // open ones no longer returned (only where the result was complete). Errors touch nothing.
  await sql.run(
    `CREATE OR REPLACE TEMP TABLE chg AS
     SELECT st.rule_id, st.integration_id, st.resource_id, st.resource_table, st.display_name, st.details,
       st.covered_by AS suppression_id, v.state AS old_state,
       CASE
         WHEN v.state IS NULL THEN CASE WHEN st.covered_by IS NULL THEN 'opened' ELSE 'suppressed' END
         WHEN v.state = 'resolved' THEN CASE WHEN st.covered_by IS NULL THEN 'reopened' ELSE 'suppressed' END
         WHEN v.state = 'open' AND st.covered_by IS NOT NULL THEN 'suppressed'
         WHEN v.state = 'suppressed' AND st.covered_by IS NULL THEN 'unsuppressed'
       END AS transition,
       CAST(NULL AS TIMESTAMPTZ) AS last_seen
     FROM stage st
     LEFT JOIN violations v ON v.workspace_id = $ws AND v.rule_id = st.rule_id
       AND v.integration_id = st.integration_id AND v.resource_id = st.resource_id
     UNION ALL
     SELECT v.rule_id, v.integration_id, v.resource_id, v.resource_table, v.display_name, v.details,
       v.suppression_id, v.state, 'resolved', coalesce(rs.last_verdict_at, v.last_seen_at)
     FROM violations v
     JOIN verdicts vd ON vd.rule_id = v.rule_id AND vd.integration_id = v.integration_id AND vd.complete
     LEFT JOIN rule_status rs ON rs.workspace_id = v.workspace_id AND rs.rule_id = v.rule_id
       AND rs.integration_id = v.integration_id
     WHERE v.workspace_id = $ws AND v.state IN ('open', 'suppressed')
       AND NOT EXISTS (SELECT 1 FROM stage st WHERE st.rule_id = v.rule_id
         AND st.integration_id = v.integration_id AND st.resource_id = v.resource_id)`,
    { ws },
  );
  await sql.run("DELETE FROM chg WHERE transition IS NULL");
  await sql.run(
    `UPDATE violations v SET
       state = CASE c.transition WHEN 'resolved' THEN 'resolved' WHEN 'suppressed' THEN 'suppressed' ELSE 'open' END,
       resolved_at = CASE WHEN c.transition = 'resolved' THEN CAST($at AS TIMESTAMPTZ) END,
       last_seen_at = CASE WHEN c.transition = 'resolved' THEN coalesce(c.last_seen, v.last_seen_at)
         ELSE CAST($at AS TIMESTAMPTZ) END,
       suppression_id = CASE WHEN c.transition = 'suppressed' THEN c.suppression_id END,
       resource_table = c.resource_table, display_name = c.display_name, details = c.details,
       updated_at = CAST($at AS TIMESTAMPTZ)
     FROM chg c
     WHERE c.old_state IS NOT NULL AND v.workspace_id = $ws AND v.rule_id = c.rule_id
       AND v.integration_id = c.integration_id AND v.resource_id = c.resource_id`,
    { ws, at },
  );
  await sql.run(
    `INSERT INTO violations
     SELECT $ws, integration_id, rule_id, resource_id, resource_table, display_name, details,
       CASE transition WHEN 'suppressed' THEN 'suppressed' ELSE 'open' END,
       CAST($at AS TIMESTAMPTZ), CAST($at AS TIMESTAMPTZ), NULL,
       CASE WHEN transition = 'suppressed' THEN suppression_id END, CAST($at AS TIMESTAMPTZ)
     FROM chg WHERE old_state IS NULL`,
    { ws, at },
  );
  const transitionCounts = await sql.all(
    "SELECT rule_id, integration_id, transition, count(*) AS n FROM chg GROUP BY ALL",
  );

  // 5. Statuses: open (not suppressed) violations per pair, previous status, the new one.
  const ruleIds = [...new Set(pairs.map((p) => p.ruleId))];
  const openCounts = new Map<string, number>();
  const previous = new Map<string, RuleStatus>();
  if (ruleIds.length > 0) {
    const ids = { ws, rules: JSON.stringify(ruleIds) };
    for (const r of await sql.all(
      `SELECT rule_id, integration_id, count(*) AS n FROM violations
       WHERE workspace_id = $ws AND state = 'open' AND list_contains(CAST(CAST($rules AS JSON) AS VARCHAR[]), rule_id)
       GROUP BY ALL`,
      ids,
    )) {
      openCounts.set(key(String(r.rule_id), String(r.integration_id)), Number(r.n));
    }
    for (const r of await sql.all(
      `SELECT rule_id, integration_id, status FROM rule_status
       WHERE workspace_id = $ws AND list_contains(CAST(CAST($rules AS JSON) AS VARCHAR[]), rule_id)`,
      ids,
    )) {
      previous.set(key(String(r.rule_id), String(r.integration_id)), String(r.status) as RuleStatus);
    }
  }
  const statusRows = pairs.map((p) => ({
    rule_id: p.ruleId,
    integration_id: p.integrationId,
    status: p.status,
    violation_count: openCounts.get(key(p.ruleId, p.integrationId)) ?? 0,
    error: p.error,
  }));
  if (statusRows.length > 0) {
    const params = { ws, at, run: plan.runId, gen: plan.generationId, rows: JSON.stringify(statusRows) };
    const staged = `(SELECT unnest(from_json(CAST($rows AS JSON),
        '[{"rule_id":"VARCHAR","integration_id":"VARCHAR","status":"VARCHAR","violation_count":"BIGINT","error":"VARCHAR"}]')) AS n)`;
    await sql.run(
      `CREATE OR REPLACE TEMP TABLE new_status AS
       SELECT n.rule_id, n.integration_id, n.status, n.violation_count, n.error,
         CASE WHEN n.status = 'error' THEN s.last_verdict_at ELSE CAST($at AS TIMESTAMPTZ) END AS last_verdict_at
       FROM ${staged}
       LEFT JOIN rule_status s ON s.workspace_id = $ws AND s.rule_id = n.rule_id AND s.integration_id = n.integration_id`,
      params,
    );
    await sql.run(
      `DELETE FROM rule_status s USING new_status n
       WHERE s.workspace_id = $ws AND s.rule_id = n.rule_id AND s.integration_id = n.integration_id`,
      params,
    );
    await sql.run(
      `INSERT INTO rule_status SELECT $ws, integration_id, rule_id, status, violation_count,
         CAST($at AS TIMESTAMPTZ), last_verdict_at, $gen, $run, error FROM new_status`,
      params,
    );
  }

  // 6. Scores per pack and integration from the latest status of every enabled rule.
  const scoreEvents = await recordScores(sql, plan);

  // 7. Events, in order: the violation changes (built and split by DuckDB, straight into the
  // outbox), then per rule and integration its evaluation and status change, then scores;
  // RunCompleted last.
  const events: OutboxEvent[] = [];
  // Every kind is reported, zero or not (the contract's record is keyed by all transitions).
  const transitions: Record<string, number> = Object.fromEntries(
    ViolationTransitionSchema.options.map((t) => [t, 0]),
  );
  const ref = (integrationId: string) => ({
    workspaceId: ws,
    integrationId,
    runId: plan.runId,
    generationId: plan.generationId,
    at,
  });
  const heads = new Map<string, { rule_id: string; integration_id: string; head: string }>();
  for (const t of transitionCounts) {
    const ruleId = String(t.rule_id);
    const integrationId = String(t.integration_id);
    transitions[String(t.transition)] = (transitions[String(t.transition)] ?? 0) + Number(t.n);
    const rule = plan.rules.get(ruleId);
    if (!rule || heads.has(key(ruleId, integrationId))) continue;
    heads.set(key(ruleId, integrationId), {
      rule_id: ruleId,
      integration_id: integrationId,
      head: JSON.stringify({ ...ref(integrationId), ...rule.ref }),
    });
  }
  await enqueueChanges(sql, ws, [...heads.values()], plan.maxMessageBytes);
  for (const p of pairs) {
    const rule = plan.rules.get(p.ruleId);
    if (!rule) continue;
    ruleEvaluations().add(1, { status: p.status });
    const violationCount = openCounts.get(key(p.ruleId, p.integrationId)) ?? 0;
    events.push({
      subject: RuleEvaluated.subject,
      payload: {
        ...ref(p.integrationId),
        ...rule.ref,
        status: p.status,
        violationCount,
        durationMs: Math.round(p.durationMs * 10) / 10,
        error: p.error,
      },
    });
    const before = previous.get(key(p.ruleId, p.integrationId)) ?? null;
    if (before !== p.status) {
      events.push({
        subject: RuleStatusChanged.subject,
        payload: { ...ref(p.integrationId), ...rule.ref, from: before, to: p.status, violationCount },
      });
    }
  }
  events.push(...scoreEvents);
  const outcome: RunOutcome = {
    runId: plan.runId,
    generationId: plan.generationId,
    rules: plan.results.length,
    passing: pairs.filter((p) => p.status === "passing").length,
    failing: pairs.filter((p) => p.status === "failing").length,
    errors: pairs.filter((p) => p.status === "error").length,
    skipped,
    transitions,
  };
  events.push({
    subject: RunCompleted.subject,
    payload: {
      workspaceId: ws,
      runId: plan.runId,
      generationId: plan.generationId,
      trigger: plan.trigger,
      integrationIds: [...new Set(pairs.map((p) => p.integrationId))].sort(),
      rules: outcome.rules,
      passing: outcome.passing,
      failing: outcome.failing,
      errors: outcome.errors,
      skipped,
      transitions,
      startedAt: plan.startedAt,
      completedAt: at,
    },
  });
  await enqueue(sql, events);

  await sql.run("INSERT INTO runs VALUES ($run, $ws, $trigger, $gen, CAST($at AS TIMESTAMPTZ))", {
    run: plan.runId,
    ws,
    trigger: plan.trigger,
    gen: plan.generationId,
    at,
  });
  if (plan.full) {
    await sql.run(
      `UPDATE workspaces SET last_full_generation = greatest(coalesce(last_full_generation, 0), $gen)
       WHERE workspace_id = $ws`,
      { ws, gen: plan.generationId },
    );
  }
  if (plan.pendingRunId) {
    await sql.run("DELETE FROM pending_runs WHERE run_id = $id", { id: plan.pendingRunId });
  }
  return outcome;
}

/** Room left in a message for its head (workspace, run, rule, title, packs …). */
const HEAD_BYTES = 8_192;

/**
 * ViolationsChanged for every transition staged in `chg`, written to the outbox by DuckDB: each
 * change as JSON, split per rule and integration into parts under the size limit (a running sum of
 * sizes, with room for the largest change), each part one message behind the head given for its
 * pair. A run may change hundreds of thousands of violations; none of it passes through JavaScript.
 */
async function enqueueChanges(
  sql: Sql,
  ws: string,
  heads: ReadonlyArray<{ rule_id: string; integration_id: string; head: string }>,
  maxMessageBytes: number,
): Promise<void> {
  if (heads.length === 0) return;
  const budget = maxMessageBytes - HEAD_BYTES;
  await sql.run(
    `CREATE OR REPLACE TEMP TABLE chg_parts AS
     WITH c AS (
       SELECT rule_id, integration_id, resource_id, CAST(${CHANGE_JSON} AS VARCHAR) AS change FROM (
         SELECT c.rule_id, c.integration_id, c.resource_id, c.resource_table, c.display_name,
           v.details, c.transition, v.state,
           ${iso("v.first_seen_at")} AS first_seen, ${iso("v.last_seen_at")} AS last_seen,
           ${iso("v.resolved_at")} AS resolved, v.suppression_id, s.actor, s.reason, ${iso("s.expires_at")} AS expires
         FROM chg c
         JOIN violations v ON v.workspace_id = $ws AND v.rule_id = c.rule_id AND v.integration_id = c.integration_id
           AND v.resource_id = c.resource_id
         LEFT JOIN suppressions s ON s.suppression_id = v.suppression_id)
     ), sized AS (
       SELECT *,
         sum(strlen(change) + 1) OVER (PARTITION BY rule_id, integration_id ORDER BY resource_id
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
         max(strlen(change) + 1) OVER () AS biggest
       FROM c
     )
     SELECT rule_id, integration_id,
       CAST((upto - 1) // greatest($budget - biggest, $budget // 2) AS BIGINT) AS part,
       string_agg(change, ',' ORDER BY resource_id) AS changes
     FROM sized GROUP BY ALL`,
    { ws, budget },
  );
  await sql.run(
    `CREATE OR REPLACE TEMP TABLE chg_heads AS SELECT h.* FROM (SELECT unnest(from_json(CAST($heads AS JSON),
       '[{"rule_id":"VARCHAR","integration_id":"VARCHAR","head":"VARCHAR"}]')) AS h)`,
    { heads: JSON.stringify(heads) },
  );
  await enqueueSelect(
    sql,
    ViolationsChanged.subject,
    `SELECT p.rule_id, p.integration_id, p.part,
       left(h.head, -1) || ',"part":' || p.part || ',"parts":'
         || (max(p.part) OVER (PARTITION BY p.rule_id, p.integration_id) + 1)
         || ',"changes":[' || p.changes || ']}' AS payload
     FROM chg_parts p JOIN chg_heads h USING (rule_id, integration_id)`,
    "rule_id, integration_id, part",
  );
}

/** A rule's changes for one integration: JSON texts, and how many of each transition. */
export interface PairChanges {
  changes: string[];
  transitions: Map<string, number>;
}

/**
 * Changes outside runs (suppression actions, deleted rules; a bounded number): rows with rule_id,
 * integration_id, transition and change (JSON text) → changes by (rule, integration).
 */
export function groupChanges(rows: readonly Record<string, unknown>[]): Map<string, PairChanges> {
  const out = new Map<string, PairChanges>();
  for (const r of rows) {
    const k = key(String(r.rule_id), String(r.integration_id));
    let pair = out.get(k);
    if (!pair) {
      pair = { changes: [], transitions: new Map() };
      out.set(k, pair);
    }
    pair.changes.push(String(r.change));
    const t = String(r.transition);
    pair.transitions.set(t, (pair.transitions.get(t) ?? 0) + 1);
  }
  return out;
}

/** ViolationsChanged messages (in parts under the size limit) for one rule and integration. */
export function violationEvents(
  head: Record<string, unknown>,
  changes: readonly string[],
  maxMessageBytes: number,
): OutboxEvent[] {
  if (changes.length === 0) return [];
  const overhead = Buffer.byteLength(JSON.stringify({ ...head, part: 0, parts: 1, changes: [] })) + 512;
  const parts = chunkJson(changes, maxMessageBytes, overhead);
  const open = JSON.stringify(head).slice(0, -1);
  return parts.map((part, i) => ({
    subject: ViolationsChanged.subject,
    json: `${open},"part":${i},"parts":${parts.length},"changes":[${part.join(",")}]}`,
  }));
}

async function recordScores(sql: Sql, plan: RunPlan): Promise<OutboxEvent[]> {
  const ws = plan.workspaceId;
  const statuses = (
    await sql.all("SELECT rule_id, integration_id, status FROM rule_status WHERE workspace_id = $ws", { ws })
  )
    .map((r) => ({
      ruleId: String(r.rule_id),
      integrationId: String(r.integration_id),
      status: String(r.status) as RuleStatus,
    }))
    // Inventories (severity info) list things; they are not compliance.
    .filter((s) => {
      const rule = plan.enabledRules.get(s.ruleId);
      return rule !== undefined && rule.ref.severity !== "info";
    });
  const rulePacks = new Map([...plan.enabledRules].map(([id, r]) => [id, r.ref.packs]));
  const wanted = plan.scoreOnlyRules
    ? new Set(plan.scoreOnlyRules.flatMap((id) => plan.enabledRules.get(id)?.ref.packs ?? []))
    : null;
  const evaluatedIntegrations = new Set(
    plan.results.flatMap((r) => r.judgements.filter((j) => j.kind !== "skipped").map((j) => j.integrationId)),
  );
  const scores = computeScores(plan.packs, rulePacks, statuses).filter(
    (s) => (!wanted || wanted.has(s.packId)) && evaluatedIntegrations.has(s.integrationId),
  );
  if (scores.length === 0) return [];
  const prev = new Map(
    (
      await sql.all("SELECT integration_id, pack_id, score FROM pack_scores WHERE workspace_id = $ws", { ws })
    ).map((r) => [`${r.pack_id}\u0000${r.integration_id}`, Number(r.score)]),
  );
  const rows = scores.map((s) => ({
    integration_id: s.integrationId,
    pack_id: s.packId,
    pack_title: s.packTitle,
    score: s.score,
    passing: s.passing,
    failing: s.failing,
    errors: s.errors,
    evaluated: s.evaluated,
  }));
  const params = { ws, at: plan.at, run: plan.runId, gen: plan.generationId, rows: JSON.stringify(rows) };
  await sql.run(
    `CREATE OR REPLACE TEMP TABLE new_scores AS SELECT n.* FROM (SELECT unnest(from_json(CAST($rows AS JSON),
       '[{"integration_id":"VARCHAR","pack_id":"VARCHAR","pack_title":"VARCHAR","score":"DOUBLE","passing":"BIGINT","failing":"BIGINT","errors":"BIGINT","evaluated":"BIGINT"}]')) AS n)`,
    params,
  );
  await sql.run(
    `DELETE FROM pack_scores p USING new_scores n
     WHERE p.workspace_id = $ws AND p.integration_id = n.integration_id AND p.pack_id = n.pack_id`,
    params,
  );
  await sql.run(
    `INSERT INTO pack_scores SELECT $ws, integration_id, pack_id, pack_title, score, passing, failing, errors, evaluated,
       CAST($at AS TIMESTAMPTZ), $run, $gen FROM new_scores`,
    params,
  );
  return scores.map((s) => ({
    subject: ScoreRecorded.subject,
    payload: {
      workspaceId: ws,
      integrationId: s.integrationId,
      runId: plan.runId,
      generationId: plan.generationId,
      at: plan.at,
      packId: s.packId,
      packTitle: s.packTitle,
      score: s.score,
      previousScore: prev.get(`${s.packId}\u0000${s.integrationId}`) ?? null,
      passing: s.passing,
      failing: s.failing,
      errors: s.errors,
      evaluated: s.evaluated,
    },
  }));
}

let evaluationsCounter: Counter | undefined;
/** `tenantlens_rules_evaluations_total{status}`: rule evaluations written, by result. */
function ruleEvaluations(): Counter {
  evaluationsCounter ??= meter("rules").createCounter("tenantlens_rules_evaluations", {
    description: "Rule evaluations (one rule on one integration's generation), by result",
  });
  return evaluationsCounter;
}
