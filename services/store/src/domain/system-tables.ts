import type { EventDef, EventPayload } from "@tenantlens/contracts";
import {
  DeliveryRecorded,
  IntegrationChanged,
  OperationRecorded,
  QueryExecuted,
  RuleChanged,
  RuleEvaluated,
  ScoreRecorded,
  SuppressionChanged,
  ViolationsChanged,
} from "@tenantlens/contracts";
import {
  complianceScoresSchema,
  integrationsSchema,
  notificationsSchema,
  pollsSchema,
  provisioningOperationsSchema,
  queryHistorySchema,
  ruleEvaluationsSchema,
  ruleSuppressionsSchema,
  rulesSchema,
  ruleViolationEventsSchema,
  ruleViolationsSchema,
  type SystemTableSchema,
} from "@tenantlens/graph";
import { systemTable, type WarehouseTable } from "./table-model.js";

/** A row of a system table: column name → JS value (timestamps as ISO text, JSON as any value). */
export type SystemValues = Record<string, string | number | boolean | null | readonly unknown[] | object>;

export interface SystemRow {
  workspaceId: string;
  values: SystemValues;
}

export type SystemScalar = string | number | boolean | null;

/** Extra effects of an event beyond its rows (kept declarative so the writer stays generic). */
export type SystemEffect =
  | { kind: "purge_integration"; workspaceId: string; integrationId: string }
  /**
   * Every row of the integration in every table that names it (current tables, change history,
   * polls, rule results, set-aside messages), except its own `integrations` row (kept, deleted_at set).
   */
  | { kind: "purge_integration_data"; workspaceId: string; integrationId: string }
  /**
   * Sets columns of the rows of a system table matching `where` (a value, or a list for IN);
   * with `onlyIfOlder`, only rows where that column is null or older than its new value.
   */
  | {
      kind: "update";
      table: string;
      workspaceId: string;
      where: Record<string, SystemScalar | readonly string[]>;
      set: Record<string, SystemScalar>;
      onlyIfOlder?: string;
    };

export interface SystemSource {
  event: EventDef;
  /**
   * upsert: one row per key, replaced by newer events (`newerBy` decides which is newer);
   * append: one row per key, a repeated key is ignored.
   */
  mode: "upsert" | "append";
  newerBy?: string;
  /** The rows one event writes (any number; written together, set-based). */
  toRows(payload: unknown): SystemRow[];
  effects?(payload: unknown): SystemEffect[];
}

export interface SystemTableDecl {
  table: WarehouseTable;
  /** Columns that identify a row (within a workspace). */
  key: string[];
  /** The event that feeds it; absent when the store writes it itself (polls). */
  source?: SystemSource;
  /** Time column by which rows older than HISTORY_RETENTION_DAYS are pruned (absent: kept). */
  retainBy?: string;
}

/**
 * Declares a system table fed by one event (one event may feed several tables, each declared on its
 * own). Adding `notifications` later is one call of this function in `systemTables` below.
 */
export function defineSystemTable<E extends EventDef>(d: {
  /** Columns and descriptions, shared with the query service through libs/graph. */
  schema: SystemTableSchema;
  key: string[];
  retainBy?: string;
  source?: {
    event: E;
    mode: "upsert" | "append";
    newerBy?: string;
    toRows(payload: EventPayload<E>): SystemRow[];
    effects?(payload: EventPayload<E>): SystemEffect[];
  };
}): SystemTableDecl {
  const { name, description, columns } = d.schema;
  for (const k of [
    ...d.key,
    ...(d.source?.newerBy ? [d.source.newerBy] : []),
    ...(d.retainBy ? [d.retainBy] : []),
  ]) {
    if (!columns.some((c) => c.name === k)) throw new Error(`system table ${name}: unknown column ${k}`);
  }
  const src = d.source;
  return {
    table: systemTable(name, description, columns),
    key: d.key,
    retainBy: d.retainBy,
    // The consumer validated the payload against src.event's schema before calling these.
    source: src && {
      event: src.event,
      mode: src.mode,
      newerBy: src.newerBy,
      toRows: (p) => src.toRows(p as EventPayload<E>),
      effects: src.effects ? (p) => src.effects?.(p as EventPayload<E>) ?? [] : undefined,
    },
  };
}

