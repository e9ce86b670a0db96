import { listValue } from "@duckdb/node-api";
import { quoteLiteral } from "../domain/table-model.js";
import type { Sql } from "./db.js";

/** Identity of a consumed message; `key` is its Nats-Msg-Id (or stream + sequence without one). */
export interface MessageRef {
  key: string;
  stream: string;
  seq: number;
  subject: string;
}

export async function alreadyApplied(sql: Sql, key: string): Promise<boolean> {
  const rows = await sql.all(`SELECT 1 AS hit FROM "_tl_ledger" WHERE msg_key = $key`, { key });
  return rows.length > 0;
}

/**
 * Which of these message keys the ledger holds, in one query (the keys are inlined so that the
 * lookup goes through the ledger's primary key index rather than a scan).
 */
export async function appliedAmong(sql: Sql, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await sql.all(
    `SELECT msg_key FROM "_tl_ledger" WHERE msg_key IN (${[...new Set(keys)].map(quoteLiteral).join(", ")})`,
  );
  return new Set(rows.map((r) => String(r.msg_key)));
}

/**
 * For a collection message, in one query: whether it was applied already, whether its workspace
 * was deleted and whether its poll was failed at ingest (a message of it dead-lettered).
 */
export async function collectionState(
  sql: Sql,
  m: { key: string; workspaceId: string; pollId: string },
): Promise<{ applied: boolean; workspaceDeleted: boolean; pollDeadLettered: boolean }> {
  const rows = await sql.all(
    `SELECT EXISTS (SELECT 1 FROM "_tl_ledger" WHERE msg_key = $key) AS applied,
       EXISTS (SELECT 1 FROM "_tl_deleted_workspaces" WHERE workspace_id = $ws) AS deleted,
       EXISTS (SELECT 1 FROM "_tl_dead_letters" WHERE poll_id = $poll) AS dead`,
    { key: m.key, ws: m.workspaceId, poll: m.pollId },
  );
  const r = rows[0];
  return {
    applied: r?.applied === true,
    workspaceDeleted: r?.deleted === true,
    pollDeadLettered: r?.dead === true,
  };
}

export async function recordApplied(sql: Sql, msg: MessageRef): Promise<void> {
  await sql.run(`INSERT INTO "_tl_ledger" VALUES ($key, $stream, $seq, $subject, now())`, {
    key: msg.key,
    stream: msg.stream,
    seq: msg.seq,
    subject: msg.subject,
  });
}

/** The ledger rows of several applied messages, in one statement. */
export async function recordAppliedAll(sql: Sql, msgs: readonly MessageRef[]): Promise<void> {
  if (msgs.length === 0) return;
  if (msgs.length === 1) return recordApplied(sql, msgs[0] as MessageRef);
  await sql.run(
    `INSERT INTO "_tl_ledger"
     SELECT unnest($keys::VARCHAR[]), unnest($streams::VARCHAR[]), unnest($seqs::BIGINT[]),
       unnest($subjects::VARCHAR[]), now()`,
    {
      keys: listValue(msgs.map((m) => m.key)),
      streams: listValue(msgs.map((m) => m.stream)),
      seqs: listValue(msgs.map((m) => BigInt(m.seq))),
      subjects: listValue(msgs.map((m) => m.subject)),
    },
  );
}

/** Marks tables as changed for a workspace (same transaction as the change). */
export async function bumpVersions(sql: Sql, workspaceId: string, tables: readonly string[]): Promise<void> {
  if (tables.length === 0) return;
  const params = { ws: workspaceId, tables: listValue([...new Set(tables)]) };
  await sql.run(
    `UPDATE "_tl_table_versions" SET version = version + 1
     WHERE workspace_id = $ws AND list_contains($tables::VARCHAR[], table_name)`,
    params,
  );
  await sql.run(
    `INSERT INTO "_tl_table_versions"
     SELECT $ws, t, 1 FROM (SELECT unnest($tables::VARCHAR[]) AS t) n
     WHERE NOT EXISTS (SELECT 1 FROM "_tl_table_versions" v WHERE v.workspace_id = $ws AND v.table_name = n.t)`,
    params,
  );
}

export type GenerationKind = "poll" | "system";

/**
 * Durably asks for a generation. "poll" generations re-export resource and history tables;
 * "system" ones (query history, integrations) only system tables, so a half-collected poll does
 * not become visible early.
 */
export async function requestGeneration(
  sql: Sql,
  r: { requestId: string; workspaceId: string; kind: GenerationKind; pollId: string | null },
): Promise<void> {
  await sql.run(`INSERT INTO "_tl_generation_requests" VALUES ($id, $ws, $kind, $poll, now())`, {
    id: r.requestId,
    ws: r.workspaceId,
    kind: r.kind,
    poll: r.pollId,
  });
}

/** Forgets processed messages older than `days` (the streams keep messages 7 days at most). */
export async function pruneLedger(sql: Sql, days: number): Promise<number> {
  return sql.run(`DELETE FROM "_tl_ledger" WHERE applied_at < now() - to_days(CAST($d AS INTEGER))`, {
    d: days,
  });
}
