import type { ErrorCode, ResultFormat } from "@tenantlens/contracts";
import type { DescribedTable } from "../sandbox/describe.js";
import type { GenerationSpec } from "../sandbox/hardened-instance.js";
import type { RunColumn, RunResult } from "../sandbox/run-query.js";

/** Settings a worker process gets on its command line (never secrets: workers get no environment). */
export interface WorkerConfig {
  threads: number;
  memoryLimit: string;
  maxTempDirectorySize: string;
  /** This worker's own scratch directory (spill files, Parquet exports). */
  tempRoot: string;
  /** Hardened instances kept open per worker. */
  maxInstances: number;
}

export type ParamValue = string | number | boolean | null;

export type Job =
  | {
      type: "execute";
      generation: GenerationSpec;
      sql: string;
      maxRows: number;
      format: ResultFormat;
      maxResultBytes: number;
      /** Only the service's own SQL binds parameters. */
      params?: ParamValue[];
      /**
       * Send JSON, CSV and NDJSON text in `part` messages of about this many characters as rows come
       * (the answer is streamed); the final result's body then holds only the rest.
       */
      partChars?: number;
    }
  | { type: "describe"; generation: GenerationSpec }
  /** Parser-level read-only check without running anything (saved queries). */
  | { type: "check"; sql: string };

export type JobOutput =
  | { type: "execute"; result: RunResult }
  | { type: "describe"; tables: DescribedTable[] }
  | { type: "check" };

/**
 * How a failed job failed: `rejected` = the sandbox refused the statement, `timeout` = interrupted,
 * `error` = DuckDB reported an error while running it.
 */
export type FailureKind = "rejected" | "error" | "timeout";

export interface JobFailure {
  code: ErrorCode;
  message: string;
  kind: FailureKind;
}

export type ParentMessage =
  | { type: "job"; id: number; job: Job }
  | { type: "interrupt"; id: number }
  | { type: "retire"; workspaceId: string; generationId: number };

export type WorkerMessage =
  | { type: "ready" }
  /** A piece of a streamed answer's text (UTF-8), in order, before its `done`. */
  | { type: "part"; id: number; bytes: Uint8Array; columns: RunColumn[] }
  | { type: "done"; id: number; ok: true; output: JobOutput }
  | { type: "done"; id: number; ok: false; failure: JobFailure };