export const integrationsTable = defineSystemTable({
  schema: integrationsSchema,
  key: ["integration_id"],
  source: {
    event: IntegrationChanged,
    mode: "upsert",
    newerBy: "updated_at",
    toRows: ({ change, integration: i, at }) => [
      {
        workspaceId: i.workspaceId,
        values: {
          integration_id: i.id,
          name: i.name,
          tenant_id: i.tenantId,
          auth_mode: i.authMode,
          client_id: i.clientId,
          status: i.status,
          status_reason: i.statusReason,
          enabled: i.enabled,
          created_at: i.createdAt,
          updated_at: change === "deleted" && at > i.updatedAt ? at : i.updatedAt,
          deleted_at: change === "deleted" ? at : null,
        },
      },
    ],
    // A deleted integration's objects leave the current tables (its history stays until retention);
    // deleted with purgeData, every row of it goes, history included.
    effects: ({ change, integration: i, purgeData }) =>
      change === "deleted"
        ? [
            {
              kind: purgeData ? "purge_integration_data" : "purge_integration",
              workspaceId: i.workspaceId,
              integrationId: i.id,
            },
          ]
        : [],
  },
});

export const pollsTable = defineSystemTable({
  schema: pollsSchema,
  key: ["poll_id"],
});

export const queryHistoryTable = defineSystemTable({
  schema: queryHistorySchema,
  key: ["query_id"],
  retainBy: "started_at",
  source: {
    event: QueryExecuted,
    mode: "append",
    toRows: (q) => [
      {
        workspaceId: q.workspaceId,
        values: {
          query_id: q.queryId,
          actor: q.actor,
          sql: q.sql,
          started_at: q.startedAt,
          duration_ms: q.durationMs,
          row_count: q.rowCount,
          outcome: q.outcome,
          error: q.error,
          generation_id: q.generationId,
        },
      },
    ],
  },
});

export const rulesTable = defineSystemTable({
  schema: rulesSchema,
  key: ["rule_id"],
  source: {
    event: RuleChanged,
    mode: "upsert",
    newerBy: "updated_at",
    toRows: ({ change, rule: r, at }) => [
      {
        workspaceId: r.workspaceId,
        values: {
          rule_id: r.id,
          title: r.title,
          description: r.description,
          rationale: r.rationale,
          severity: r.severity,
          tags: r.tags,
          packs: r.packs,
          framework_references: r.references,
          remediation: r.remediation,
          queries: r.queries,
          evaluation: r.evaluation,
          managed: r.managed,
          enabled: r.enabled,
          version: r.version,
          created_at: r.createdAt,
          updated_at: change === "deleted" && at > r.updatedAt ? at : r.updatedAt,
          updated_by: r.updatedBy,
          deleted_at: change === "deleted" ? at : null,
        },
      },
    ],
  },
});

export const ruleEvaluationsTable = defineSystemTable({
  schema: ruleEvaluationsSchema,
  key: ["run_id", "integration_id", "rule_id"],
  retainBy: "evaluated_at",
  source: {
    event: RuleEvaluated,
    mode: "append",
    toRows: (e) => [
      {
        workspaceId: e.workspaceId,
        values: {
          run_id: e.runId,
          rule_id: e.ruleId,
          integration_id: e.integrationId,
          generation_id: e.generationId,
          status: e.status,
          violation_count: e.violationCount,
          duration_ms: e.durationMs,
          error: e.error,
          evaluated_at: e.at,
        },
      },
    ],
    // An evaluation with a verdict saw every violation of the rule that is still open or suppressed
    // (the others were resolved in the same run), so it is their "last seen"; an error saw nothing.
    effects: (e) =>
      e.status === "error"
        ? []
        : [
            {
              kind: "update",
              table: ruleViolationsSchema.name,
              workspaceId: e.workspaceId,
              where: { integration_id: e.integrationId, rule_id: e.ruleId, state: ["open", "suppressed"] },
              set: { last_seen_at: e.at },
              onlyIfOlder: "last_seen_at",
            },
          ],
  },
});

export const ruleViolationsTable = defineSystemTable({
  schema: ruleViolationsSchema,
  key: ["integration_id", "rule_id", "resource_id"],
  source: {
    event: ViolationsChanged,
    mode: "upsert",
    newerBy: "updated_at",
    toRows: (v) =>
      v.changes.map((c) => ({
        workspaceId: v.workspaceId,
        values: {
          integration_id: v.integrationId,
          rule_id: v.ruleId,
          resource_id: c.resourceId,
          resource_table: c.table,
          display_name: c.displayName,
          details: c.details ?? null,
          state: c.state,
          first_seen_at: c.firstSeenAt,
          last_seen_at: c.lastSeenAt,
          resolved_at: c.resolvedAt,
          suppression_id: c.state === "suppressed" ? (c.suppressionId ?? null) : null,
          updated_at: v.at,
        },
      })),
  },
});

