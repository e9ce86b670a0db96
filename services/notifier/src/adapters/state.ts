import { Alert, type AlertKind, type NotificationStatus } from "@tenantlens/contracts";
import {
  type NotificationRow,
  NotificationRow as NotificationRowSchema,
  StoredChannel,
} from "../domain/records.js";
import type { Row, Sql } from "./db.js";

/**
 * The notifier's tables and one named function per statement it runs. Times are epoch
 * milliseconds; documents (channels, alerts, items) are JSON text validated on the way out.
 */
export const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE channels (id VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, doc VARCHAR NOT NULL)`,
    `CREATE TABLE alerts (id VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, doc VARCHAR NOT NULL)`,
    `CREATE TABLE alert_state (alert_id VARCHAR NOT NULL, generation_id BIGINT, rows VARCHAR)`,
    `CREATE TABLE integrations_seen (integration_id VARCHAR NOT NULL, name VARCHAR, status VARCHAR)`,
    `CREATE TABLE inbox (key VARCHAR NOT NULL, at_ms BIGINT NOT NULL)`,
    `CREATE TABLE pending (workspace_id VARCHAR NOT NULL, batch VARCHAR NOT NULL, alert_id VARCHAR NOT NULL,
     item VARCHAR NOT NULL, context VARCHAR NOT NULL, at_ms BIGINT NOT NULL)`,
    `CREATE TABLE held (channel_id VARCHAR NOT NULL, alert_id VARCHAR NOT NULL, item VARCHAR NOT NULL,
     context VARCHAR NOT NULL, at_ms BIGINT NOT NULL)`,
    `CREATE TABLE duplicates (channel_id VARCHAR NOT NULL, alert_id VARCHAR NOT NULL, at_ms BIGINT NOT NULL)`,
    `CREATE TABLE sent_keys (channel_id VARCHAR NOT NULL, dedup_key VARCHAR NOT NULL, at_ms BIGINT NOT NULL)`,
    `CREATE TABLE sent_log (channel_id VARCHAR NOT NULL, at_ms BIGINT NOT NULL)`,
    `CREATE TABLE notifications (
     id VARCHAR NOT NULL, workspace_id VARCHAR NOT NULL, alert_id VARCHAR, alert_name VARCHAR, alert_kind VARCHAR,
     channel_id VARCHAR NOT NULL, channel_kind VARCHAR NOT NULL, event_type VARCHAR NOT NULL,
     summary VARCHAR NOT NULL, item_count INTEGER NOT NULL, body VARCHAR NOT NULL,
     status VARCHAR NOT NULL, attempts INTEGER NOT NULL, response_code INTEGER, error VARCHAR,
     created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, last_attempt_at BIGINT, next_attempt_at BIGINT,
     delivered_at BIGINT, lease_until BIGINT, version INTEGER NOT NULL, logged_version INTEGER NOT NULL)`,
  ],
  // The workspace of each integration seen, so a deleted workspace leaves no name behind.
  ["ALTER TABLE integrations_seen ADD COLUMN workspace_id VARCHAR"],
];

// ---- channels

export async function putChannel(sql: Sql, c: StoredChannel): Promise<void> {
  await sql.run("DELETE FROM channels WHERE id = $id", { id: c.id });
  await sql.run("INSERT INTO channels VALUES ($id, $ws, $doc)", {
    id: c.id,
    ws: c.workspaceId,
    doc: JSON.stringify(c),
  });
}

const toChannel = (r: Row) => StoredChannel.parse(JSON.parse(String(r.doc)));

export async function getChannel(sql: Sql, id: string, workspaceId?: string): Promise<StoredChannel | null> {
  const rows = await sql.all(
    `SELECT doc FROM channels WHERE id = $id${workspaceId ? " AND workspace_id = $ws" : ""}`,
    workspaceId ? { id, ws: workspaceId } : { id },
  );
  return rows[0] ? toChannel(rows[0]) : null;
}

export async function listChannels(sql: Sql, workspaceId: string): Promise<StoredChannel[]> {
  return (
    await sql.all("SELECT doc FROM channels WHERE workspace_id = $ws ORDER BY id", { ws: workspaceId })
  ).map(toChannel);
}

/** Every workspace's channels (key rotation). */
export async function listAllChannels(sql: Sql): Promise<StoredChannel[]> {
  return (await sql.all("SELECT doc FROM channels ORDER BY id", {})).map(toChannel);
}

export async function deleteChannel(sql: Sql, id: string): Promise<void> {
  for (const table of ["channels"]) await sql.run(`DELETE FROM ${table} WHERE id = $id`, { id });
  for (const table of ["held", "duplicates", "sent_keys", "sent_log"])
    await sql.run(`DELETE FROM ${table} WHERE channel_id = $id`, { id });
}

// ---- alerts

export async function putAlert(sql: Sql, a: Alert): Promise<void> {
  await sql.run("DELETE FROM alerts WHERE id = $id", { id: a.id });
  await sql.run("INSERT INTO alerts VALUES ($id, $ws, $kind, $doc)", {
    id: a.id,
    ws: a.workspaceId,
    kind: a.kind,
    doc: JSON.stringify(a),
  });
}

const toAlert = (r: Row) => Alert.parse(JSON.parse(String(r.doc)));

export async function getAlert(sql: Sql, id: string, workspaceId?: string): Promise<Alert | null> {
  const rows = await sql.all(
    `SELECT doc FROM alerts WHERE id = $id${workspaceId ? " AND workspace_id = $ws" : ""}`,
    workspaceId ? { id, ws: workspaceId } : { id },
  );
  return rows[0] ? toAlert(rows[0]) : null;
}

/** Alerts of a workspace (all workspaces when null), optionally of some kinds only. */
export async function listAlerts(
  sql: Sql,
  workspaceId: string | null,
  kinds?: readonly AlertKind[],
): Promise<Alert[]> {
  const where: string[] = [];
  if (workspaceId) where.push("workspace_id = $ws");
  if (kinds) where.push(`kind IN (${kinds.map((k) => `'${k}'`).join(", ") || "NULL"})`);
  const rows = await sql.all(
    `SELECT doc FROM alerts${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id`,
    workspaceId ? { ws: workspaceId } : {},
  );
  return rows.map(toAlert);
}

export async function deleteAlert(sql: Sql, id: string): Promise<void> {
  await sql.run("DELETE FROM alerts WHERE id = $id", { id });
  for (const table of ["alert_state", "pending", "held", "duplicates"])
    await sql.run(`DELETE FROM ${table} WHERE alert_id = $id`, { id });
}

export async function getAlertState(
  sql: Sql,
  alertId: string,
): Promise<{ generationId: number | null; rows: string | null } | null> {
  const [r] = await sql.all("SELECT generation_id, rows FROM alert_state WHERE alert_id = $id", {
    id: alertId,
  });
  if (!r) return null;
  return {
    generationId: r.generation_id === null ? null : Number(r.generation_id),
    rows: r.rows === null ? null : String(r.rows),
  };
}

export async function setAlertState(
  sql: Sql,
  alertId: string,
  generationId: number | null,
  rows: string | null,
): Promise<void> {
  await sql.run("DELETE FROM alert_state WHERE alert_id = $id", { id: alertId });
  await sql.run("INSERT INTO alert_state VALUES ($id, $g, $rows)", { id: alertId, g: generationId, rows });
}

// ---- integrations seen (for "status changed from … to …")

export async function getIntegrationSeen(
  sql: Sql,
  id: string,
): Promise<{ name: string | null; status: string | null } | null> {
  const [r] = await sql.all("SELECT name, status FROM integrations_seen WHERE integration_id = $id", { id });
  return r
    ? { name: r.name === null ? null : String(r.name), status: r.status === null ? null : String(r.status) }
    : null;
}

export async function forgetIntegrationSeen(sql: Sql, id: string): Promise<void> {
  await sql.run("DELETE FROM integrations_seen WHERE integration_id = $id", { id });
}

export async function setIntegrationSeen(
  sql: Sql,
  i: { id: string; workspaceId: string; name: string; status: string },
): Promise<void> {
  await sql.run("DELETE FROM integrations_seen WHERE integration_id = $id", { id: i.id });
  await sql.run(
    "INSERT INTO integrations_seen (integration_id, name, status, workspace_id) VALUES ($id, $name, $status, $ws)",
    { id: i.id, name: i.name, status: i.status, ws: i.workspaceId },
  );
}

// ---- inbox: each event is applied once

export async function alreadyApplied(sql: Sql, key: string): Promise<boolean> {
  return (await sql.all("SELECT 1 FROM inbox WHERE key = $key", { key })).length > 0;
}

export async function markApplied(sql: Sql, key: string, now: number): Promise<void> {
  await sql.run("INSERT INTO inbox VALUES ($key, $now)", { key, now });
}

// ---- pending items of a batch (a rules run) until its end

export async function addPending(
  sql: Sql,
  p: { workspaceId: string; batch: string; alertId: string; item: unknown; context: unknown; at: number },
): Promise<void> {
  await sql.run("INSERT INTO pending VALUES ($ws, $batch, $alert, $item, $ctx, $at)", {
    ws: p.workspaceId,
    batch: p.batch,
    alert: p.alertId,
    item: JSON.stringify(p.item),
    ctx: JSON.stringify(p.context),
    at: p.at,
  });
}

export interface PendingRow {
  alertId: string;
  item: unknown;
  context: unknown;
}

export async function takePending(sql: Sql, workspaceId: string, batch: string): Promise<PendingRow[]> {
  const params = { ws: workspaceId, batch };
  const rows = await sql.all(
    "SELECT alert_id, item, context FROM pending WHERE workspace_id = $ws AND batch = $batch ORDER BY at_ms",
    params,
  );
  await sql.run("DELETE FROM pending WHERE workspace_id = $ws AND batch = $batch", params);
  return rows.map((r) => ({
    alertId: String(r.alert_id),
    item: JSON.parse(String(r.item)),
    context: JSON.parse(String(r.context)),
  }));
}

/** Batches whose end never came (e.g. the rules service died mid-run). */
export async function staleBatches(
  sql: Sql,
  olderThan: number,
): Promise<{ workspaceId: string; batch: string }[]> {
  const rows = await sql.all(
    "SELECT workspace_id, batch FROM pending GROUP BY ALL HAVING max(at_ms) < $t ORDER BY min(at_ms)",
    { t: olderThan },
  );
  return rows.map((r) => ({ workspaceId: String(r.workspace_id), batch: String(r.batch) }));
}

// ---- per-channel limits

export async function sentWithin(sql: Sql, channelId: string, since: number): Promise<number> {
  const [r] = await sql.all("SELECT count(*) AS n FROM sent_log WHERE channel_id = $c AND at_ms > $since", {
    c: channelId,
    since,
  });
  return Number(r?.n ?? 0);
}

export async function logSent(sql: Sql, channelId: string, at: number): Promise<void> {
  await sql.run("INSERT INTO sent_log VALUES ($c, $at)", { c: channelId, at });
}

export async function recentKeys(sql: Sql, channelId: string, since: number): Promise<Set<string>> {
  const rows = await sql.all("SELECT dedup_key FROM sent_keys WHERE channel_id = $c AND at_ms > $since", {
    c: channelId,
    since,
  });
  return new Set(rows.map((r) => String(r.dedup_key)));
}

export async function rememberKeys(
  sql: Sql,
  channelId: string,
  keys: readonly string[],
  at: number,
): Promise<void> {
  for (const key of keys) {
    await sql.run("DELETE FROM sent_keys WHERE channel_id = $c AND dedup_key = $k", { c: channelId, k: key });
    await sql.run("INSERT INTO sent_keys VALUES ($c, $k, $at)", { c: channelId, k: key, at });
  }
}

export async function addHeld(
  sql: Sql,
  h: { channelId: string; alertId: string; items: unknown[]; context: unknown; at: number },
): Promise<void> {
  for (const item of h.items)
    await sql.run("INSERT INTO held VALUES ($c, $a, $item, $ctx, $at)", {
      c: h.channelId,
      a: h.alertId,
      item: JSON.stringify(item),
      ctx: JSON.stringify(h.context),
      at: h.at,
    });
}

export async function addDuplicates(
  sql: Sql,
  channelId: string,
  alertId: string,
  n: number,
  at: number,
): Promise<void> {
  for (let i = 0; i < n; i++)
    await sql.run("INSERT INTO duplicates VALUES ($c, $a, $at)", { c: channelId, a: alertId, at });
}

export interface Held {
  items: unknown[];
  /** Context of the newest held batch. */
  context: unknown;
  duplicates: number;
  since: number | null;
}

/** Takes (and removes) what was held back for one alert on one channel. */
export async function takeHeld(sql: Sql, channelId: string, alertId: string): Promise<Held> {
  const params = { c: channelId, a: alertId };
  const rows = await sql.all(
    "SELECT item, context, at_ms FROM held WHERE channel_id = $c AND alert_id = $a ORDER BY at_ms",
    params,
  );
  const [d] = await sql.all(
    "SELECT count(*) AS n, min(at_ms) AS since FROM duplicates WHERE channel_id = $c AND alert_id = $a",
    params,
  );
  await sql.run("DELETE FROM held WHERE channel_id = $c AND alert_id = $a", params);
  await sql.run("DELETE FROM duplicates WHERE channel_id = $c AND alert_id = $a", params);
  const last = rows[rows.length - 1];
  const since = [rows[0]?.at_ms, d?.since].filter((v) => v !== null && v !== undefined).map(Number);
  return {
    items: rows.map((r) => JSON.parse(String(r.item))),
    context: last ? JSON.parse(String(last.context)) : null,
    duplicates: Number(d?.n ?? 0),
    since: since.length ? Math.min(...since) : null,
  };
}

/** (channel, alert) pairs with items waiting for the channel's rate limit. */
export async function heldPairs(sql: Sql): Promise<{ channelId: string; alertId: string }[]> {
  const rows = await sql.all("SELECT DISTINCT channel_id, alert_id FROM held ORDER BY ALL");
  return rows.map((r) => ({ channelId: String(r.channel_id), alertId: String(r.alert_id) }));
}

// ---- notifications

export interface NewNotification {
  id: string;
  workspaceId: string;
  alertId: string | null;
  alertName: string | null;
  alertKind: AlertKind | null;
  channelId: string;
  channelKind: "email" | "webhook";
  eventType: string;
  summary: string;
  itemCount: number;
  body: string;
  now: number;
  /** Claimed for an attempt right away (channel tests), so the delivery loop leaves it alone. */
  claimed?: boolean;
}

export async function insertNotification(sql: Sql, n: NewNotification): Promise<void> {
  await sql.run(
    `INSERT INTO notifications VALUES ($id, $ws, $alert, $alertName, $alertKind, $channel, $channelKind, $type,
       $summary, $items, $body, 'queued', $attempts, NULL, NULL, $now, $now, $last, $now, NULL, $lease, 1, 0)`,
    {
      id: n.id,
      ws: n.workspaceId,
      alert: n.alertId,
      alertName: n.alertName,
      alertKind: n.alertKind,
      channel: n.channelId,
      channelKind: n.channelKind,
      type: n.eventType,
      summary: n.summary,
      items: n.itemCount,
      body: n.body,
      now: n.now,
      attempts: n.claimed ? 1 : 0,
      last: n.claimed ? n.now : null,
      lease: n.claimed ? n.now + 120_000 : null,
    },
  );
}

const COLUMNS = `id, workspace_id, alert_id, alert_name, alert_kind, channel_id, channel_kind, event_type, summary,
  item_count, body, status, attempts, response_code, error, created_at, updated_at, last_attempt_at,
  next_attempt_at, delivered_at`;

const toNotification = (r: Row) => NotificationRowSchema.parse(r);

export async function getNotification(sql: Sql, id: string): Promise<NotificationRow | null> {
  const [r] = await sql.all(`SELECT ${COLUMNS} FROM notifications WHERE id = $id`, { id });
  return r ? toNotification(r) : null;
}

export async function listNotifications(
  sql: Sql,
  f: {
    workspaceId: string;
    alertId?: string;
    channelId?: string;
    status?: NotificationStatus;
    before?: number;
    limit: number;
  },
): Promise<NotificationRow[]> {
  const where = ["workspace_id = $ws"];
  if (f.alertId) where.push("alert_id = $alert");
  if (f.channelId) where.push("channel_id = $channel");
  if (f.status) where.push("status = $status");
  if (f.before !== undefined) where.push("created_at < $before");
  const rows = await sql.all(
    `SELECT ${COLUMNS} FROM notifications WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT $limit`,
    {
      ws: f.workspaceId,
      alert: f.alertId ?? null,
      channel: f.channelId ?? null,
      status: f.status ?? null,
      before: f.before ?? null,
      limit: f.limit,
    },
  );
  return rows.map(toNotification);
}

/** A previous process's attempts in flight: due again at once (same id, attempt already counted). */
export async function releaseLeases(sql: Sql): Promise<number> {
  return sql.run("UPDATE notifications SET lease_until = NULL WHERE lease_until IS NOT NULL");
}

/** Claims up to `limit` due notifications for an attempt (counted now, so a crash cannot hide one). */
export async function claimDue(
  sql: Sql,
  now: number,
  limit: number,
  leaseMs: number,
): Promise<NotificationRow[]> {
  if (limit <= 0) return [];
  const due = await sql.all(
    `SELECT id FROM notifications WHERE status IN ('queued', 'retrying') AND next_attempt_at <= $now
       AND (lease_until IS NULL OR lease_until < $now) ORDER BY next_attempt_at, created_at LIMIT $limit`,
    { now, limit },
  );
  const out: NotificationRow[] = [];
  for (const r of due) {
    await sql.run(
      "UPDATE notifications SET lease_until = $lease, attempts = attempts + 1, last_attempt_at = $now WHERE id = $id",
      { id: String(r.id), lease: now + leaseMs, now },
    );
    const n = await getNotification(sql, String(r.id));
    if (n) out.push(n);
  }
  return out;
}

/** When the next queued or retrying notification becomes due (or a lease runs out). */
export async function nextDueAt(sql: Sql): Promise<number | null> {
  const [r] = await sql.all(
    `SELECT min(greatest(next_attempt_at, coalesce(lease_until, 0))) AS t FROM notifications
     WHERE status IN ('queued', 'retrying')`,
  );
  return r?.t === null || r?.t === undefined ? null : Number(r.t);
}

export async function settle(
  sql: Sql,
  id: string,
  s: {
    status: NotificationStatus;
    responseCode: number | null;
    error: string | null;
    nextAttemptAt: number | null;
    deliveredAt: number | null;
    now: number;
  },
): Promise<void> {
  await sql.run(
    `UPDATE notifications SET status = $status, response_code = $code, error = $error, next_attempt_at = $next,
       delivered_at = $delivered, lease_until = NULL, updated_at = greatest($now, updated_at + 1), version = version + 1
     WHERE id = $id`,
    {
      id,
      status: s.status,
      code: s.responseCode,
      error: s.error,
      next: s.nextAttemptAt,
      delivered: s.deliveredAt,
      now: s.now,
    },
  );
}

/** Notifications whose latest state has not been published to the delivery log yet. */
export async function unlogged(sql: Sql, limit: number): Promise<(NotificationRow & { version: number })[]> {
  const rows = await sql.all(
    `SELECT ${COLUMNS}, version FROM notifications WHERE version > logged_version ORDER BY updated_at LIMIT $limit`,
    { limit },
  );
  return rows.map((r) => ({ ...toNotification(r), version: Number(r.version) }));
}

export async function markLogged(sql: Sql, id: string, version: number): Promise<void> {
  await sql.run("UPDATE notifications SET logged_version = greatest(logged_version, $v) WHERE id = $id", {
    id,
    v: version,
  });
}

/** Forgets old bookkeeping: applied-event ids, dedup keys and rate-limit entries past their windows, old log rows. */
export async function prune(
  sql: Sql,
  now: number,
  opts: { keepMs: number; logRetentionMs: number },
): Promise<void> {
  const before = now - opts.keepMs;
  await sql.run("DELETE FROM inbox WHERE at_ms < $t", { t: before });
  await sql.run("DELETE FROM sent_keys WHERE at_ms < $t", { t: before });
  await sql.run("DELETE FROM sent_log WHERE at_ms < $t", { t: before });
  await sql.run(
    `DELETE FROM notifications WHERE created_at < $t AND status IN ('delivered', 'failed', 'dead_lettered')
       AND version = logged_version`,
    { t: now - opts.logRetentionMs },
  );
}

// ---- deleted workspaces

/**
 * Everything of a deleted workspace, in the caller's transaction: its channels (with their sealed
 * secrets), alerts and their state, the names of its integrations, messages waiting, held or sent, and its delivery log. Returns
 * rows removed per kind (all 0 on a repeat).
 */
export async function purgeWorkspace(sql: Sql, workspaceId: string): Promise<Record<string, number>> {
  const p = { ws: workspaceId };
  const ofChannels = "channel_id IN (SELECT id FROM channels WHERE workspace_id = $ws)";
  const ofAlerts = "alert_id IN (SELECT id FROM alerts WHERE workspace_id = $ws)";
  await sql.run(`DELETE FROM alert_state WHERE ${ofAlerts}`, p);
  for (const table of ["held", "duplicates", "sent_keys", "sent_log"]) {
    await sql.run(`DELETE FROM ${table} WHERE ${ofChannels}`, p);
  }
  return {
    pending: await sql.run("DELETE FROM pending WHERE workspace_id = $ws", p),
    notifications: await sql.run("DELETE FROM notifications WHERE workspace_id = $ws", p),
    alerts: await sql.run("DELETE FROM alerts WHERE workspace_id = $ws", p),
    integrationsSeen: await sql.run("DELETE FROM integrations_seen WHERE workspace_id = $ws", p),
    channels: await sql.run("DELETE FROM channels WHERE workspace_id = $ws", p),
  };
}
