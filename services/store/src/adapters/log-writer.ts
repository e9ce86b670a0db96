import { rawAndOwnHash } from "../domain/hash.js";
import { createLogStageSql, LOG_STAGE_TABLE, logInsertSql, logRetentionSql } from "../domain/log-sql.js";
import { normalisePage } from "../domain/page-plan.js";
import { retentionCutoff } from "../domain/retention.js";
import type { ResourceTables } from "../domain/schema.js";
import type { Sql } from "./db.js";
import type { GroupPage, PageWrite, WriteResult } from "./page-writer.js";

/**
 * Pages of an append-only log (consecutive pages of one poll, no id in two of them): their entries
 * are added once per integration and id (an entry read again in an overlapping window changes
 * nothing); no change rows, no removals. Runs inside the caller's transaction.
 */
export async function writeLogPages(
  sql: Sql,
  t: ResourceTables,
  group: Omit<PageWrite, "objects" | "removed" | "collectedAt"> & { pages: readonly GroupPage[] },
): Promise<WriteResult> {
  const pages = group.pages.map((p) => ({
    at: p.collectedAt,
    objects: normalisePage({ mode: group.mode, objects: p.objects, removed: p.removed }).objects.map(
      (object) => ({ id: object.id as string, ...rawAndOwnHash(object) }),
    ),
  }));
  if (pages.every((p) => p.objects.length === 0))
    return { added: 0, modified: 0, removed: 0, rowsTouched: false };
  await sql.run(`DELETE FROM ${LOG_STAGE_TABLE}`);
  const app = await sql.appender(LOG_STAGE_TABLE, "main", "temp");
  try {
    for (const p of pages) {
      for (const o of p.objects) {
        app.appendVarchar(o.id);
        if (o.hash === null) app.appendNull();
        else app.appendVarchar(o.hash);
        app.appendVarchar(o.raw);
        app.appendVarchar(p.at);
        app.endRow();
      }
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
  const added = await sql.run(logInsertSql(t), {
    integration: group.integrationId,
    tenant: group.tenantId,
    workspace: group.workspaceId,
    poll: group.pollId,
  });
  return { added, modified: 0, removed: 0, rowsTouched: added > 0 };
}

/** Creates the log page staging table (a temp table of the writer connection; once when opening). */
export async function createLogStage(sql: Sql): Promise<void> {
  await sql.run(createLogStageSql());
}

/**
 * Retention of the logs: an integration's entries older than `days` before `at` (the completed
 * poll's time, so a replayed message deletes the same rows) are deleted. Returns rows deleted.
 */
export async function pruneLogs(
  sql: Sql,
  t: ResourceTables,
  integrationId: string,
  at: string,
  days: number,
): Promise<number> {
  const cutoff = retentionCutoff(new Date(at), days).toISOString();
  return sql.run(logRetentionSql(t), { integration: integrationId, cutoff });
}
