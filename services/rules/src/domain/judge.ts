import type { RuleEvaluation } from "@tenantlens/contracts";
import { type Coverage, notEvaluable, tablesReadBy } from "./coverage.js";
import { type Candidate, parseRows } from "./rows.js";

/** How one rule query went: its rows, or the database's message when it failed. */
export type QueryOutcome =
  | {
      ok: true;
      rows: Record<string, unknown>[];
      columns: string[];
      /** More rows existed than the row cap allowed. */
      truncated: boolean;
      durationMs: number;
    }
  | { ok: false; error: string; durationMs: number };

export interface JudgedRule {
  id: string;
  queries: ReadonlyArray<{ sql: string }>;
  evaluation: RuleEvaluation;
  /** Tables whose "not collected" reads as empty for this rule (managed rules only). */
  emptyWhenNotCollected?: readonly string[];
}

/**
 * One rule for one integration in one run:
 * - skipped: a table it reads was not (completely) collected; nothing is recorded or changed;
 * - error: a query failed; the error is recorded and its violations stay exactly as they were;
 * - verdict: the candidate violations (before suppressions); `complete` is false when the result
 *   was cut at the row cap, so nothing unseen may be resolved.
 */
export type Judgement =
  | { integrationId: string; kind: "skipped"; reason: string }
  | { integrationId: string; kind: "error"; error: string }
  | { integrationId: string; kind: "verdict"; candidates: Candidate[]; complete: boolean };

/** The integrations a rule can judge, and a "skipped" judgement for each of the others. */
export function evaluableFor(
  rule: JudgedRule,
  coverage: Coverage,
): { evaluable: string[]; skipped: Judgement[] } {
  const tables = tablesReadBy(rule.queries.map((q) => q.sql));
  const skipped: Judgement[] = [];
  const evaluable: string[] = [];
  for (const integrationId of coverage.integrations) {
    const reason = notEvaluable(coverage, integrationId, tables, rule.emptyWhenNotCollected);
    if (reason) skipped.push({ integrationId, kind: "skipped", reason });
    else evaluable.push(integrationId);
  }
  return { evaluable, skipped };
}

/** Turns a rule's query outcomes into one judgement per integration of the workspace. */
export function judge(rule: JudgedRule, outcomes: readonly QueryOutcome[], coverage: Coverage): Judgement[] {
  const { evaluable, skipped } = evaluableFor(rule, coverage);
  const out: Judgement[] = [...skipped];
  if (evaluable.length === 0) return out;
  const fail = (error: string) => [
    ...out,
    ...evaluable.map((integrationId) => ({ integrationId, kind: "error" as const, error })),
  ];

  const candidates: Candidate[] = [];
  let complete = true;
  for (const [i, o] of outcomes.entries()) {
    const which = outcomes.length > 1 ? `Query ${i + 1}: ` : "";
    if (!o.ok) return fail(`${which}${o.error}`);
    const parsed = parseRows(o.rows, o.columns);
    if (!parsed.ok) return fail(`${which}${parsed.error}`);
    candidates.push(...parsed.candidates);
    if (o.truncated) complete = false;
  }
  // Rows without integration_id belong to the workspace's only integration, if it has only one.
  const unattributed = candidates.some((c) => c.integrationId === null);
  if (unattributed && coverage.integrations.length > 1) {
    return fail(
      "The query returns rows without integration_id while the workspace has several integrations; select integration_id from the table the resource comes from.",
    );
  }
  const byIntegration = new Map<string, Candidate[]>(evaluable.map((id) => [id, []]));
  const seen = new Set<string>();
  for (const c of candidates) {
    const integrationId = c.integrationId ?? coverage.integrations[0];
    if (!integrationId) continue;
    const list = byIntegration.get(integrationId);
    if (!list) continue; // an integration this rule does not judge (skipped, deleted)
    const key = `${integrationId}\u0000${c.resourceId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({ ...c, integrationId });
  }
  for (const [integrationId, list] of byIntegration) {
    out.push({ integrationId, kind: "verdict", candidates: list, complete });
  }
  return out;
}

/** The verdict over the violations that are not suppressed. */
export function verdict(evaluation: RuleEvaluation, unsuppressed: number): "passing" | "failing" {
  if (evaluation.kind === "any_row") return unsuppressed > 0 ? "failing" : "passing";
  const { op, value } = evaluation;
  const failing =
    op === "gt"
      ? unsuppressed > value
      : op === "gte"
        ? unsuppressed >= value
        : op === "lt"
          ? unsuppressed < value
          : op === "lte"
            ? unsuppressed <= value
            : op === "eq"
              ? unsuppressed === value
              : unsuppressed !== value;
  return failing ? "failing" : "passing";
}

/**
 * Whether the rows become violations: always for any_row (suppressed ones stay tracked), only when
 * failing for a threshold ("more than 8 Global Admins": 5 admins are not 5 violations).
 */
export function recordsViolations(evaluation: RuleEvaluation, status: "passing" | "failing"): boolean {
  return evaluation.kind === "any_row" || status === "failing";
}
