import { randomBytes } from "node:crypto";
import {
  AlertKind,
  type Channel,
  ChannelKind,
  type Notification,
  NotificationStatus,
  WebhookEventType,
} from "@tenantlens/contracts";
import { Sealed } from "@tenantlens/secrets";
import { z } from "zod";

/** What the notifier keeps per channel: the public view plus the sealed secrets. */
export const StoredChannel = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  kind: ChannelKind,
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  recipients: z.array(z.string()).optional(),
  url: z.string().optional(),
  headerNames: z.array(z.string()).optional(),
  /** JSON object of custom headers, sealed with AAD `<channelId>|webhook_headers`. */
  sealedHeaders: Sealed.nullable().optional(),
  /** Signing secret, sealed with AAD `<channelId>|webhook_secret`. */
  sealedSecret: Sealed.optional(),
  secretHint: z.string().optional(),
  sealedPreviousSecret: Sealed.nullable().optional(),
  previousSecretExpiresAt: z.string().nullable().optional(),
  limits: z.object({
    maxMessages: z.number().int(),
    windowSeconds: z.number().int(),
    dedupSeconds: z.number().int(),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  updatedBy: z.string(),
});
export type StoredChannel = z.infer<typeof StoredChannel>;

export const SECRET_KIND = "webhook_secret";
export const HEADERS_KIND = "webhook_headers";

export function channelView(c: StoredChannel, now = Date.now()): Channel {
  const graceOpen = c.previousSecretExpiresAt ? Date.parse(c.previousSecretExpiresAt) > now : false;
  return {
    id: c.id,
    workspaceId: c.workspaceId,
    name: c.name,
    kind: c.kind,
    enabled: c.enabled,
    disabledReason: c.disabledReason,
    ...(c.kind === "email" ? { recipients: c.recipients ?? [] } : {}),
    ...(c.kind === "webhook"
      ? {
          url: c.url ?? "",
          headerNames: c.headerNames ?? [],
          secretHint: c.secretHint ?? "",
          previousSecretExpiresAt: graceOpen ? (c.previousSecretExpiresAt ?? null) : null,
        }
      : {}),
    limits: c.limits,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    createdBy: c.createdBy,
    updatedBy: c.updatedBy,
  };
}

/** Lowercase base32-ish ids: `<prefix>_` + 20 random characters. */
export function newId(prefix: "ch" | "al" | "msg"): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = randomBytes(20);
  let out = "";
  for (const b of bytes) out += alphabet[b % 32];
  return `${prefix}_${out}`;
}

/** A notification row as kept in the notifier's database (times in epoch milliseconds). */
export const NotificationRow = z.object({
  id: z.string(),
  workspace_id: z.string(),
  alert_id: z.string().nullable(),
  alert_name: z.string().nullable(),
  alert_kind: AlertKind.nullable(),
  channel_id: z.string(),
  channel_kind: ChannelKind,
  event_type: WebhookEventType,
  summary: z.string(),
  item_count: z.coerce.number(),
  body: z.string(),
  status: NotificationStatus,
  attempts: z.coerce.number(),
  response_code: z.coerce.number().nullable(),
  error: z.string().nullable(),
  created_at: z.coerce.number(),
  updated_at: z.coerce.number(),
  last_attempt_at: z.coerce.number().nullable(),
  next_attempt_at: z.coerce.number().nullable(),
  delivered_at: z.coerce.number().nullable(),
});
export type NotificationRow = z.infer<typeof NotificationRow>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function notificationView(r: NotificationRow): Notification {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    alertId: r.alert_id,
    alertName: r.alert_name,
    alertKind: r.alert_kind,
    channelId: r.channel_id,
    channelKind: r.channel_kind,
    eventType: r.event_type,
    summary: r.summary,
    itemCount: r.item_count,
    status: r.status,
    attempts: r.attempts,
    responseCode: r.response_code,
    error: r.error,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    lastAttemptAt: iso(r.last_attempt_at),
    nextAttemptAt: r.status === "queued" || r.status === "retrying" ? iso(r.next_attempt_at) : null,
    deliveredAt: iso(r.delivered_at),
  };
}
