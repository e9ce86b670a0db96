import { rm } from "node:fs/promises";
import { COVERAGE_SQL, type Coverage, coverageFrom, EMPTY_COVERAGE } from "./domain/coverage.js";
import {
  evaluableFor,
  type JudgedRule,
  type Judgement,
  judge,
  type QueryOutcome,
  type ResultSummary,
} from "./domain/judge.js";
import {
  candidatesSql,
  columnsProblem,
  inspectSql,
  MAX_RESOURCE_ID,
  normalizedSql,
  type ResultSource,
} from "./domain/result-sql.js";

/**
 * Runs one read-only query against one generation of a workspace (through the query service's
 * sandbox). `as: "rows"` returns the rows (small system queries); `as: "file"` writes the result as
 * a local Parquet file (rule queries: a large result is never turned into JavaScript objects). A
 * failure of the query itself (DuckDB error, not read-only, timeout) is a value; a failure to get an
 * answer at all (service down, generation gone) throws, so the whole run is retried.
 */
export interface QueryExecutor {
  run(q: {
    workspaceId: string;
    generationId: number;
    sql: string;
    maxRows: number;
    as: "rows" | "file";
  }): Promise<QueryOutcome>;
}

/** Runs SQL over local result files (the rules service's own DuckDB). */
export interface ResultReader {
  all(sql: string): Promise<Record<string, unknown>[]>;
}

export interface RuleResult {
  rule: JudgedRule;
  judgements: Judgement[];
  /** What its queries amounted to (also when no integration could be judged). */
  summary: ResultSummary;
  /** SQL listing its distinct candidate violations (null: none); valid until the files are discarded. */
  candidates: string | null;
  /** Time the rule's queries took. */
  durationMs: number;
}

export interface Evaluation {
  coverage: Coverage;
  /** Why the coverage query failed (then nothing is evaluated); null when it worked. */
  coverageError: string | null;
  results: RuleResult[];
  /** Result files to discard once the run is applied. */
  files: string[];
}

/**
 * Evaluates rules over one generation: which integrations have what collected, then each rule's
 * queries (a few at a time), then one judgement per rule and integration. `always`: run the queries
 * even when no integration can be judged (a dry run checks the SQL regardless).
 */
export async function evaluate(
  executor: QueryExecutor,
  reader: ResultReader,
  input: { workspaceId: string; generationId: number; rules: readonly JudgedRule[] },
  opts: { concurrency: number; maxRows: number; always?: boolean },
): Promise<Evaluation> {
  const { workspaceId, generationId } = input;
  const cov = await executor.run({
    workspaceId,
    generationId,
    sql: COVERAGE_SQL,
    maxRows: 100_000,
    as: "rows",
  });
  const coverage = cov.ok ? coverageFrom(cov.rows ?? []) : EMPTY_COVERAGE;
  const results: RuleResult[] = new Array(input.rules.length);
  const files: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < input.rules.length) {
      const i = next++;
      const rule = input.rules[i] as JudgedRule;
      if (!opts.always && evaluableFor(rule, coverage).evaluable.length === 0) {
        const summary: ResultSummary = { counts: new Map(), complete: true };
        results[i] = {
          rule,
          judgements: judge(rule, coverage, summary),
          summary,
          candidates: null,
          durationMs: 0,
        };
        continue;
      }
      const outcomes: QueryOutcome[] = [];
      for (const q of rule.queries) {
        const o = await executor.run({
          workspaceId,
          generationId,
          sql: q.sql,
          maxRows: opts.maxRows,
          as: "file",
        });
        outcomes.push(o);
        if (o.ok && o.file) files.push(o.file);
        if (!o.ok) break;
      }
      const { summary, candidates } = await summarize(reader, outcomes, coverage);
      results[i] = {
        rule,
        judgements: judge(rule, coverage, summary),
        summary,
        candidates,
        durationMs: outcomes.reduce((n, o) => n + o.durationMs, 0),
      };
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(opts.concurrency, input.rules.length)) }, worker),
    );
  } catch (err) {
    await discard(files);
    throw err;
  }
  return { coverage, coverageError: cov.ok ? null : cov.error, results, files };
}

/** Deletes result files (best effort: the results directory is emptied at start anyway). */
export async function discard(files: readonly string[]): Promise<void> {
  await Promise.all(files.map((f) => rm(f, { force: true }).catch(() => undefined)));
}

const UNATTRIBUTED =
  "The query returns rows without integration_id while the workspace has several integrations; select integration_id from the table the resource comes from.";

/** Checks a rule's results (columns, every row's ids) and counts its resources per integration. */
export async function summarize(
  reader: ResultReader,
  outcomes: readonly QueryOutcome[],
  coverage: Coverage,
): Promise<{ summary: ResultSummary; candidates: string | null }> {
  const fail = (error: string) => ({ summary: { error }, candidates: null });
  const sources: ResultSource[] = [];
  let complete = true;
  for (const [i, o] of outcomes.entries()) {
    const which = outcomes.length > 1 ? `Query ${i + 1}: ` : "";
    if (!o.ok) return fail(`${which}${o.error}`);
    const problem = columnsProblem(o.columns, which);
    if (problem) return fail(problem);
    if (o.truncated) complete = false;
    sources.push({ file: o.file ?? null, columns: o.columns });
  }
  // Rows without integration_id belong to the workspace's only integration, if it has only one.
  const only = coverage.integrations.length === 1 ? (coverage.integrations[0] ?? null) : null;
  const normalized = normalizedSql(sources, only);
  if (!normalized) return { summary: { counts: new Map(), complete }, candidates: null };
  let rows: Record<string, unknown>[];
  try {
    rows = await reader.all(inspectSql(normalized));
  } catch (err) {
    return fail(`The result could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const counts = new Map<string, number>();
  for (const r of rows) {
    if (Number(r.missing_id) > 0) return fail("A row of the result has no resource_id.");
    if (Number(r.long_id) > 0) return fail(`A resource_id is longer than ${MAX_RESOURCE_ID} characters.`);
    if (r.integration_id === null || r.integration_id === undefined) return fail(UNATTRIBUTED);
    counts.set(String(r.integration_id), Number(r.resources));
  }
  return { summary: { counts, complete }, candidates: candidatesSql(normalized) };
}
