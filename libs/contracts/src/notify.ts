import { z } from "zod";
import { IntegrationId, PollId, Timestamp, WorkspaceId } from "./common.js";
import { defineEvent, defineRequest } from "./define.js";
import { IntegrationStatus } from "./integration.js";
import { PackId, RuleId, RuleStatus, Severity, ViolationState, ViolationTransition } from "./rules.js";
import { SavedQueryId } from "./saved-query.js";

/**
 * The notifier: channels (where alerts go), alerts (what is worth telling), the delivery log, and
 * the JSON bodies webhooks receive. Every request carries the workspace it acts in and the actor
 * (API key id) who asked, so the gateway maps REST bodies 1:1 onto them: the `*Input` schemas are
 * the REST bodies, the requests add `workspaceId` and `actor`.
 */

export const ChannelId = z.string().regex(/^ch_[a-z0-9]{8,40}$/, "not a channel id");
export const AlertId = z.string().regex(/^al_[a-z0-9]{8,40}$/, "not an alert id");
/** Also the `webhook-id` of a webhook delivery: the same on every attempt of one message. */
export const NotificationId = z.string().regex(/^msg_[a-z0-9]{8,40}$/, "not a notification id");

const Actor = z.string().min(1).max(200);
const Name = z.string().trim().min(1, "name is required").max(200);
const Scope = { workspaceId: WorkspaceId, actor: Actor };

export const ChannelKind = z.enum(["email", "webhook"]);
export type ChannelKind = z.infer<typeof ChannelKind>;

/**
 * Per channel: at most `maxMessages` in any `windowSeconds` (more is held back and sent, summarised,
 * once the window allows), and the same item (e.g. one rule turning failing) at most once per
 * `dedupSeconds` (0: no deduplication).
 */
export const ChannelLimits = z.strictObject({
  maxMessages: z.number().int().min(1).max(1_000).default(10),
  windowSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(3_600),
  dedupSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(3_600),
});
export type ChannelLimits = z.infer<typeof ChannelLimits>;

/** Headers the notifier sets itself, or that would break HTTP framing: never taken from a channel. */
export const RESERVED_WEBHOOK_HEADERS = [
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "user-agent",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
] as const;

const HeaderName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "not a valid header name");
const isReserved = (name: string) =>
  (RESERVED_WEBHOOK_HEADERS as readonly string[]).includes(name.toLowerCase()) ||
  name.toLowerCase().startsWith("proxy-");
const HeaderValue = z
  .string()
  .max(4_000)
  .regex(/^[^\r\n\0]*$/, "header values cannot contain line breaks");

