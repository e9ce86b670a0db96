import type { ColumnDef, ColumnType } from "./types.js";

/**
 * A table the warehouse keeps about Tenantlens itself (not about a tenant's directory). The store
 * writes them from events; the query service documents them. Both read these declarations.
 */
export interface SystemTableSchema {
  name: string;
  description: string;
  columns: ColumnDef[];
}

type Col = [name: string, type: ColumnType, description: string];

function systemTable(name: string, description: string, cols: Col[]): SystemTableSchema {
  return {
    name,
    description,
    columns: cols.map(([n, type, d]) => ({ name: n, property: null, type, description: d })),
  };
}

export const integrationsSchema = systemTable(
  "integrations",
  "Connected Entra tenants (one row per integration, deleted ones keep their row)",
  [
    ["integration_id", "VARCHAR", "Integration id"],
    ["name", "VARCHAR", "Name given when it was connected"],
    ["tenant_id", "VARCHAR", "Entra tenant id"],
    ["auth_mode", "VARCHAR", "'app' (client credentials) or 'delegated'"],
    ["client_id", "VARCHAR", "Application (client) id used"],
    ["status", "VARCHAR", "pending_consent, active, broken or disabled"],
    ["status_reason", "VARCHAR", "Why it is broken or pending"],
    ["enabled", "BOOLEAN", "Whether polls run"],
    ["created_at", "TIMESTAMPTZ", "When it was created"],
    ["updated_at", "TIMESTAMPTZ", "Last change"],
    ["deleted_at", "TIMESTAMPTZ", "When it was deleted (null while it exists)"],
  ],
);

export const pollsSchema = systemTable(
  "polls",
  "Every collection run: status, outcome, per-resource results and change counts",
  [
    ["poll_id", "VARCHAR", "Poll id"],
    ["integration_id", "VARCHAR", "Integration polled"],
    ["tenant_id", "VARCHAR", "Entra tenant id"],
    ["status", "VARCHAR", "running, succeeded, partial or failed"],
    ["outcome", "VARCHAR", "succeeded, partial or failed (null while running)"],
    ["reason", "VARCHAR", "Why it ran: manual, schedule, integration_created, integration_changed"],
    ["error", "VARCHAR", "What went wrong, if anything"],
    ["started_at", "TIMESTAMPTZ", "Start"],
    ["completed_at", "TIMESTAMPTZ", "End of collection"],
    ["committed_at", "TIMESTAMPTZ", "When its data became queryable (generation committed)"],
    ["generation_id", "BIGINT", "Generation that first contained its data"],
    ["resources", "JSON", "Per resource: mode, outcome, reason, objectCount"],
    ["added", "BIGINT", "Objects added"],
    ["modified", "BIGINT", "Objects modified"],
    ["removed", "BIGINT", "Objects removed"],
  ],
);

export const queryHistorySchema = systemTable(
  "query_history",
  "Every analyst query: who, what, when, how long, outcome",
  [
    ["query_id", "VARCHAR", "Query id"],
    ["actor", "VARCHAR", "API key or user that ran it"],
    ["sql", "VARCHAR", "SQL text"],
    ["started_at", "TIMESTAMPTZ", "Start"],
    ["duration_ms", "DOUBLE", "Duration in milliseconds"],
    ["row_count", "BIGINT", "Rows returned"],
    ["outcome", "VARCHAR", "ok, error, timeout or rejected (refused by the sandbox)"],
    ["error", "VARCHAR", "Error message"],
    ["generation_id", "BIGINT", "Generation it read"],
  ],
);

export const notificationsSchema = systemTable(
  "notifications",
  "Every email and webhook the notifier sent or tried to send: one row per message, latest state",
  [
    ["notification_id", "VARCHAR", "Notification id (also the webhook-id header of a webhook)"],
    ["alert_id", "VARCHAR", "Alert that produced it (null for a channel test)"],
    ["alert_name", "VARCHAR", "Alert name at the time"],
    ["alert_kind", "VARCHAR", "rule, change, query, integration or compliance"],
    ["channel_id", "VARCHAR", "Channel it went to"],
    ["channel_kind", "VARCHAR", "email or webhook"],
    ["event_type", "VARCHAR", "Webhook event type, e.g. rule.results_changed"],
    ["summary", "VARCHAR", "What it says (the email subject)"],
    ["item_count", "BIGINT", "Items it carries (violations, changes, rows, …)"],
    ["status", "VARCHAR", "queued, retrying, delivered, failed or dead_lettered"],
    ["attempts", "BIGINT", "Delivery attempts so far"],
    ["response_code", "BIGINT", "HTTP status of the last webhook attempt, or the SMTP reply code"],
    ["error", "VARCHAR", "Why the last attempt failed"],
    ["created_at", "TIMESTAMPTZ", "When it was created"],
    ["updated_at", "TIMESTAMPTZ", "Last state change"],
    ["last_attempt_at", "TIMESTAMPTZ", "Last attempt"],
    ["next_attempt_at", "TIMESTAMPTZ", "Next scheduled attempt (retrying)"],
    ["delivered_at", "TIMESTAMPTZ", "When it was accepted"],
  ],
);

/** Every system table the warehouse has today (rules and notifications add theirs here). */
export const systemTableSchemas: readonly SystemTableSchema[] = [
  integrationsSchema,
  pollsSchema,
  queryHistorySchema,
  notificationsSchema,
];

export function systemTableSchema(name: string): SystemTableSchema | undefined {
  return systemTableSchemas.find((t) => t.name === name);
}
