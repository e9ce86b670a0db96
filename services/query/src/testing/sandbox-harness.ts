import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Generation, ResultFormat } from "@tenantlens/contracts";
import {
  type GenerationSpec,
  openHardenedInstance,
  type SandboxLimits,
} from "../sandbox/hardened-instance.js";
import { InstanceCache } from "../sandbox/instance-cache.js";
import { ParquetExporter } from "../sandbox/parquet-export.js";
import type { RunResult } from "../sandbox/run-query.js";
import type { JobFailure } from "../worker/protocol.js";
import { runJob } from "../worker/run-job.js";

/** Runs worker jobs in-process (same code as a worker, minus the IPC) for sandbox tests. */
export class SandboxHarness {
  readonly connections = new Set<DuckDBConnection>();

  private constructor(
    readonly cache: InstanceCache,
    readonly exporter: ParquetExporter,
    readonly limits: SandboxLimits,
  ) {}

  static async open(tempRoot: string, limits: Partial<SandboxLimits> = {}): Promise<SandboxHarness> {
    const full: SandboxLimits = {
      threads: 1,
      memoryLimit: "256MB",
      maxTempDirectorySize: "1GB",
      tempRoot: path.join(tempRoot, "spill"),
      ...limits,
    };
    const cache = new InstanceCache((spec) => openHardenedInstance(spec, full), 8);
    return new SandboxHarness(cache, await ParquetExporter.open(path.join(tempRoot, "export")), full);
  }

  async run(
    generation: GenerationSpec,
    sql: string,
    opts: { maxRows?: number; format?: ResultFormat; maxResultBytes?: number } = {},
  ): Promise<{ ok: true; result: RunResult } | { ok: false; failure: JobFailure }> {
    const r = await runJob(
      {
        type: "execute",
        generation,
        sql,
        maxRows: opts.maxRows ?? 10_000,
        format: opts.format ?? "json",
        maxResultBytes: opts.maxResultBytes ?? 64 * 1024 * 1024,
      },
      {
        cache: this.cache,
        exporter: this.exporter,
        memoryLimit: this.limits.memoryLimit,
        track: (conn) => {
          this.connections.add(conn);
          return () => this.connections.delete(conn);
        },
      },
    );
    if (!r.ok) return r;
    if (r.output.type !== "execute") throw new Error("unexpected output");
    return { ok: true, result: r.output.result };
  }

  /** Rows of a successful JSON query (throws with the failure otherwise). */
  async rows(generation: GenerationSpec, sql: string): Promise<Record<string, unknown>[]> {
    const r = await this.run(generation, sql);
    if (!r.ok) throw new Error(`${r.failure.code}: ${r.failure.message}`);
    if (r.result.body.kind !== "json") throw new Error("not json");
    return JSON.parse(r.result.body.text) as Record<string, unknown>[];
  }

  /** The failure of a query that must fail. */
  async failure(generation: GenerationSpec, sql: string): Promise<JobFailure> {
    const r = await this.run(generation, sql);
    if (r.ok) throw new Error(`expected ${sql} to fail, got ${r.result.rowCount} rows`);
    return r.failure;
  }

  async close(): Promise<void> {
    await this.cache.closeAll();
    this.exporter.close();
  }
}

export function specOf(g: Generation): GenerationSpec {
  return {
    workspaceId: g.workspaceId,
    generationId: g.generationId,
    tables: g.tables.map((t) => ({ name: t.name, file: t.file })),
    macrosFile: path.join(path.dirname(g.manifestPath), "as_of.sql"),
  };
}