/** Custom headers sent with every delivery (e.g. an Authorization token); sealed at rest, never shown. */
export const WebhookHeaders = z
  .record(HeaderName, HeaderValue)
  .refine((h) => !Object.keys(h).some(isReserved), {
    message: `reserved header: the notifier sets ${RESERVED_WEBHOOK_HEADERS.join(", ")} itself`,
  })
  .refine((h) => Object.keys(h).length <= 20, { message: "at most 20 headers" })
  .refine((h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length, {
    message: "a header is given twice (names are case-insensitive)",
  });

/** http(s) only, no credentials in the URL. Whether the target is allowed is checked by the notifier. */
export const WebhookUrl = z
  .string()
  .trim()
  .max(2_000)
  .refine(
    (raw) => {
      try {
        const u = new URL(raw);
        return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { message: "expected an http:// or https:// URL without user name or password" },
  );

export const EmailRecipients = z
  .array(z.email({ error: "not an email address" }).max(320))
  .min(1, "at least one recipient")
  .max(50, "at most 50 recipients");

const ChannelCommonInput = {
  name: Name,
  /** Default true. A channel that answered 410 Gone is disabled; enabling it again resumes deliveries. */
  enabled: z.boolean().optional(),
  limits: ChannelLimits.optional(),
};

export const EmailChannelInput = z.strictObject({
  kind: z.literal("email"),
  ...ChannelCommonInput,
  recipients: EmailRecipients,
});
export const WebhookChannelInput = z.strictObject({
  kind: z.literal("webhook"),
  ...ChannelCommonInput,
  url: WebhookUrl,
  headers: WebhookHeaders.optional(),
});
/** REST body of POST /api/channels. */
export const ChannelCreateInput = z.discriminatedUnion("kind", [EmailChannelInput, WebhookChannelInput]);
export type ChannelCreateInput = z.infer<typeof ChannelCreateInput>;

/** REST body of PATCH /api/channels/:id: `recipients` for email channels, `url`/`headers` for webhooks. */
export const ChannelUpdateInput = z.strictObject({
  name: Name.optional(),
  enabled: z.boolean().optional(),
  limits: ChannelLimits.partial().optional(),
  recipients: EmailRecipients.optional(),
  url: WebhookUrl.optional(),
  /** Replaces every custom header; `{}` removes them. */
  headers: WebhookHeaders.optional(),
});
export type ChannelUpdateInput = z.infer<typeof ChannelUpdateInput>;

/** A channel as users see it: never the signing secret or a header value. */
export const Channel = z.object({
  id: ChannelId,
  workspaceId: WorkspaceId,
  name: z.string(),
  kind: ChannelKind,
  enabled: z.boolean(),
  /** Why the notifier disabled it (e.g. the endpoint answered 410 Gone); null when enabled by hand. */
  disabledReason: z.string().nullable(),
  /** Email channels. */
  recipients: z.array(z.string()).optional(),
  /** Webhook channels. */
  url: z.string().optional(),
  headerNames: z.array(z.string()).optional(),
  /** First characters of the signing secret, to tell secrets apart (`whsec_AbCd…`). */
  secretHint: z.string().optional(),
  /** Until then deliveries are also signed with the previous secret (after a rotation). */
  previousSecretExpiresAt: Timestamp.nullable().optional(),
  limits: z.object({
    maxMessages: z.number().int(),
    windowSeconds: z.number().int(),
    dedupSeconds: z.number().int(),
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  createdBy: z.string(),
  updatedBy: z.string(),
});
export type Channel = z.infer<typeof Channel>;

/** Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export const WebhookSecret = z.string().regex(/^whsec_[A-Za-z0-9+/]{40,88}={0,2}$/);

const ChannelRef = z.object({ workspaceId: WorkspaceId, id: ChannelId });

export const ChannelCreate = defineRequest({
  subject: "notifier.channel.create",
  service: "notifier",
  callers: ["gateway"],
  errors: [],
  request: z.discriminatedUnion("kind", [EmailChannelInput.extend(Scope), WebhookChannelInput.extend(Scope)]),
  /** `secret`: webhook channels only, returned this once. */
  response: z.object({ channel: Channel, secret: WebhookSecret.optional() }),
});

export const ChannelList = defineRequest({
  subject: "notifier.channel.list",
  service: "notifier",
  callers: ["gateway"],
  errors: [],
  request: z.object({ workspaceId: WorkspaceId }),
  response: z.object({ channels: z.array(Channel) }),
});

export const ChannelGet = defineRequest({
  subject: "notifier.channel.get",
  service: "notifier",
  callers: ["gateway"],
  errors: ["not_found"],
  request: ChannelRef,
  response: z.object({ channel: Channel }),
});

export const ChannelUpdate = defineRequest({
  subject: "notifier.channel.update",
  service: "notifier",
  callers: ["gateway"],
  errors: ["not_found"],
  request: ChannelUpdateInput.extend({ ...Scope, id: ChannelId }),
  response: z.object({ channel: Channel }),
});

/** `conflict` while alerts still send to it (the message names them). */
export const ChannelDelete = defineRequest({
  subject: "notifier.channel.delete",
  service: "notifier",
  callers: ["gateway"],
  errors: ["not_found", "conflict"],
  request: ChannelRef.extend({ actor: Actor }),
  response: z.object({ deleted: z.literal(true) }),
});

/** REST body of POST /api/channels/:id/rotate. */
export const ChannelRotateInput = z.strictObject({
  /** How long deliveries stay signed with the old secret too (default 24 h; 0 = stop at once). */
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(86_400),
});

/** Webhook channels: a new signing secret, returned this once. */
export const ChannelRotate = defineRequest({
  subject: "notifier.channel.rotate",
  service: "notifier",
  callers: ["gateway"],
  errors: ["not_found"],
  request: ChannelRotateInput.extend({ ...Scope, id: ChannelId }),
  response: z.object({ channel: Channel, secret: WebhookSecret }),
});

// ---------------------------------------------------------------------------------------------
// Alerts

export const AlertKind = z.enum(["rule", "change", "query", "integration", "compliance"]);
export type AlertKind = z.infer<typeof AlertKind>;

export const RuleAlertTrigger = z.enum(["status_changed", ...ViolationTransition.options]);
export type RuleAlertTrigger = z.infer<typeof RuleAlertTrigger>;

const IntegrationIds = z.array(IntegrationId).max(100);

/** Rule alerts: a rule's status changed and/or violations changed. Absent lists match everything. */
export const RuleAlertFilters = z.strictObject({
  ruleIds: z.array(RuleId).max(200).optional(),
  /** A rule matches when it belongs to any of these packs. */
  packIds: z.array(PackId).max(50).optional(),
  severities: z.array(Severity).min(1).optional(),
  integrationIds: IntegrationIds.optional(),
  /** What to tell (default: status changes, violations opened and reopened). */
  on: z.array(RuleAlertTrigger).min(1).default(["status_changed", "opened", "reopened"]),
});

/** Change-alert conditions beyond table/type/fields, each a fixed, documented check. */
export const ChangeCondition = z.enum([
  /** azuread_group_member: the group is role-assignable (`is_assignable_to_role`). */
  "role_assignable_group",
  /** azuread_application / azuread_service_principal: a password or key credential id appeared. */
  "credential_added",
]);
export type ChangeCondition = z.infer<typeof ChangeCondition>;

/** Change alerts: directory objects changed in a collection. */
export const ChangeAlertFilters = z.strictObject({
  /** A resource table, e.g. `azuread_user` (its history is `<table>_changes`). */
  table: z.string().regex(/^azuread_[a-z0-9_]+$/, "a resource table such as azuread_user"),
  changeTypes: z
    .array(z.enum(["added", "modified", "removed"]))
    .min(1)
    .default(["added", "modified", "removed"]),
  /** Modifications only count when one of these changed: column names (`account_enabled`) or Graph properties. */
  fields: z
    .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,100}$/))
    .max(50)
    .optional(),
  integrationIds: IntegrationIds.optional(),
  condition: ChangeCondition.optional(),
});

