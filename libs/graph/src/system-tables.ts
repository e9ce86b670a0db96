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

export const rulesSchema = systemTable(
  "rules",
  "Managed and custom rules of the workspace (deleted custom rules keep their row)",
  [
    [
      "rule_id",
      "VARCHAR",
      "Rule id: a readable slug for managed rules (eidsca-ap04), rule_… for custom ones",
    ],
    ["title", "VARCHAR", "Title"],
    ["description", "VARCHAR", "What the rule checks"],
    ["rationale", "VARCHAR", "Why it matters"],
    ["severity", "VARCHAR", "critical, high, medium, low or info"],
    ["tags", "VARCHAR[]", "Tags"],
    ["packs", "VARCHAR[]", "Packs it belongs to (cisa-ms-aad, eidsca, essentials, custom packs)"],
    [
      "framework_references",
      "JSON",
      "Framework controls it implements: [{framework, id, url}] (e.g. EIDSCA.AP04, MS.AAD.8.2v1)",
    ],
    ["remediation", "JSON", "How to fix it: {text, url}"],
    ["queries", "JSON", "The SQL that returns the violating resources: [{sql, description}]"],
    ["evaluation", "JSON", "Verdict: {kind: any_row} or {kind: threshold, op, value}"],
    ["managed", "BOOLEAN", "Shipped with Tenantlens (read-only; can be disabled per workspace)"],
    ["enabled", "BOOLEAN", "Evaluated in this workspace"],
    ["version", "VARCHAR", "Managed: content hash of the shipped rule; custom: increments on every save"],
    ["created_at", "TIMESTAMPTZ", "When it was created (managed: first published to the workspace)"],
    ["updated_at", "TIMESTAMPTZ", "Last change"],
    ["updated_by", "VARCHAR", "API key that last changed it (null for managed rules)"],
    ["deleted_at", "TIMESTAMPTZ", "When a custom rule was deleted (null while it exists)"],
  ],
);

export const ruleEvaluationsSchema = systemTable(
  "rule_evaluations",
  "Every evaluation of a rule for an integration: status, violation count, duration, error",
  [
    ["run_id", "VARCHAR", "Evaluation run (all rules of a workspace over one generation)"],
    ["rule_id", "VARCHAR", "Rule (rules.rule_id)"],
    ["integration_id", "VARCHAR", "Integration whose rows were judged"],
    ["generation_id", "BIGINT", "Generation the rule read"],
    ["status", "VARCHAR", "passing, failing or error"],
    ["violation_count", "BIGINT", "Open (not suppressed) violations after the evaluation"],
    ["duration_ms", "DOUBLE", "Time the rule's queries took"],
    ["error", "VARCHAR", "DuckDB's message when status is error"],
    ["evaluated_at", "TIMESTAMPTZ", "When the run evaluated it"],
  ],
);

export const ruleViolationsSchema = systemTable(
  "rule_violations",
  "Current state of every violation: one row per (integration, rule, resource), open, resolved or suppressed",
  [
    ["integration_id", "VARCHAR", "Integration"],
    ["rule_id", "VARCHAR", "Rule (rules.rule_id)"],
    ["resource_id", "VARCHAR", "Id of the violating resource (e.g. azuread_user.id)"],
    ["resource_table", "VARCHAR", "Table the resource lives in"],
    ["display_name", "VARCHAR", "Name of the resource when the rule last reported it"],
    ["details", "JSON", "What the rule's query returned about it"],
    ["state", "VARCHAR", "open, resolved or suppressed"],
    ["first_seen_at", "TIMESTAMPTZ", "First evaluation that found it"],
    ["last_seen_at", "TIMESTAMPTZ", "Last evaluation that found it"],
    ["resolved_at", "TIMESTAMPTZ", "When it was last resolved (null while open)"],
    [
      "suppression_id",
      "VARCHAR",
      "Suppression hiding it (rule_suppressions.suppression_id) while suppressed",
    ],
    ["updated_at", "TIMESTAMPTZ", "Last transition"],
  ],
);

export const ruleViolationEventsSchema = systemTable(
  "rule_violation_events",
  "Every violation transition: opened, resolved, reopened, suppressed, unsuppressed",
  [
    ["event_id", "VARCHAR", "Unique id of the transition"],
    ["run_id", "VARCHAR", "Run (or suppression action) that caused it"],
    ["integration_id", "VARCHAR", "Integration"],
    ["rule_id", "VARCHAR", "Rule (rules.rule_id)"],
    ["resource_id", "VARCHAR", "Id of the resource"],
    ["resource_table", "VARCHAR", "Table the resource lives in"],
    ["display_name", "VARCHAR", "Name of the resource"],
    ["transition", "VARCHAR", "opened, resolved, reopened, suppressed or unsuppressed"],
    ["state", "VARCHAR", "State after the transition: open, resolved or suppressed"],
    ["actor", "VARCHAR", "Who suppressed or unsuppressed it (null for evaluations)"],
    ["reason", "VARCHAR", "Suppression reason, or why it reopened"],
    ["suppression_id", "VARCHAR", "Suppression involved, if any"],
    ["expires_at", "TIMESTAMPTZ", "Suppression expiry, if any"],
    ["details", "JSON", "What the rule's query returned about the resource"],
    ["generation_id", "BIGINT", "Generation evaluated (0 for suppression actions)"],
    ["occurred_at", "TIMESTAMPTZ", "When it happened"],
  ],
);