export const ruleViolationEventsTable = defineSystemTable({
  schema: ruleViolationEventsSchema,
  key: ["event_id"],
  retainBy: "occurred_at",
  source: {
    event: ViolationsChanged,
    mode: "append",
    toRows: (v) =>
      v.changes.map((c) => ({
        workspaceId: v.workspaceId,
        values: {
          event_id: `${v.runId}:${v.integrationId}:${v.ruleId}:${c.resourceId}:${c.transition}`,
          run_id: v.runId,
          integration_id: v.integrationId,
          rule_id: v.ruleId,
          resource_id: c.resourceId,
          resource_table: c.table,
          display_name: c.displayName,
          transition: c.transition,
          state: c.state,
          actor: c.actor,
          reason: c.reason,
          suppression_id: c.suppressionId ?? null,
          expires_at: c.expiresAt,
          details: c.details ?? null,
          generation_id: v.generationId,
          occurred_at: v.at,
        },
      })),
  },
});

export const ruleSuppressionsTable = defineSystemTable({
  schema: ruleSuppressionsSchema,
  key: ["suppression_id"],
  source: {
    event: SuppressionChanged,
    mode: "upsert",
    newerBy: "updated_at",
    toRows: ({ suppression: s, at }) => [
      {
        workspaceId: s.workspaceId,
        values: {
          suppression_id: s.suppressionId,
          scope: s.scope,
          integration_id: s.integrationId,
          rule_id: s.ruleId,
          resource_id: s.resourceId,
          reason: s.reason,
          actor: s.actor,
          created_at: s.createdAt,
          expires_at: s.expiresAt,
          state: s.state,
          ended_at: s.endedAt,
          ended_by: s.endedBy,
          updated_at: at,
        },
      },
    ],
  },
});

export const complianceScoresTable = defineSystemTable({
  schema: complianceScoresSchema,
  key: ["run_id", "integration_id", "pack_id"],
  retainBy: "recorded_at",
  source: {
    event: ScoreRecorded,
    mode: "append",
    toRows: (s) => [
      {
        workspaceId: s.workspaceId,
        values: {
          run_id: s.runId,
          integration_id: s.integrationId,
          pack_id: s.packId,
          pack_title: s.packTitle,
          score: s.score,
          previous_score: s.previousScore,
          passing: s.passing,
          failing: s.failing,
          errors: s.errors,
          evaluated: s.evaluated,
          generation_id: s.generationId,
          recorded_at: s.at,
        },
      },
    ],
  },
});

/** The notifier's delivery log: the latest state of each message (attempts, status, response). */
export const notificationsTable = defineSystemTable({
  schema: notificationsSchema,
  key: ["notification_id"],
  retainBy: "created_at",
  source: {
    event: DeliveryRecorded,
    mode: "upsert",
    newerBy: "updated_at",
    toRows: (n) => [
      {
        workspaceId: n.workspaceId,
        values: {
          notification_id: n.id,
          alert_id: n.alertId,
          alert_name: n.alertName,
          alert_kind: n.alertKind,
          channel_id: n.channelId,
          channel_kind: n.channelKind,
          event_type: n.eventType,
          summary: n.summary,
          item_count: n.itemCount,
          status: n.status,
          attempts: n.attempts,
          response_code: n.responseCode,
          error: n.error,
          created_at: n.createdAt,
          updated_at: n.updatedAt,
          last_attempt_at: n.lastAttemptAt,
          next_attempt_at: n.nextAttemptAt,
          delivered_at: n.deliveredAt,
        },
      },
    ],
  },
});

/** The provisioner's audit trail: the latest state of each operation. */
export const provisioningOperationsTable = defineSystemTable({
  schema: provisioningOperationsSchema,
  key: ["operation_id"],
  retainBy: "started_at",
  source: {
    event: OperationRecorded,
    mode: "upsert",
    newerBy: "updated_at",
    toRows: (o) => [
      {
        workspaceId: o.workspaceId,
        values: {
          operation_id: o.id,
          integration_id: o.integrationId,
          request_id: o.requestId,
          actor: o.actor,
          kind: o.kind,
          input: o.input,
          dry_run: o.dryRun,
          status: o.status,
          summary: o.summary,
          target_user_id: o.targetUserId,
          steps: o.steps,
          started_at: o.startedAt,
          finished_at: o.finishedAt,
          updated_at: o.finishedAt ?? o.startedAt,
        },
      },
    ],
  },
});

/** The registry: every system table, in the order generations list them. */
export const systemTables: readonly SystemTableDecl[] = [
  integrationsTable,
  pollsTable,
  queryHistoryTable,
  rulesTable,
  ruleEvaluationsTable,
  ruleViolationsTable,
  ruleViolationEventsTable,
  ruleSuppressionsTable,
  complianceScoresTable,
  notificationsTable,
  provisioningOperationsTable,
];