/** Query alerts: the saved query's rows changed between generations. */
export const QueryAlertFilters = z.strictObject({
  savedQueryId: SavedQueryId,
  on: z
    .array(z.enum(["rows_added", "rows_removed"]))
    .min(1)
    .default(["rows_added", "rows_removed"]),
});

/** Integration alerts: status changes (e.g. to broken: credentials invalid, consent revoked) and failed polls. */
export const IntegrationAlertFilters = z.strictObject({
  integrationIds: IntegrationIds.optional(),
  /** Alert when the status becomes one of these (default broken). */
  statuses: z.array(IntegrationStatus).default(["broken"]),
  /** Alert when a poll fails (default true). */
  pollFailed: z.boolean().default(true),
});

/** Compliance alerts: a pack's score fell below `threshold` (percent). */
export const ComplianceAlertFilters = z.strictObject({
  threshold: z.number().min(0).max(100),
  packIds: z.array(PackId).max(50).optional(),
  integrationIds: IntegrationIds.optional(),
});

export const alertFilterSchemas = {
  rule: RuleAlertFilters,
  change: ChangeAlertFilters,
  query: QueryAlertFilters,
  integration: IntegrationAlertFilters,
  compliance: ComplianceAlertFilters,
} as const;

export type AlertFiltersOf<K extends AlertKind> = z.infer<(typeof alertFilterSchemas)[K]>;

const ChannelIds = z
  .array(ChannelId)
  .min(1, "at least one channel")
  .max(10)
  .refine((ids) => new Set(ids).size === ids.length, { message: "a channel is listed twice" });

const AlertCommonInput = {
  name: Name,
  channelIds: ChannelIds,
  /** Default true. */
  enabled: z.boolean().optional(),
};

const alertInput = <K extends AlertKind>(kind: K) =>
  z.strictObject({ kind: z.literal(kind), ...AlertCommonInput, filters: alertFilterSchemas[kind] });

