import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Generation } from "@tenantlens/contracts";
import { SandboxHarness, specOf } from "@tenantlens/query/testing";
import type { QueryOutcome } from "../domain/judge.js";
import type { QueryExecutor, ResultReader } from "../evaluator.js";

/**
 * A QueryExecutor over the query service's own sandbox code, in-process: the hardened DuckDB over a
 * Parquet generation, the read-only statement guard and the result encoders the service uses (JSON
 * rows, Parquet files), minus NATS and the worker process. Rule tests judge real results this way.
 */
export class SandboxExecutor implements QueryExecutor {
  private readonly generations = new Map<string, Generation>();

  private constructor(
    readonly harness: SandboxHarness,
    private readonly resultsDir: string,
  ) {}

  static async open(tempRoot: string): Promise<SandboxExecutor> {
    const resultsDir = path.join(tempRoot, "results");
    await mkdir(resultsDir, { recursive: true });
    return new SandboxExecutor(
      await SandboxHarness.open(tempRoot, { threads: 2, memoryLimit: "512MB" }),
      resultsDir,
    );
  }

  add(generation: Generation): void {
    this.generations.set(`${generation.workspaceId}#${generation.generationId}`, generation);
  }

  async run(q: {
    workspaceId: string;
    generationId: number;
    sql: string;
    maxRows: number;
    as: "rows" | "file";
  }): Promise<QueryOutcome> {
    const g = this.generations.get(`${q.workspaceId}#${q.generationId}`);
    if (!g) throw new Error(`no generation ${q.generationId} of ${q.workspaceId} in this test`);
    const started = performance.now();
    const r = await this.harness.run(specOf(g), q.sql, {
      maxRows: q.maxRows,
      format: q.as === "file" ? "parquet" : "json",
    });
    if (!r.ok) return { ok: false, error: r.failure.message, durationMs: performance.now() - started };
    const { columns, rowCount, truncated, body } = r.result;
    const base = { ok: true as const, columns, rowCount, truncated };
    if (q.as === "rows") {
      if (body.kind !== "json") throw new Error("expected JSON rows");
      const rows = JSON.parse(body.text) as Record<string, unknown>[];
      return { ...base, rows, durationMs: performance.now() - started };
    }
    if (body.kind !== "bytes") throw new Error("expected Parquet bytes");
    let file: string | null = null;
    if (rowCount > 0) {
      file = path.join(this.resultsDir, `${randomBytes(8).toString("hex")}.parquet`);
      await writeFile(file, body.bytes);
    }
    return { ...base, file, durationMs: performance.now() - started };
  }

  close(): Promise<void> {
    return this.harness.close();
  }
}

/** A ResultReader on its own in-memory DuckDB (the service reads results with its state database). */
export async function memoryReader(): Promise<ResultReader & { close(): void }> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  return {
    all: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson(),
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