export const ruleSuppressionsSchema = systemTable(
  "rule_suppressions",
  "Suppressions of one violation or of every violation of a resource: who, why, until when",
  [
    ["suppression_id", "VARCHAR", "Suppression id"],
    ["scope", "VARCHAR", "violation (one rule and resource) or resource (every rule)"],
    ["integration_id", "VARCHAR", "Integration (null: every integration of the workspace)"],
    ["rule_id", "VARCHAR", "Rule (null for resource suppressions)"],
    ["resource_id", "VARCHAR", "Resource id"],
    ["reason", "VARCHAR", "Why it is suppressed"],
    ["actor", "VARCHAR", "API key that created it"],
    ["created_at", "TIMESTAMPTZ", "When it was created"],
    ["expires_at", "TIMESTAMPTZ", "When it ends by itself (null: until lifted)"],
    ["state", "VARCHAR", "active, expired or lifted"],
    ["ended_at", "TIMESTAMPTZ", "When it expired or was lifted"],
    ["ended_by", "VARCHAR", "Who lifted it"],
    ["updated_at", "TIMESTAMPTZ", "Last change"],
  ],
);

export const complianceScoresSchema = systemTable(
  "compliance_scores",
  "Compliance score per pack and integration at each evaluation (passing ÷ evaluated rules)",
  [
    ["run_id", "VARCHAR", "Evaluation run"],
    ["integration_id", "VARCHAR", "Integration"],
    ["pack_id", "VARCHAR", "Pack (cisa-ms-aad, eidsca, essentials or a custom pack)"],
    ["pack_title", "VARCHAR", "Pack title"],
    ["score", "DOUBLE", "0..100: passing ÷ (passing + failing) rules"],
    ["previous_score", "DOUBLE", "Score of the previous evaluation (null: first)"],
    ["passing", "BIGINT", "Rules passing"],
    ["failing", "BIGINT", "Rules failing"],
    ["errors", "BIGINT", "Rules whose query failed (not counted in the score)"],
    ["evaluated", "BIGINT", "Rules with a verdict (passing + failing)"],
    ["generation_id", "BIGINT", "Generation evaluated"],
    ["recorded_at", "TIMESTAMPTZ", "When it was recorded"],
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

export const provisioningOperationsSchema = systemTable(
  "provisioning_operations",
  "Every provisioning operation (create, update, enable/disable, group membership, offboard), dry runs included: who asked, each Graph request with its status, and the outcome",
  [
    [
      "operation_id",
      "VARCHAR",
      "Operation id (op_…), derived from the workspace and the client's request id",
    ],
    ["integration_id", "VARCHAR", "Integration (tenant) it changed"],
    ["request_id", "VARCHAR", "Client-supplied idempotency key"],
    ["actor", "VARCHAR", "API key id that asked"],
    [
      "kind",
      "VARCHAR",
      "create_user, update_user, enable_user, disable_user, add_group_member, remove_group_member or offboard_user",
    ],
    ["input", "JSON", "The request as asked (passwords replaced by ***)"],
    ["dry_run", "BOOLEAN", "A dry run: nothing was written"],
    ["status", "VARCHAR", "running, planned (dry run), succeeded, partial, failed or refused"],
    ["summary", "VARCHAR", "What was and was not done, in words"],
    ["target_user_id", "VARCHAR", "Object id of the user it is about"],
    [
      "steps",
      "JSON",
      "Each Graph request {name, request:{method,url,body}, outcome, httpStatus, attempts, error}",
    ],
    ["started_at", "TIMESTAMPTZ", "When it started"],
    ["finished_at", "TIMESTAMPTZ", "When it ended (null while running)"],
    ["updated_at", "TIMESTAMPTZ", "Last state change"],
  ],
);

/** Every system table the warehouse has today. */
export const systemTableSchemas: readonly SystemTableSchema[] = [
  integrationsSchema,
  pollsSchema,
  queryHistorySchema,
  rulesSchema,
  ruleEvaluationsSchema,
  ruleViolationsSchema,
  ruleViolationEventsSchema,
  ruleSuppressionsSchema,
  complianceScoresSchema,
  notificationsSchema,
  provisioningOperationsSchema,
];

export function systemTableSchema(name: string): SystemTableSchema | undefined {
  return systemTableSchemas.find((t) => t.name === name);
}
