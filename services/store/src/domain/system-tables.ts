import type { EventDef, EventPayload } from "@tenantlens/contracts";
import { DeliveryRecorded, IntegrationChanged, QueryExecuted } from "@tenantlens/contracts";
import {
  integrationsSchema,
  notificationsSchema,
  pollsSchema,
  queryHistorySchema,
  type SystemTableSchema,
} from "@tenantlens/graph";
import { systemTable, type WarehouseTable } from "./table-model.js";

/** A row of a system table: column name → JS value (timestamps as ISO text, JSON as any value). */
export type SystemValues = Record<string, string | number | boolean | null | readonly unknown[] | object>;

export interface SystemRow {
  workspaceId: string;
  values: SystemValues;
}

/** Extra effects of an event beyond its row (kept declarative so the writer stays generic). */
export type SystemEffect = { kind: "purge_integration"; workspaceId: string; integrationId: string };

export interface SystemSource {
  event: EventDef;
  /**
   * upsert: one row per key, replaced by newer events (`newerBy` decides which is newer);
   * append: one row per event, a repeated key is ignored.
   */
  mode: "upsert" | "append";
  newerBy?: string;
  toRow(payload: unknown): SystemRow;
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
 * Declares a system table fed by one event. Adding `rule_violations` or `notifications` later is
 * one call of this function in `systemTables` below.
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
    toRow(payload: EventPayload<E>): SystemRow;
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
      toRow: (p) => src.toRow(p as EventPayload<E>),
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
    toRow: ({ change, integration: i, at }) => ({
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
    }),
    // A deleted integration's objects leave the current tables (its history stays until retention).
    effects: ({ change, integration: i }) =>
      change === "deleted"
        ? [{ kind: "purge_integration", workspaceId: i.workspaceId, integrationId: i.id }]
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
    toRow: (q) => ({
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
    }),
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
    toRow: (n) => ({
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
    }),
  },
});

/** The registry: every system table, in the order generations list them. */
export const systemTables: readonly SystemTableDecl[] = [
  integrationsTable,
  pollsTable,
  queryHistoryTable,
  notificationsTable,
];
