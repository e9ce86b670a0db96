import { timestampTZValue } from "@duckdb/node-api";
import { rawAndHash, rawAndOwnHash } from "../domain/hash.js";
import {
  absenceRemovalSql,
  classifiedSql,
  classifySql,
  clearStageSql,
  createStageSql,
  dropPlanSql,
  existingSql,
  INPUT_PAGES_TABLE,
  INPUT_TABLE,
  pageSql,
  STAGE_TABLE,
} from "../domain/ingest-sql.js";
import type { GraphObject } from "../domain/object-diff.js";
import {
  type ExistingObject,
  normalisePage,
  type ObjectOp,
  type PlannedObject,
  planPage,
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

/** Appends the planned objects to the stage, each with its page's time. */
async function stage(
  sql: Sql,
  planned: readonly PlannedObject[],
  stored: ReadonlyMap<string, StoredRow>,
  at: string,
): Promise<void> {
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
      app.appendVarchar(at);
      app.appendNull(); // page: only `plan` rows need it
      app.endRow();
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

/** One page of a group: its objects, the message that carried it and when it was collected. */
export interface GroupPage {
  origin: string;
  collectedAt: string;
  objects: readonly GraphObject[];
  removed: readonly { id: string }[];
}

/**
 * Consecutive pages of one poll, resource (table) and mode, written together. No object id may
 * appear in two of them (`PageGroup` keeps that): each object then has one outcome in the group,
 * exactly as if its page had been applied alone.
 */
export interface GroupWrite extends Omit<PageWrite, "objects" | "removed" | "collectedAt"> {
  pages: readonly GroupPage[];
}

/** Loads the group's objects as received into the (emptied) input tables (one appender pass, no parsing). */
async function loadInput(
  sql: Sql,
  pages: readonly {
    origin: string;
    collectedAt: string;
    objects: readonly ReceivedInput[];
    removedIds: readonly string[];
  }[],
): Promise<void> {
  const app = await sql.appender(INPUT_TABLE, "main", "temp");
  try {
    for (const [n, p] of pages.entries()) {
      for (const o of p.objects) {
        app.appendVarchar(o.id);
        app.appendInteger(n);
        app.appendVarchar(o.raw);
        if (o.hash === null) app.appendNull();
        else app.appendVarchar(o.hash);
        app.appendBoolean(false);
        app.endRow();
      }
      for (const id of p.removedIds) {
        app.appendVarchar(id);
        app.appendInteger(n);
        app.appendNull();
        app.appendNull();
        app.appendBoolean(true);
        app.endRow();
      }
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
  const pagesApp = await sql.appender(INPUT_PAGES_TABLE, "main", "temp");
  try {
    for (const [n, p] of pages.entries()) {
      pagesApp.appendInteger(n);
      pagesApp.appendVarchar(p.origin);
      pagesApp.appendVarchar(p.collectedAt);
      pagesApp.endRow();
    }
    pagesApp.flushSync();
  } finally {
    pagesApp.closeSync();
  }
}

/** An object as loaded: its JSON text, and its content hash only when that is not md5(text). */
interface ReceivedInput {
  id: string;
  object: GraphObject;
  raw: string;
  hash: string | null;
}

function receive(object: GraphObject): ReceivedInput {
  return { id: object.id as string, object, ...rawAndOwnHash(object) };
}

/**
 * Applies a group of pages: loads their objects as received, classifies them against the stored
 * rows in one join (new → added, same content hash → seen), plans in memory only the objects that
 * need the stored `_raw` (hash differs, delta merge, removal), and applies the whole group with
 * set-based SQL. Runs inside the caller's transaction.
 */
export async function writePages(sql: Sql, t: ResourceTables, group: GroupWrite): Promise<WriteResult> {
  const pages = group.pages.map((p) => {
    const normalised = normalisePage({ mode: group.mode, objects: p.objects, removed: p.removed });
    return { ...p, objects: normalised.objects.map(receive), removedIds: normalised.removedIds };
  });
  if (pages.every((p) => p.objects.length === 0 && p.removedIds.length === 0)) return EMPTY;

  await sql.run(clearStageSql);
  await loadInput(sql, pages);
  const params = {
    ...paramsOf({ ...group, collectedAt: pages[0]?.collectedAt ?? "" }, pages[0]?.origin ?? ""),
  };
  await sql.run(classifySql(t, group.mode), params);

  // How many of each outcome, and what the join could not decide: read the stored rows of those
  // and plan them page by page.
  const ops = new Map<string, number>();
  const byPage = new Map<number, string[]>();
  for (const r of await sql.all(classifiedSql)) {
    if (r.op === "plan") {
      for (const { id, page } of r.plan as { id: string; page: number }[])
        byPage.set(page, [...(byPage.get(page) ?? []), id]);
    } else ops.set(String(r.op), Number(r.n));
  }
  if (byPage.size > 0) await sql.run(dropPlanSql);
  const counts = { added: 0, modified: 0, removed: 0 };
  const volatile = volatileProperties(t.resource.name);
  for (const [n, ids] of byPage) {
    const p = pages[n];
    if (!p) continue;
    const want = new Set(ids);
    const objects = p.objects.filter((o) => want.has(o.id)).map((o) => ({ ...o, ...rawAndHash(o.object) }));
    const removedIds = p.removedIds.filter((id) => want.has(id));
    const stored = await loadStored(sql, t, group.integrationId, ids, true);
    const plan = planPage({ mode: group.mode, objects, removedIds }, stored, volatile, {
      integrationId: group.integrationId,
      table: t.current.name,
      pollId: group.pollId,
      origin: p.origin,
    });
    counts.modified += plan.counts.modified;
    counts.removed += plan.counts.removed;
    for (const o of plan.objects) ops.set(o.op, (ops.get(o.op) ?? 0) + 1);
    if (plan.objects.length > 0) await stage(sql, plan.objects, stored, p.collectedAt);
  }

  counts.added = ops.get("added") ?? 0;
  if (ops.size === 0) return EMPTY;
  const has = (...list: ObjectOp[]) => list.some((op) => (ops.get(op) ?? 0) > 0);
  const s = pageSql(t);
  if (has("added")) await sql.run(s.recordAdded, params);
  if (has("modified", "removed")) await sql.run(s.recordChanges, params);
  if (has("removed", "modified", "refresh")) await sql.run(s.remove, params);
  if (has("seen")) await sql.run(s.touch, params);
  if (has("added", "modified", "refresh")) await sql.run(s.insert, params);
  return { ...counts, rowsTouched: true };
}

/** One page written alone (a group of one). */
export function writePage(
  sql: Sql,
  t: ResourceTables,
  page: PageWrite,
  origin: string,
): Promise<WriteResult> {
  return writePages(sql, t, { ...page, pages: [{ ...page, origin }] });
}

/** Creates the staging tables (temp tables of the writer connection; call once when opening). */
export async function createStage(sql: Sql): Promise<void> {
  for (const statement of createStageSql()) await sql.run(statement);
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
