import { readdir, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { listValue } from "@duckdb/node-api";
import type { Generation } from "@tenantlens/contracts";
import { planGc, type StoredGeneration } from "../domain/generation-plan.js";
import type { Db } from "./db.js";
import { AS_OF_FILE, MANIFEST, workspaceGenerationsDir } from "./generation-writer.js";

/** The oldest generation a live reader of the workspace still reads (null: no live lease). */
export interface LeaseReader {
  oldestLeased(workspaceId: string): Promise<number | null>;
}

export interface GcOptions {
  dataDir: string;
  keep: number;
  graceMs: number;
  leases: LeaseReader;
  now?: Date;
}

export interface GcResult {
  dropped: number[];
  deletedFiles: number;
}

async function listDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/**
 * Forgets unneeded generations of one workspace (database rows first, files after, so a crash in
 * between leaves only orphan files, which the next run removes), then clears directories that no
 * committed generation owns (left by a crash while writing one).
 */
export async function collectGenerations(db: Db, workspaceId: string, opts: GcOptions): Promise<GcResult> {
  const leasedFrom = await opts.leases.oldestLeased(workspaceId);
  const wsDir = workspaceGenerationsDir(opts.dataDir, workspaceId);
  return db.exclusive(async (sql) => {
    const rows = await sql.all(
      `SELECT generation_id, CAST(manifest AS VARCHAR) AS manifest FROM "_tl_generations" WHERE workspace_id = $ws`,
      { ws: workspaceId },
    );
    const gens: StoredGeneration[] = rows.map((r) => {
      const m = JSON.parse(String(r.manifest)) as Generation;
      return {
        generationId: m.generationId,
        committedAt: new Date(m.committedAt),
        files: m.tables.map((t) => t.file),
      };
    });
    const plan = planGc(gens, {
      keep: opts.keep,
      leasedFrom,
      graceMs: opts.graceMs,
      now: opts.now ?? new Date(),
    });
    if (plan.drop.length > 0) {
      await sql.run(
        `DELETE FROM "_tl_generations" WHERE workspace_id = $ws AND list_contains($ids::BIGINT[], generation_id)`,
        { ws: workspaceId, ids: listValue(plan.drop.map((id) => BigInt(id))) },
      );
    }
    const kept = new Set(gens.map((g) => g.generationId).filter((id) => !plan.drop.includes(id)));
    const referenced = new Set(gens.filter((g) => kept.has(g.generationId)).flatMap((g) => g.files));

    let deletedFiles = 0;
    for (const f of plan.deleteFiles) {
      await rm(f, { force: true });
      deletedFiles++;
    }
    // Directories of dropped generations and of crashed attempts: keep only files still referenced.
    for (const name of await listDirs(wsDir)) {
      if (!/^\d+$/.test(name) || kept.has(Number(name))) continue;
      const dir = path.join(wsDir, name);
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        const file = path.join(dir, f);
        if (referenced.has(file)) continue;
        if (f !== MANIFEST && f !== AS_OF_FILE && !f.endsWith(".tmp") && !f.endsWith(".parquet")) continue;
        await rm(file, { force: true });
        deletedFiles++;
      }
      await rmdir(dir).catch(() => undefined); // not empty while a kept generation reuses a file here
    }
    return { dropped: plan.drop, deletedFiles };
  });
}

/** Workspaces that have generations (in the database or on disk). */
export async function workspacesWithGenerations(db: Db, dataDir: string): Promise<string[]> {
  const rows = await db.read().all(`SELECT DISTINCT workspace_id FROM "_tl_generations"`);
  const onDisk = await listDirs(path.join(dataDir, "generations"));
  return [...new Set([...rows.map((r) => String(r.workspace_id)), ...onDisk])];
}
