import { performance } from "node:perf_hooks";
import type { Generation } from "@tenantlens/contracts";
import { SandboxHarness, specOf } from "@tenantlens/query/testing";
import type { QueryOutcome } from "../domain/judge.js";
import type { QueryExecutor } from "../evaluator.js";

/**
 * A QueryExecutor over the query service's own sandbox code, in-process: the hardened DuckDB over a
 * Parquet generation, the read-only statement guard and the result encoder the service uses, minus
 * NATS and the worker process. Rule tests judge real rows this way.
 */
export class SandboxExecutor implements QueryExecutor {
  private readonly generations = new Map<string, Generation>();

  private constructor(readonly harness: SandboxHarness) {}

  static async open(tempRoot: string): Promise<SandboxExecutor> {
    return new SandboxExecutor(await SandboxHarness.open(tempRoot, { threads: 2, memoryLimit: "512MB" }));
  }

  add(generation: Generation): void {
    this.generations.set(`${generation.workspaceId}#${generation.generationId}`, generation);
  }

  async run(q: {
    workspaceId: string;
    generationId: number;
    sql: string;
    maxRows: number;
  }): Promise<QueryOutcome> {
    const g = this.generations.get(`${q.workspaceId}#${q.generationId}`);
    if (!g) throw new Error(`no generation ${q.generationId} of ${q.workspaceId} in this test`);
    const started = performance.now();
    const r = await this.harness.run(specOf(g), q.sql, { maxRows: q.maxRows });
    const durationMs = performance.now() - started;
    if (!r.ok) return { ok: false, error: r.failure.message, durationMs };
    if (r.result.body.kind !== "json") throw new Error("expected JSON rows");
    return {
      ok: true,
      rows: JSON.parse(r.result.body.text) as Record<string, unknown>[],
      columns: r.result.columns.map((c) => c.name),
      truncated: r.result.truncated,
      durationMs,
    };
  }

  close(): Promise<void> {
    return this.harness.close();
  }
}
