import { timestampTZValue } from "@duckdb/node-api";
import {
  absenceRemovalSql,
  createStageSql,
  existingSql,
  pageSql,
  STAGE_TABLE,
} from "../domain/ingest-sql.js";
import type { GraphObject } from "../domain/object-diff.js";
import {
  type ExistingObject,
  idsNeedingRaw,
  normalisePage,
  type ObjectOp,
  type PlannedObject,
  planPage,
  prepareObjects,
} from "../domain/page-plan.js";
import type { ResourceTables } from "../domain/schema.js";
import { volatileProperties } from "../domain/volatile.js";
import type { Sql, SqlParams } from "./db.js";

export interface PageWrite {
  pollId: string;
  workspaceId: string;
  integrationId: string;
  tenantId: string;
  mode: "full" | "delta";
  objects: readonly GraphObject[];
  removed: readonly { id: string }[];
  collectedAt: string;
}

export interface ChangeCounts {
  added: number;
  modified: number;
  removed: number;
}

/** Result of a write: change counts and whether any stored row changed (for generation versions). */
export interface WriteResult extends ChangeCounts {
  rowsTouched: boolean;
}

const EMPTY: WriteResult = { added: 0, modified: 0, removed: 0, rowsTouched: false };

function paramsOf(p: Omit<PageWrite, "objects" | "removed" | "mode">, origin: string): SqlParams {
  return {
    integration: p.integrationId,
    tenant: p.tenantId,
    workspace: p.workspaceId,
    poll: p.pollId,
    at: p.collectedAt,
    origin,
  };
}

interface StoredRow extends ExistingObject {
  /** `_raw` as stored (JSON text) and `_last_seen_at` in microseconds, when read. */
  rawText?: string;
  seenMicros?: bigint;
  firstSeenMicros?: bigint;
}

async function loadStored(
  sql: Sql,
  t: ResourceTables,
  integrationId: string,
  ids: readonly string[],
  withRaw: boolean,
): Promise<Map<string, StoredRow>> {
  const found = new Map<string, StoredRow>();
  if (ids.length === 0) return found;
  for (const r of await sql.all(existingSql(t, ids, withRaw), { integration: integrationId })) {
    const row: StoredRow = { hash: String(r.hash) };
    if (typeof r.raw === "string") {
      row.rawText = r.raw;
      row.raw = JSON.parse(r.raw) as GraphObject;
      row.seenMicros = BigInt(String(r.seen));
      row.firstSeenMicros = BigInt(String(r.first_seen));
    }
    found.set(String(r.id), row);
  }
  return found;
}

async function stage(
  sql: Sql,
  planned: readonly PlannedObject[],
  stored: ReadonlyMap<string, StoredRow>,
): Promise<void> {
  await sql.run(`DELETE FROM ${STAGE_TABLE}`);
  const app = await sql.appender(STAGE_TABLE, "main", "temp");
  try {
    const text = (v: string | null | undefined) => (v == null ? app.appendNull() : app.appendVarchar(v));
    for (const o of planned) {
      app.appendVarchar(o.id);
      app.appendVarchar(o.op);
      text(o.hash);
      text(o.raw);
      text(o.fields && JSON.stringify(o.fields));
      text(o.changeId);
      const prev = o.op === "added" || o.op === "seen" ? undefined : stored.get(o.id);
      const micros = (v: bigint | undefined) =>
        v === undefined ? app.appendNull() : app.appendTimestampTZ(timestampTZValue(v));
      text(o.op === "refresh" ? null : prev?.rawText);
      micros(prev?.seenMicros);
      micros(prev?.firstSeenMicros);
      app.endRow();
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

/**
 * Applies one page: reads the stored hashes of the page's ids through the `id` index (and `_raw`
 * only where a diff or a change row needs it), plans every object in memory (bounded by the
 * page), bulk-loads the plan with the appender and applies it with set-based SQL. Runs inside the
 * caller's transaction.
 */
export async function writePage(
  sql: Sql,
  t: ResourceTables,
  page: PageWrite,
  origin: string,
): Promise<WriteResult> {
  const normalised = normalisePage(page);
  const { removedIds } = normalised;
  const objects = prepareObjects(normalised.objects);
  const ids = [...objects.map((o) => o.id), ...removedIds];
  if (ids.length === 0) return EMPTY;

  const hashes = await loadStored(sql, t, page.integrationId, ids, false);
  const needRaw = [
    ...idsNeedingRaw(page.mode, objects, new Map([...hashes].map(([id, e]) => [id, e.hash]))),
    ...removedIds.filter((id) => hashes.has(id)),
  ];
  const stored = new Map([...hashes, ...(await loadStored(sql, t, page.integrationId, needRaw, true))]);

  const plan = planPage(
    { mode: page.mode, objects, removedIds },
    stored,
    volatileProperties(t.resource.name),
    {
      integrationId: page.integrationId,
      table: t.current.name,
      pollId: page.pollId,
      origin,
    },
  );
  if (plan.objects.length === 0) return EMPTY;

  await stage(sql, plan.objects, stored);
  const params = paramsOf(page, origin);
  const has = (...ops: ObjectOp[]) => plan.objects.some((o) => ops.includes(o.op));
  const s = pageSql(t);
  if (has("added")) await sql.run(s.recordAdded, params);
  if (has("modified", "removed")) await sql.run(s.recordChanges, params);
  if (has("removed", "modified", "refresh")) await sql.run(s.remove, params);
  if (has("seen")) await sql.run(s.touch, params);
  if (has("added", "modified", "refresh")) await sql.run(s.insert, params);
  return { ...plan.counts, rowsTouched: true };
}

/** Creates the page staging table (a temp table of the writer connection; call once when opening). */
export async function createStage(sql: Sql): Promise<void> {
  await sql.run(createStageSql());
}

/** After a complete full read: removes (with change rows) what this poll did not see. */
export async function removeUnseen(
  sql: Sql,
  t: ResourceTables,
  r: Omit<PageWrite, "objects" | "removed" | "mode">,
  origin: string,
): Promise<WriteResult> {
  const [record, remove] = absenceRemovalSql(t);
  const params = paramsOf(r, origin);
  const removed = await sql.run(record as string, params);
  if (removed === 0) return EMPTY;
  await sql.run(remove as string, params);
  return { added: 0, modified: 0, removed, rowsTouched: true };
}

/** Drops an integration's current rows (its history stays until retention). */
export async function purgeIntegration(sql: Sql, t: ResourceTables, integrationId: string): Promise<number> {
  return sql.run(`DELETE FROM "${t.current.name}" WHERE integration_id = $integration`, {
    integration: integrationId,
  });
}