export const RuleAlertInput = alertInput("rule");
export const ChangeAlertInput = alertInput("change");
export const QueryAlertInput = alertInput("query");
export const IntegrationAlertInput = alertInput("integration");
export const ComplianceAlertInput = alertInput("compliance");

/** REST body of POST /api/alerts. */
export const AlertCreateInput = z.discriminatedUnion("kind", [
  RuleAlertInput,
  ChangeAlertInput,
  QueryAlertInput,
  IntegrationAlertInput,
  ComplianceAlertInput,
]);
export type AlertCreateInput = z.infer<typeof AlertCreateInput>;

/** REST body of PATCH /api/alerts/:id. `filters` replaces the filters and must fit the alert's kind. */
export const AlertUpdateInput = z.strictObject({
  name: Name.optional(),
  channelIds: ChannelIds.optional(),
  enabled: z.boolean().optional(),
  /** One of the filter objects above; checked against the alert's kind by the notifier. */
  filters: z.record(z.string(), z.unknown()).optional(),
});
export type AlertUpdateInput = z.infer<typeof AlertUpdateInput>;

const AlertCommon = {
  id: AlertId,
  workspaceId: WorkspaceId,
  name: z.string(),
  channelIds: z.array(ChannelId),
  enabled: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  createdBy: z.string(),
  updatedBy: z.string(),
  /** Last time it produced a notification. */
  lastTriggeredAt: Timestamp.nullable(),
  /** Why its last evaluation failed (e.g. the saved query was deleted); null when fine. */
  lastError: z.string().nullable(),
};

export const Alert = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("rule"), ...AlertCommon, filters: RuleAlertFilters }),
  z.object({ kind: z.literal("change"), ...AlertCommon, filters: ChangeAlertFilters }),
  z.object({ kind: z.literal("query"), ...AlertCommon, filters: QueryAlertFilters }),
  z.object({ kind: z.literal("integration"), ...AlertCommon, filters: IntegrationAlertFilters }),
  z.object({ kind: z.literal("compliance"), ...AlertCommon, filters: ComplianceAlertFilters }),
]);
export type Alert = z.infer<typeof Alert>;

const AlertRef = z.object({ workspaceId: WorkspaceId, id: AlertId });

export const AlertCreate = defineRequest({
  subject: "notifier.alert.create",
  service: "notifier",
  callers: ["gateway"],
  errors: [],
  request: z.discriminatedUnion("kind", [
    RuleAlertInput.extend(Scope),
    ChangeAlertInput.extend(Scope),
    QueryAlertInput.extend(Scope),
    IntegrationAlertInput.extend(Scope),
    ComplianceAlertInput.extend(Scope),
  ]),
  response: z.object({ alert: Alert }),
});

export const AlertList = defineRequest({
  subject: "notifier.alert.list",
  service: "notifier",
  callers: ["gateway"],
  errors: [],
  request: z.object({
    workspaceId: WorkspaceId,
    kind: AlertKind.optional(),
    channelId: ChannelId.optional(),
  }),
  response: z.object({ alerts: z.array(Alert) }),
});

export const AlertGet = defineRequest({
  subject: "notifier.alert.get",
  service: "notifier",
  callers: ["gateway"],
  errors: ["not_found"],
  request: AlertRef,
  response: z.object({ alert: Alert }),
});

export const AlertUpdate = defineRequest({
  subject: "notifier.alert.update",
  service: "notifier",
  callers: ["gateway"],
  errors: ["not_found"],
  request: AlertUpdateInput.extend({ ...Scope, id: AlertId }),
  response: z.object({ alert: Alert }),
});

export const AlertDelete = defineRequest({
  subject: "notifier.alert.delete",
  service: "notifier",
  callers: ["gateway"],
  errors: ["not_found"],
  request: AlertRef.extend({ actor: Actor }),
  response: z.object({ deleted: z.literal(true) }),
});

// ---------------------------------------------------------------------------------------------
// Delivery log

/**
 * queued: waiting for its first attempt; retrying: an attempt failed, another is scheduled;
 * delivered: accepted (2xx / SMTP 250); failed: will not be retried (410 Gone, refused target,
 * permanent SMTP rejection, channel disabled or deleted); dead_lettered: every attempt failed.
 */
export const NotificationStatus = z.enum(["queued", "retrying", "delivered", "failed", "dead_lettered"]);
export type NotificationStatus = z.infer<typeof NotificationStatus>;

