import { mkdir, open, readdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { listValue } from "@duckdb/node-api";
import type { Generation } from "@tenantlens/contracts";
import { asOfScript } from "../domain/as-of.js";
import { planGenerationTables, type TableNow, type TableState } from "../domain/generation-plan.js";
import type { WarehouseSchema } from "../domain/schema.js";
import { exportSignature, quoteIdent, quoteLiteral, WORKSPACE_COLUMN } from "../domain/table-model.js";
import { bumpVersions } from "./bookkeeping.js";
import type { Sql } from "./db.js";
import { pollsCommitted } from "./poll-writer.js";

export const MANIFEST = "manifest.json";
export const AS_OF_FILE = "as_of.sql";

/**
 * Row groups of an exported file are cut at this in-memory size (besides DuckDB's 122,880 rows):
 * what each writer thread holds before it flushes, so wide tables (sign-ins, audit entries with
 * their `_raw`) do not need hundreds of MB per thread.
 */
export const EXPORT_ROW_GROUP_BYTES = "32MB";
const EXPORT_PARQUET_OPTIONS = `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE_BYTES '${EXPORT_ROW_GROUP_BYTES}'`;

export function workspaceGenerationsDir(dataDir: string, workspaceId: string): string {
  return path.join(dataDir, "generations", workspaceId);
}

/** The latest generation and its per-table state (null before the first one). */
export async function latestGeneration(
  sql: Sql,
  workspaceId: string,
): Promise<{ generation: Generation; state: Record<string, TableState> } | null> {
  const rows = await sql.all(
    `SELECT CAST(manifest AS VARCHAR) AS manifest, CAST(state AS VARCHAR) AS state FROM "_tl_generations"
     WHERE workspace_id = $ws ORDER BY generation_id DESC LIMIT 1`,
    { ws: workspaceId },
  );
  const r = rows[0];
  if (!r) return null;
  return {
    generation: JSON.parse(String(r.manifest)) as Generation,
    state: JSON.parse(String(r.state)) as Record<string, TableState>,
  };
}

/** Highest generation number on disk, so an id used by a crashed attempt is never reused. */
async function highestDirId(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.reduce((max, n) => (/^\d+$/.test(n) ? Math.max(max, Number(n)) : max), 0);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

/**
 * Writes the next generation of a workspace if one was requested, inside the caller's transaction:
 * Parquet files for the changed tables, reused paths for the others, `as_of.sql`, then the
 * manifest (temp file + rename), then the generation row; the requests it served are deleted in
 * the same transaction. The caller publishes GenerationCommitted after the commit.
 */
export async function writeGeneration(
  sql: Sql,
  opts: { dataDir: string; schema: WarehouseSchema; workspaceId: string },
): Promise<Generation | null> {
  const { schema, workspaceId } = opts;
  const requests = await sql.all(
    `SELECT request_id, kind, poll_id FROM "_tl_generation_requests" WHERE workspace_id = $ws`,
    { ws: workspaceId },
  );
  if (requests.length === 0) return null;

  const prev = await latestGeneration(sql, workspaceId);
  const wsDir = workspaceGenerationsDir(opts.dataDir, workspaceId);
  const generationId = Math.max(prev?.generation.generationId ?? 0, await highestDirId(wsDir)) + 1;
  const dir = path.join(wsDir, String(generationId));
  const pollIds = [
    ...new Set(requests.map((r) => r.poll_id).filter((p): p is string => typeof p === "string")),
  ];

  // Stamp the polls first so this generation's own `polls` file already says they are committed.
  if (pollIds.length > 0) {
    await pollsCommitted(sql, pollIds, generationId);
    await bumpVersions(sql, workspaceId, ["polls"]);
  }

  const versions = new Map(
    (
      await sql.all(`SELECT table_name, version FROM "_tl_table_versions" WHERE workspace_id = $ws`, {
        ws: workspaceId,
      })
    ).map((r) => [String(r.table_name), Number(r.version)]),
  );
  const now: TableNow[] = schema.exported.map((t) => ({
    name: t.name,
    kind: t.kind,
    version: versions.get(t.name) ?? 0,
    signature: exportSignature(t),
  }));
  const includeCollected = requests.some((r) => r.kind === "poll");
  const actions = planGenerationTables(now, prev?.state ?? null, includeCollected);

  await mkdir(dir, { recursive: true });
  const state: Record<string, TableState> = {};
  const tables: Generation["tables"] = [];
  // A COPY that keeps insertion order buffers every batch that finishes ahead of its turn, beyond
  // DuckDB's memory limit: measured, a 400k-row table of ~1.2 KB `_raw` failed with "Out of Memory"
  // at a 512MB limit. Unordered, each thread flushes a row group once it holds EXPORT_ROW_GROUP_BYTES.
  // The setting is global (the reader connection sees it too while the export runs); the store's
  // reads that need an order say ORDER BY.
  await sql.run("SET preserve_insertion_order = false");
  try {
    for (const a of actions) {
      if (a.action === "reuse") {
        state[a.name] = a.state;
        tables.push({ name: a.name, file: a.state.file, rows: a.state.rows, changed: false });
        continue;
      }
      const table = schema.exported.find((t) => t.name === a.name);
      const current = now.find((t) => t.name === a.name);
      if (!table || !current) continue;
      const file = path.join(dir, `${table.name}.parquet`);
      const cols = table.columns.map((c) => quoteIdent(c.name)).join(", ");
      const where =
        a.action === "empty" ? "false" : `${quoteIdent(WORKSPACE_COLUMN)} = ${quoteLiteral(workspaceId)}`;
      const rows = await sql.run(
        `COPY (SELECT ${cols} FROM ${quoteIdent(table.name)} WHERE ${where}) TO ${quoteLiteral(file)} (${EXPORT_PARQUET_OPTIONS})`,
      );
      // An empty placeholder never matches a data version: the next poll's generation writes it.
      const version = a.action === "empty" ? -1 : current.version;
      state[a.name] = { version, signature: current.signature, file, rows };
      tables.push({ name: a.name, file, rows, changed: true });
    }
  } finally {
    await sql.run("RESET preserve_insertion_order").catch(() => undefined);
  }

  const manifestPath = path.join(dir, MANIFEST);
  const generation: Generation = {
    workspaceId,
    generationId,
    manifestPath,
    committedAt: new Date().toISOString(),
    pollIds,
    tables,
  };
  await writeFile(path.join(dir, AS_OF_FILE), asOfScript(schema));
  await writeAtomically(
    manifestPath,
    `${JSON.stringify({ ...generation, asOfSql: path.join(dir, AS_OF_FILE) }, null, 2)}\n`,
  );

  await sql.run(
    `INSERT INTO "_tl_generations" VALUES ($ws, $id, CAST($at AS TIMESTAMPTZ), CAST($manifest AS JSON), CAST($state AS JSON), false)`,
    {
      ws: workspaceId,
      id: generationId,
      at: generation.committedAt,
      manifest: JSON.stringify(generation),
      state: JSON.stringify(state),
    },
  );
  const ids = requests.map((r) => String(r.request_id));
  await sql.run(
    `DELETE FROM "_tl_generation_requests" WHERE workspace_id = $ws AND list_contains($ids::VARCHAR[], request_id)`,
    { ws: workspaceId, ids: listValue(ids) },
  );
  return generation;
}
