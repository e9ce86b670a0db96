import type {
  AlertKind,
  ChangeItem,
  ComplianceItem,
  IntegrationItem,
  QueryRowItem,
  RuleItem,
  WebhookBody,
  WebhookEventType,
} from "@tenantlens/contracts";
import type { AnyItem } from "./match.js";

/**
 * One message = everything one alert matched for one channel in one batch (a rules run, a
 * generation, one integration event), plus what the channel's limits held back before. The body is
 * built once, stored, and sent unchanged on every attempt (so its signature covers the same bytes).
 */

/** Items carried in one message; the rest are counted in `omitted`. */
export const MAX_ITEMS = 100;

export interface AlertInfo {
  id: string;
  name: string;
  kind: AlertKind;
}

export type BatchContext =
  | { kind: "rule"; runId: string | null; generationId: number }
  | { kind: "change"; generationId: number; pollIds: string[] }
  | {
      kind: "query";
      savedQuery: { id: string; name: string };
      generationId: number;
      rowCount: number;
    }
  | { kind: "integration" }
  | { kind: "compliance" };

export interface HeldBackInfo {
  delayed: number;
  duplicates: number;
  since: string;
}

export interface BuiltMessage {
  eventType: WebhookEventType;
  summary: string;
  itemCount: number;
  body: WebhookBody;
}

export const EVENT_TYPE: Record<AlertKind, WebhookEventType> = {
  rule: "rule.results_changed",
  change: "resource.changed",
  query: "query.result_changed",
  integration: "integration.status_changed",
  compliance: "compliance.score_dropped",
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function summarize(kind: AlertKind, items: readonly AnyItem[], ctx: BatchContext): string {
  switch (kind) {
    case "rule": {
      const rules = items as RuleItem[];
      const parts: string[] = [];
      const byTransition = new Map<string, number>();
      for (const i of rules)
        if (i.type === "violation") byTransition.set(i.transition, (byTransition.get(i.transition) ?? 0) + 1);
      for (const [t, n] of byTransition) parts.push(`${plural(n, "violation")} ${t}`);
      const failing = rules.filter((i) => i.type === "rule_status" && i.to === "failing").length;
      const passing = rules.filter((i) => i.type === "rule_status" && i.to === "passing").length;
      const errored = rules.filter((i) => i.type === "rule_status" && i.to === "error").length;
      if (failing) parts.push(`${plural(failing, "rule")} now failing`);
      if (passing) parts.push(`${plural(passing, "rule")} now passing`);
      if (errored) parts.push(`${plural(errored, "rule")} in error`);
      const first = rules[0];
      if (rules.length === 1 && first) return `${first.title}: ${parts[0] ?? "changed"}`;
      return parts.join(", ") || "rule results changed";
    }
    case "change": {
      const changes = items as ChangeItem[];
      const tables = [...new Set(changes.map((c) => c.table))];
      const counts = ["added", "modified", "removed"]
        .map((t) => [t, changes.filter((c) => c.changeType === t).length] as const)
        .filter(([, n]) => n > 0)
        .map(([t, n]) => `${n} ${t}`);
      const first = changes[0];
      if (changes.length === 1 && first)
        return `${first.displayName ?? first.resourceId} ${first.changeType} in ${first.table}${
          first.fields.length ? ` (${first.fields.slice(0, 5).join(", ")})` : ""
        }`;
      return `${plural(changes.length, "change")} in ${tables.join(", ")}: ${counts.join(", ")}`;
    }
    case "query": {
      const rows = items as QueryRowItem[];
      const added = rows.filter((r) => r.change === "added").length;
      const removed = rows.length - added;
      const name = ctx.kind === "query" ? ctx.savedQuery.name : "saved query";
      const parts = [
        added ? `${plural(added, "row")} added` : "",
        removed ? `${plural(removed, "row")} removed` : "",
      ];
      return `${name}: ${parts.filter(Boolean).join(", ")}`;
    }
    case "integration": {
      const events = items as IntegrationItem[];
      const first = events[0];
      if (events.length === 1 && first) {
        const who = first.integrationName ?? first.integrationId;
        return first.event === "poll_failed"
          ? `Collection from ${who} failed`
          : `Integration ${who} is ${first.to}${first.reason ? `: ${first.reason}` : ""}`;
      }
      return `${plural(events.length, "integration event")}`;
    }
    case "compliance": {
      const scores = items as ComplianceItem[];
      const first = scores[0];
      if (scores.length === 1 && first)
        return `${first.packTitle} score fell to ${first.score} % (below ${first.threshold} %)`;
      return `${plural(scores.length, "pack")} fell below their threshold`;
    }
  }
}

/** Items in a stable order: oldest first, so a digest reads like a timeline. */
function ordered(items: readonly AnyItem[]): AnyItem[] {
  const at = (i: AnyItem) => ("at" in i ? i.at : "recordedAt" in i ? i.recordedAt : "");
  return [...items].sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0));
}

export function buildMessage(input: {
  workspaceId: string;
  alert: AlertInfo;
  items: readonly AnyItem[];
  context: BatchContext;
  heldBack: HeldBackInfo | null;
  consoleUrl: string;
  timestamp: string;
}): BuiltMessage {
  const { alert, context } = input;
  const all = ordered(input.items);
  const shown = all.slice(0, MAX_ITEMS);
  const summary = summarize(alert.kind, all, context);
  const common = {
    workspaceId: input.workspaceId,
    alert: { id: alert.id, name: alert.name, kind: alert.kind },
    summary,
    total: all.length,
    omitted: all.length - shown.length,
    heldBack: input.heldBack,
    links: { console: input.consoleUrl },
  };
  const timestamp = input.timestamp;
  let body: WebhookBody;
  switch (context.kind) {
    case "rule":
      body = {
        type: "rule.results_changed",
        timestamp,
        data: {
          ...common,
          items: shown as RuleItem[],
          runId: context.runId,
          generationId: context.generationId,
        },
      };
      break;
    case "change":
      body = {
        type: "resource.changed",
        timestamp,
        data: {
          ...common,
          items: shown as ChangeItem[],
          generationId: context.generationId,
          pollIds: context.pollIds,
        },
      };
      break;
    case "query": {
      const rows = all as QueryRowItem[];
      body = {
        type: "query.result_changed",
        timestamp,
        data: {
          ...common,
          items: shown as QueryRowItem[],
          savedQuery: context.savedQuery,
          generationId: context.generationId,
          rowCount: context.rowCount,
          rowsAdded: rows.filter((r) => r.change === "added").length,
          rowsRemoved: rows.filter((r) => r.change === "removed").length,
        },
      };
      break;
    }
    case "integration":
      body = {
        type: "integration.status_changed",
        timestamp,
        data: { ...common, items: shown as IntegrationItem[] },
      };
      break;
    case "compliance":
      body = {
        type: "compliance.score_dropped",
        timestamp,
        data: { ...common, items: shown as ComplianceItem[] },
      };
      break;
  }
  return { eventType: EVENT_TYPE[alert.kind], summary, itemCount: all.length, body };
}

export function testMessage(input: {
  workspaceId: string;
  channel: { id: string; name: string };
  consoleUrl: string;
  timestamp: string;
}): BuiltMessage {
  const message = `Test message for channel "${input.channel.name}": if you can read this, the channel works.`;
  return {
    eventType: "channel.test",
    summary: `Test of channel ${input.channel.name}`,
    itemCount: 0,
    body: {
      type: "channel.test",
      timestamp: input.timestamp,
      data: {
        workspaceId: input.workspaceId,
        channel: input.channel,
        message,
        links: { console: input.consoleUrl },
      },
    },
  };
}
