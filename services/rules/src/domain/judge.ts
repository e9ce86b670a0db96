import type { RuleEvaluation } from "@tenantlens/contracts";
import { type Coverage, notEvaluable, tablesReadBy } from "./coverage.js";
import type { ResultColumn } from "./result-sql.js";

/**
 * How one rule query went: its columns and result file (Parquet; null when it returned no row), or
 * rows (small system queries), or the database's message when it failed.
 */
export type QueryOutcome =
  | {
      ok: true;
      columns: ResultColumn[];
      rowCount: number;
      /** More rows existed than the row cap allowed. */
      truncated: boolean;
      durationMs: number;
      rows?: Record<string, unknown>[];
      file?: string | null;
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
 * - verdict: how many distinct resources the rule returned (before suppressions); `complete` is
 *   false when a result was cut at the row cap, so nothing unseen may be resolved.
 */
export type Judgement =
  | { integrationId: string; kind: "skipped"; reason: string }
  | { integrationId: string; kind: "error"; error: string }
  | { integrationId: string; kind: "verdict"; count: number; complete: boolean };

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

/** What the rule's results amount to: an error, or resources per integration. */
export type ResultSummary = { error: string } | { counts: ReadonlyMap<string, number>; complete: boolean };

/** One judgement per integration of the workspace. */
export function judge(rule: JudgedRule, coverage: Coverage, summary: ResultSummary): Judgement[] {
  const { evaluable, skipped } = evaluableFor(rule, coverage);
  const out: Judgement[] = [...skipped];
  for (const integrationId of evaluable) {
    if ("error" in summary) out.push({ integrationId, kind: "error", error: summary.error });
    else {
      out.push({
        integrationId,
        kind: "verdict",
        count: summary.counts.get(integrationId) ?? 0,
        complete: summary.complete,
      });
    }
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
