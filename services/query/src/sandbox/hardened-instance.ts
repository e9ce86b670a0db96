import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { quoteIdent, quoteLiteral } from "./type-names.js";

/** The tables one instance exposes: a workspace's generation (generationId 0 = nothing collected yet). */
export interface GenerationSpec {
  workspaceId: string;
  generationId: number;
  tables: ReadonlyArray<{ name: string; file: string }>;
  /** The store's `as_of.sql` beside the manifest: `<table>_as_of(ts)` table macros for point-in-time reads. */
  macrosFile?: string | null;
}

export interface SandboxLimits {
  /** DuckDB threads per instance. */
  threads: number;
  /** DuckDB memory_limit, e.g. "1GB". */
  memoryLimit: string;
  /** DuckDB max_temp_directory_size, e.g. "2GB". */
  maxTempDirectorySize: string;
  /** Root under which each instance gets its own spill directory. */
  tempRoot: string;
}

export interface HardenedInstance {
  spec: GenerationSpec;
  instance: DuckDBInstance;
  /**
   * Installs the generation's point-in-time macros, once (later calls wait for the first). Only a
   * statement that names one needs them: ~90 large macros cost as much to create as every view
   * together, so an instance opens without them (the first query after each collection waits for
   * the open).
   */
  macros(): Promise<void>;
  close(): Promise<void>;
}

/** Whether a statement may call a point-in-time macro (`<table>_as_of(…)`, however quoted). */
export function mayUseMacros(sql: string): boolean {
  return sql.toLowerCase().includes("_as_of");
}

/**
 * An in-memory DuckDB that sees one generation of one workspace and nothing else: one view per
 * table over its Parquet file (point-in-time macros on demand), file access limited to exactly those
 * files, no extension installs or loads, resource limits, and the configuration locked so SQL cannot
 * undo any of it.
 * The order matters: allowed_paths must be set before external access goes off, and the lock comes last.
 */
export async function openHardenedInstance(
  spec: GenerationSpec,
  limits: SandboxLimits,
): Promise<HardenedInstance> {
  // Each instance spills into its own directory: DuckDB lets SQL list its temp directory, so a shared
  // one would show one workspace's spill files to another.
  const tempDir = path.join(
    limits.tempRoot,
    `${spec.workspaceId}-g${spec.generationId}-${Math.random().toString(36).slice(2, 10)}`,
  );
  await mkdir(tempDir, { recursive: true, mode: 0o700 });
  const instance = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    allow_community_extensions: "false",
    threads: String(limits.threads),
    memory_limit: limits.memoryLimit,
    max_temp_directory_size: limits.maxTempDirectorySize,
    temp_directory: tempDir,
  });
  try {
    const conn = await instance.connect();
    try {
      // One script: a run per view cost a third more (each view still reads its file's footer).
      if (spec.tables.length > 0)
        await conn.run(
          spec.tables
            .map(
              (t) =>
                `CREATE VIEW ${quoteIdent(t.name)} AS SELECT * FROM read_parquet(${quoteLiteral(t.file)});`,
            )
            .join("\n"),
        );
      const files = spec.tables.map((t) => quoteLiteral(t.file));
      if (files.length > 0) await conn.run(`SET allowed_paths = [${files.join(", ")}]`);
      await conn.run("SET enable_external_access = false");
      await conn.run("SET lock_configuration = true");
    } finally {
      conn.closeSync();
    }
  } catch (err) {
    instance.closeSync();
    await rm(tempDir, { recursive: true, force: true });
    throw err;
  }
  let macros: Promise<void> | undefined;
  return {
    spec,
    instance,
    macros() {
      macros ??= (async () => {
        const conn = await instance.connect();
        try {
          await installMacros(conn, spec.macrosFile);
        } finally {
          conn.closeSync();
        }
      })();
      return macros;
    },
    async close() {
      instance.closeSync();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}

/**
 * Installs the store's point-in-time macros (trusted: written by the store next to the manifest). A
 * missing or failing script leaves the generation queryable without them rather than unavailable.
 */
async function installMacros(conn: DuckDBConnection, file: string | null | undefined): Promise<void> {
  if (!file) return;
  let script: string;
  try {
    script = await readFile(file, "utf8");
  } catch {
    return;
  }
  if (script.trim() === "") return;
  try {
    await conn.run(script);
  } catch {
    // Same outcome as a missing script: the macros are absent, the tables are there.
  }
}