export const WebhookEventType = z.enum([
  "rule.results_changed",
  "resource.changed",
  "query.result_changed",
  "integration.status_changed",
  "compliance.score_dropped",
  "channel.test",
]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** One message to one channel (a digest of everything one alert matched in one run or generation). */
export const Notification = z.object({
  id: NotificationId,
  workspaceId: WorkspaceId,
  /** Null for a channel test. */
  alertId: AlertId.nullable(),
  alertName: z.string().nullable(),
  alertKind: AlertKind.nullable(),
  channelId: ChannelId,
  channelKind: ChannelKind,
  eventType: WebhookEventType,
  /** One line: what the message says (also the email subject). */
  summary: z.string(),
  /** Items it carries (violations, changes, rows, …). */
  itemCount: z.number().int().nonnegative(),
  status: NotificationStatus,
  attempts: z.number().int().nonnegative(),
  /** HTTP status of the last webhook attempt, or the SMTP reply code. */
  responseCode: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastAttemptAt: Timestamp.nullable(),
  nextAttemptAt: Timestamp.nullable(),
  deliveredAt: Timestamp.nullable(),
});
export type Notification = z.infer<typeof Notification>;

export const NotificationList = defineRequest({
  subject: "notifier.notification.list",
  service: "notifier",
  callers: ["gateway"],
  errors: [],
  request: z.object({
    workspaceId: WorkspaceId,
    alertId: AlertId.optional(),
    channelId: ChannelId.optional(),
    status: NotificationStatus.optional(),
    limit: z.number().int().min(1).max(500).default(50),
    /** Page backwards: only notifications created before this time. */
    before: Timestamp.optional(),
  }),
  response: z.object({ notifications: z.array(Notification) }),
});

/** POST /api/channels/:id/test: one attempt at once, no retries; the answer says how it went. */
export const ChannelTest = defineRequest({
  subject: "notifier.channel.test",
  service: "notifier",
  callers: ["gateway"],
  errors: ["not_found"],
  request: ChannelRef.extend({ actor: Actor }),
  response: z.object({ notification: Notification }),
});

/** Every change of a notification's state; the store keeps the latest per id as `notifications`. */
export const DeliveryRecorded = defineEvent({
  subject: "notifier.delivery.recorded",
  stream: "TL_NOTIFY",
  publishers: ["notifier"],
  consumers: ["store"],
  schema: Notification,
  token: (p) => p.workspaceId,
  msgId: (p) => `${p.id}:${p.attempts}:${p.status}:${p.updatedAt}`,
});

// ---------------------------------------------------------------------------------------------
// Webhook bodies (Standard Webhooks envelope: type, timestamp, data). Stable: fields are only added.

export const AlertSummary = z.object({ id: AlertId, name: z.string(), kind: AlertKind });

/** What earlier messages of this alert to this channel held back (rate limit) or left out (duplicates). */
export const HeldBack = z.object({
  /** Items delayed by the channel's rate limit and included in this message. */
  delayed: z.number().int().nonnegative(),
  /** Items not sent again because the same item was sent within the channel's dedup window. */
  duplicates: z.number().int().nonnegative(),
  /** Oldest held-back item. */
  since: Timestamp,
});

const Links = z.object({ console: z.string().url() });

const digest = <T extends z.ZodType>(item: T) => ({
  workspaceId: WorkspaceId,
  alert: AlertSummary,
  summary: z.string(),
  items: z.array(item),
  /** Items matched; `items` holds at most 100 of them (`omitted` = the rest). */
  total: z.number().int().nonnegative(),
  omitted: z.number().int().nonnegative(),
  heldBack: HeldBack.nullable(),
  links: Links,
});

const RuleInfo = {
  ruleId: RuleId,
  title: z.string(),
  severity: Severity,
  packs: z.array(PackId),
  integrationId: IntegrationId,
};

export const RuleStatusItem = z.object({
  type: z.literal("rule_status"),
  ...RuleInfo,
  from: RuleStatus.nullable(),
  to: RuleStatus,
  violationCount: z.number().int().nonnegative(),
  at: Timestamp,
});
export const ViolationItem = z.object({
  type: z.literal("violation"),
  ...RuleInfo,
  transition: ViolationTransition,
  state: ViolationState,
  resourceId: z.string(),
  table: z.string(),
  displayName: z.string().nullable(),
  details: z.unknown().optional(),
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  resolvedAt: Timestamp.nullable(),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  expiresAt: Timestamp.nullable(),
  at: Timestamp,
});
export const RuleItem = z.discriminatedUnion("type", [RuleStatusItem, ViolationItem]);
export type RuleItem = z.infer<typeof RuleItem>;

export const ChangeItem = z.object({
  changeId: z.string(),
  integrationId: z.string(),
  table: z.string(),
  resourceId: z.string(),
  displayName: z.string().nullable(),
  changeType: z.enum(["added", "modified", "removed"]),
  /** Graph properties that changed (modified only). */
  fields: z.array(z.string()),
  /** Before and after of the changed properties (values longer than 1,000 characters are cut). */
  changes: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
  /** For condition role_assignable_group: the group. */
  group: z.object({ id: z.string(), displayName: z.string().nullable() }).nullable(),
  recordedAt: Timestamp,
  pollId: z.string(),
});
export type ChangeItem = z.infer<typeof ChangeItem>;

export const QueryRowItem = z.object({
  change: z.enum(["added", "removed"]),
  row: z.record(z.string(), z.unknown()),
});
export type QueryRowItem = z.infer<typeof QueryRowItem>;

export const IntegrationItem = z.object({
  integrationId: IntegrationId,
  integrationName: z.string().nullable(),
  event: z.enum(["status_changed", "poll_failed"]),
  /** status_changed: previous status (null: first seen) and the new one. */
  from: IntegrationStatus.nullable(),
  to: IntegrationStatus.nullable(),
  /** Why (the status reason, or the poll's error). */
  reason: z.string().nullable(),
  pollId: PollId.nullable(),
  at: Timestamp,
});
export type IntegrationItem = z.infer<typeof IntegrationItem>;

export const ComplianceItem = z.object({
  packId: PackId,
  packTitle: z.string(),
  integrationId: IntegrationId,
  score: z.number(),
  previousScore: z.number().nullable(),
  threshold: z.number(),
  passing: z.number().int(),
  failing: z.number().int(),
  errors: z.number().int(),
  evaluated: z.number().int(),
  runId: z.string(),
  at: Timestamp,
});
export type ComplianceItem = z.infer<typeof ComplianceItem>;

const envelope = <T extends WebhookEventType, D extends z.ZodType>(type: T, data: D) =>
  z.object({ type: z.literal(type), timestamp: Timestamp, data });

export const RuleResultsChangedBody = envelope(
  "rule.results_changed",
  z.object({ ...digest(RuleItem), runId: z.string().nullable(), generationId: z.number().int() }),
);
export const ResourceChangedBody = envelope(
  "resource.changed",
  z.object({ ...digest(ChangeItem), generationId: z.number().int(), pollIds: z.array(z.string()) }),
);
export const QueryResultChangedBody = envelope(
  "query.result_changed",
  z.object({
    ...digest(QueryRowItem),
    savedQuery: z.object({ id: SavedQueryId, name: z.string() }),
    generationId: z.number().int(),
    /** Rows the query returns now. */
    rowCount: z.number().int().nonnegative(),
    rowsAdded: z.number().int().nonnegative(),
    rowsRemoved: z.number().int().nonnegative(),
  }),
);
export const IntegrationStatusChangedBody = envelope(
  "integration.status_changed",
  z.object(digest(IntegrationItem)),
);
export const ComplianceScoreDroppedBody = envelope(
  "compliance.score_dropped",
  z.object(digest(ComplianceItem)),
);
export const ChannelTestBody = envelope(
  "channel.test",
  z.object({
    workspaceId: WorkspaceId,
    channel: z.object({ id: ChannelId, name: z.string() }),
    message: z.string(),
    links: Links,
  }),
);

/** Every webhook body, by `type`. */
export const WebhookBody = z.discriminatedUnion("type", [
  RuleResultsChangedBody,
  ResourceChangedBody,
  QueryResultChangedBody,
  IntegrationStatusChangedBody,
  ComplianceScoreDroppedBody,
  ChannelTestBody,
]);
export type WebhookBody = z.infer<typeof WebhookBody>;
