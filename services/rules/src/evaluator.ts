import { COVERAGE_SQL, type Coverage, coverageFrom, EMPTY_COVERAGE } from "./domain/coverage.js";
import { evaluableFor, type JudgedRule, type Judgement, judge, type QueryOutcome } from "./domain/judge.js";

/**
 * Runs one read-only query against one generation of a workspace (through the query service's
 * sandbox). A failure of the query itself (DuckDB error, not read-only, timeout) is a value; a failure
 * to get an answer at all (service down, generation gone) throws, so the whole run is retried.
 */
export interface QueryExecutor {
  run(q: { workspaceId: string; generationId: number; sql: string; maxRows: number }): Promise<QueryOutcome>;
}

export interface RuleResult {
  rule: JudgedRule;
  judgements: Judgement[];
  /** Time the rule's queries took. */
  durationMs: number;
}

export interface Evaluation {
  coverage: Coverage;
  /** Why the coverage query failed (then nothing is evaluated); null when it worked. */
  coverageError: string | null;
  results: RuleResult[];
}

/**
 * Evaluates rules over one generation: which integrations have what collected, then each rule's
 * queries (a few at a time), then one judgement per rule and integration.
 */
export async function evaluate(
  executor: QueryExecutor,
  input: { workspaceId: string; generationId: number; rules: readonly JudgedRule[] },
  opts: { concurrency: number; maxRows: number },
): Promise<Evaluation> {
  const { workspaceId, generationId } = input;
  const cov = await executor.run({ workspaceId, generationId, sql: COVERAGE_SQL, maxRows: 100_000 });
  const coverage = cov.ok ? coverageFrom(cov.rows) : EMPTY_COVERAGE;
  const results: RuleResult[] = new Array(input.rules.length);
  let next = 0;
  const worker = async () => {
    while (next < input.rules.length) {
      const i = next++;
      const rule = input.rules[i] as JudgedRule;
      if (evaluableFor(rule, coverage).evaluable.length === 0) {
        results[i] = { rule, judgements: judge(rule, [], coverage), durationMs: 0 };
        continue;
      }
      const outcomes: QueryOutcome[] = [];
      for (const q of rule.queries) {
        const o = await executor.run({ workspaceId, generationId, sql: q.sql, maxRows: opts.maxRows });
        outcomes.push(o);
        if (!o.ok) break;
      }
      results[i] = {
        rule,
        judgements: judge(rule, outcomes, coverage),
        durationMs: outcomes.reduce((n, o) => n + o.durationMs, 0),
      };
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency, input.rules.length)) }, worker),
  );
  return { coverage, coverageError: cov.ok ? null : cov.error, results };
}
