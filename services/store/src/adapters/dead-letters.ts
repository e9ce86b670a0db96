import type { DeadLetter, EventPayload, PollIngestFailed } from "@tenantlens/contracts";
import type { DeadLetterRecord } from "../domain/dead-letter.js";
import type { MessageRef } from "./bookkeeping.js";
import type { Sql } from "./db.js";

const iso = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

export async function recordDeadLetter(
  sql: Sql,
  msg: MessageRef & { msgId: string | null },
  d: DeadLetterRecord,
): Promise<void> {
  await sql.run(
    `INSERT INTO "_tl_dead_letters" VALUES
       ($key, $stream, $seq, $subject, $msgId, $ws, $integration, $poll, $reason, $deliveries, $body, now(), NULL)`,
    {
      key: msg.key,
      stream: msg.stream,
      seq: msg.seq,
      subject: msg.subject,
      msgId: msg.msgId,
      ws: d.workspaceId,
      integration: d.integrationId,
      poll: d.pollId,
      reason: d.reason,
      deliveries: d.deliveries,
      body: d.body,
    },
  );
}

export async function listDeadLetters(
  sql: Sql,
  req: { workspaceId?: string; integrationId?: string; limit: number },
): Promise<DeadLetter[]> {
  const rows = await sql.all(
    `SELECT subject, seq, msg_id, workspace_id, integration_id, poll_id, reason, deliveries, body,
       ${iso("dead_at")} AS dead_at
     FROM "_tl_dead_letters"
     WHERE ($ws IS NULL OR workspace_id = $ws) AND ($integration IS NULL OR integration_id = $integration)
     ORDER BY dead_at DESC, seq DESC
     LIMIT $limit`,
    { ws: req.workspaceId ?? null, integration: req.integrationId ?? null, limit: req.limit },
  );
  return rows.map((r) => ({
    subject: String(r.subject),
    streamSeq: Number(r.seq),
    msgId: text(r.msg_id),
    workspaceId: text(r.workspace_id),
    integrationId: text(r.integration_id),
    pollId: text(r.poll_id),
    reason: String(r.reason),
    deliveries: Number(r.deliveries),
    body: String(r.body),
    deadAt: String(r.dead_at),
  }));
}

type Failure = EventPayload<typeof PollIngestFailed>;

/** Failed polls not announced yet (the store stopped between the commit and the publish). */
export async function unannouncedFailures(sql: Sql): Promise<{ key: string; failure: Failure }[]> {
  const rows = await sql.all(
    `SELECT msg_key, workspace_id, integration_id, poll_id, reason, ${iso("dead_at")} AS dead_at
     FROM "_tl_dead_letters"
     WHERE announced_at IS NULL AND poll_id IS NOT NULL AND workspace_id IS NOT NULL AND integration_id IS NOT NULL
     ORDER BY dead_at`,
  );
  return rows.map((r) => ({
    key: String(r.msg_key),
    failure: {
      workspaceId: String(r.workspace_id),
      integrationId: String(r.integration_id),
      pollId: String(r.poll_id),
      reason: String(r.reason),
      failedAt: String(r.dead_at),
    },
  }));
}

export async function markAnnounced(sql: Sql, key: string): Promise<void> {
  await sql.run(`UPDATE "_tl_dead_letters" SET announced_at = now() WHERE msg_key = $key`, { key });
}

/** Dead letters are kept as long as the ledger that recognises their redelivery. */
export async function pruneDeadLetters(sql: Sql, days: number): Promise<number> {
  return sql.run(`DELETE FROM "_tl_dead_letters" WHERE dead_at < now() - to_days(CAST($d AS INTEGER))`, {
    d: days,
  });
}
