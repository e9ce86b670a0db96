import type { Alert } from "@tenantlens/contracts";
import type { Sql } from "./adapters/db.js";
import {
  addDuplicates,
  addHeld,
  getChannel,
  insertNotification,
  logSent,
  putAlert,
  recentKeys,
  rememberKeys,
  sentWithin,
  takeHeld,
} from "./adapters/state.js";
import { type AnyItem, dedupKey } from "./domain/match.js";
import { type BatchContext, buildMessage } from "./domain/messages.js";
import { newId } from "./domain/records.js";

export interface DispatchEnv {
  consoleUrl: string;
  now: number;
}

/**
 * Turns what one alert matched in one batch into at most one message per channel, inside the
 * caller's transaction. Per channel: items sent within its dedup window are dropped (and counted);
 * over its rate limit the items are held back; otherwise the message carries the new items plus
 * everything held back for this alert before, and says so in `heldBack`.
 * Returns how many notifications were created.
 */
export async function dispatch(
  sql: Sql,
  env: DispatchEnv,
  alert: Alert,
  items: readonly AnyItem[],
  context: BatchContext,
): Promise<number> {
  if (!alert.enabled || items.length === 0) return 0;
  let created = 0;
  for (const channelId of alert.channelIds) {
    const channel = await getChannel(sql, channelId, alert.workspaceId);
    if (!channel?.enabled) continue;
    const { dedupSeconds, maxMessages, windowSeconds } = channel.limits;
    let fresh = [...items];
    if (dedupSeconds > 0) {
      const recent = await recentKeys(sql, channelId, env.now - dedupSeconds * 1000);
      const seen = new Set<string>();
      fresh = fresh.filter((i) => {
        const key = dedupKey(alert.kind, i);
        if (recent.has(key) || seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      const dropped = items.length - fresh.length;
      if (dropped > 0) await addDuplicates(sql, channelId, alert.id, dropped, env.now);
    }
    if (fresh.length === 0) continue;
    // Held items count as told: a repeat while they wait is a duplicate too.
    await rememberKeys(
      sql,
      channelId,
      fresh.map((i) => dedupKey(alert.kind, i)),
      env.now,
    );
    if ((await sentWithin(sql, channelId, env.now - windowSeconds * 1000)) >= maxMessages) {
      await addHeld(sql, { channelId, alertId: alert.id, items: fresh, context, at: env.now });
      continue;
    }
    created += await send(sql, env, alert, channelId, fresh, context);
  }
  if (created > 0) await putAlert(sql, { ...alert, lastTriggeredAt: new Date(env.now).toISOString() });
  return created;
}

/** Sends what was held back for (alert, channel) once the channel's window allows; false if it still does not. */
export async function flushHeld(
  sql: Sql,
  env: DispatchEnv,
  alert: Alert,
  channelId: string,
): Promise<boolean> {
  const channel = await getChannel(sql, channelId, alert.workspaceId);
  if (!channel?.enabled || !alert.enabled || !alert.channelIds.includes(channelId)) {
    await takeHeld(sql, channelId, alert.id); // nobody to tell any more
    return true;
  }
  const { maxMessages, windowSeconds } = channel.limits;
  if ((await sentWithin(sql, channelId, env.now - windowSeconds * 1000)) >= maxMessages) return false;
  const created = await send(sql, env, alert, channelId, [], null);
  if (created > 0) await putAlert(sql, { ...alert, lastTriggeredAt: new Date(env.now).toISOString() });
  return true;
}

async function send(
  sql: Sql,
  env: DispatchEnv,
  alert: Alert,
  channelId: string,
  fresh: readonly AnyItem[],
  context: BatchContext | null,
): Promise<number> {
  const channel = await getChannel(sql, channelId, alert.workspaceId);
  if (!channel) return 0;
  const held = await takeHeld(sql, channelId, alert.id);
  const items = [...(held.items as AnyItem[]), ...fresh];
  const ctx = context ?? (held.context as BatchContext | null);
  if (items.length === 0 || !ctx) return 0;
  const heldBack =
    held.items.length > 0 || held.duplicates > 0
      ? {
          delayed: held.items.length,
          duplicates: held.duplicates,
          since: new Date(held.since ?? env.now).toISOString(),
        }
      : null;
  const timestamp = new Date(env.now).toISOString();
  const msg = buildMessage({
    workspaceId: alert.workspaceId,
    alert: { id: alert.id, name: alert.name, kind: alert.kind },
    items,
    context: ctx,
    heldBack,
    consoleUrl: env.consoleUrl,
    timestamp,
  });
  await insertNotification(sql, {
    id: newId("msg"),
    workspaceId: alert.workspaceId,
    alertId: alert.id,
    alertName: alert.name,
    alertKind: alert.kind,
    channelId,
    channelKind: channel.kind,
    eventType: msg.eventType,
    summary: msg.summary,
    itemCount: msg.itemCount,
    body: JSON.stringify(msg.body),
    now: env.now,
  });
  await logSent(sql, channelId, env.now);
  return 1;
}
