import { createHash } from "node:crypto";
import type {
  AlertFiltersOf,
  ChangeItem,
  ComplianceItem,
  EventPayload,
  IntegrationChanged,
  IntegrationItem,
  IntegrationStatus,
  PollCompleted,
  QueryRowItem,
  RuleItem,
  RuleStatusChanged,
  ScoreRecorded,
  ViolationsChanged,
} from "@tenantlens/contracts";

/**
 * Which events an alert cares about, as items. Pure: the caller passes the alert's filters and the
 * event (plus, for integrations, the status seen before).
 */

type RuleFilters = AlertFiltersOf<"rule">;

interface RuleRef {
  ruleId: string;
  severity: string;
  packs: readonly string[];
  integrationId: string;
}

const within = <T>(list: readonly T[] | undefined, v: T) => list === undefined || list.includes(v);

export function ruleMatches(f: RuleFilters, r: RuleRef): boolean {
  return (
    within(f.ruleIds, r.ruleId) &&
    within(f.severities as readonly string[] | undefined, r.severity) &&
    within(f.integrationIds, r.integrationId) &&
    (f.packIds === undefined || r.packs.some((p) => f.packIds?.includes(p)))
  );
}

export function violationItems(f: RuleFilters, ev: EventPayload<typeof ViolationsChanged>): RuleItem[] {
  if (!ruleMatches(f, ev)) return [];
  return ev.changes
    .filter((c) => f.on.includes(c.transition))
    .map((c) => ({
      type: "violation",
      ruleId: ev.ruleId,
      title: ev.title,
      severity: ev.severity,
      packs: ev.packs,
      integrationId: ev.integrationId,
      transition: c.transition,
      state: c.state,
      resourceId: c.resourceId,
      table: c.table,
      displayName: c.displayName,
      ...(c.details === undefined ? {} : { details: c.details }),
      firstSeenAt: c.firstSeenAt,
      lastSeenAt: c.lastSeenAt,
      resolvedAt: c.resolvedAt,
      actor: c.actor,
      reason: c.reason,
      expiresAt: c.expiresAt,
      at: ev.at,
    }));
}

export function statusItems(f: RuleFilters, ev: EventPayload<typeof RuleStatusChanged>): RuleItem[] {
  if (!f.on.includes("status_changed") || !ruleMatches(f, ev) || ev.from === ev.to) return [];
  return [
    {
      type: "rule_status",
      ruleId: ev.ruleId,
      title: ev.title,
      severity: ev.severity,
      packs: ev.packs,
      integrationId: ev.integrationId,
      from: ev.from,
      to: ev.to,
      violationCount: ev.violationCount,
      at: ev.at,
    },
  ];
}

/** A pack's score fell below the threshold (or started below it): not again while it stays below. */
export function complianceItems(
  f: AlertFiltersOf<"compliance">,
  ev: EventPayload<typeof ScoreRecorded>,
): ComplianceItem[] {
  if (!within(f.packIds, ev.packId) || !within(f.integrationIds, ev.integrationId)) return [];
  const fell = ev.score < f.threshold && (ev.previousScore === null || ev.previousScore >= f.threshold);
  if (!fell) return [];
  return [
    {
      packId: ev.packId,
      packTitle: ev.packTitle,
      integrationId: ev.integrationId,
      score: ev.score,
      previousScore: ev.previousScore,
      threshold: f.threshold,
      passing: ev.passing,
      failing: ev.failing,
      errors: ev.errors,
      evaluated: ev.evaluated,
      runId: ev.runId,
      at: ev.at,
    },
  ];
}

export function integrationStatusItems(
  f: AlertFiltersOf<"integration">,
  ev: EventPayload<typeof IntegrationChanged>,
  previous: IntegrationStatus | null,
): IntegrationItem[] {
  const i = ev.integration;
  if (ev.change === "deleted" || i.status === previous) return [];
  if (!within(f.integrationIds, i.id) || !f.statuses.includes(i.status)) return [];
  return [
    {
      integrationId: i.id,
      integrationName: i.name,
      event: "status_changed",
      from: previous,
      to: i.status,
      reason: i.statusReason,
      pollId: null,
      at: ev.at,
    },
  ];
}

export function pollFailedItems(
  f: AlertFiltersOf<"integration">,
  ev: EventPayload<typeof PollCompleted>,
  integrationName: string | null,
): IntegrationItem[] {
  if (ev.outcome !== "failed" || !f.pollFailed || !within(f.integrationIds, ev.integrationId)) return [];
  return [
    {
      integrationId: ev.integrationId,
      integrationName,
      event: "poll_failed",
      from: null,
      to: null,
      reason: ev.error,
      pollId: ev.pollId,
      at: ev.completedAt,
    },
  ];
}

/** What makes two items "the same thing" for a channel's deduplication window. */
export type AnyItem = RuleItem | ChangeItem | QueryRowItem | IntegrationItem | ComplianceItem;

export function dedupKey(kind: string, item: AnyItem): string {
  if ("type" in item && item.type === "rule_status")
    return `rule:${item.integrationId}:${item.ruleId}:status:${item.to}`;
  if ("type" in item && item.type === "violation")
    return `rule:${item.integrationId}:${item.ruleId}:${item.resourceId}:${item.transition}`;
  if ("changeId" in item) return `change:${item.changeId}`;
  if ("row" in item) return `query:${item.change}:${rowHash(item.row)}`;
  if ("event" in item)
    return item.event === "poll_failed"
      ? `integration:${item.integrationId}:poll_failed`
      : `integration:${item.integrationId}:status:${item.to}`;
  if ("packId" in item) return `compliance:${item.integrationId}:${item.packId}:below`;
  return `${kind}:${stableJson(item)}`;
}

/** A short fingerprint of one result row (equal rows, whatever their key order, give equal hashes). */
export function rowHash(row: unknown): string {
  return createHash("sha256").update(stableJson(row)).digest("base64url").slice(0, 22);
}

/** JSON with object keys sorted, so equal values always give equal text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}
