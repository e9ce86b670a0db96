import type {
  ChangeItem,
  ComplianceItem,
  IntegrationItem,
  QueryRowItem,
  RuleItem,
  WebhookBody,
} from "@tenantlens/contracts";

/**
 * What an email shows, whatever the alert kind: the templates only lay this out. Built from the
 * stored webhook body, so mail and webhook always say the same thing.
 */
export interface EmailLine {
  /** Short label in front (severity, change type, …). */
  badge: string | null;
  text: string;
  detail: string | null;
}

export interface EmailView {
  subject: string;
  heading: string;
  intro: string;
  lines: EmailLine[];
  /** "… and 23 more" when the digest was capped. */
  more: string | null;
  heldBack: string | null;
  consoleUrl: string;
  alertName: string | null;
  workspaceId: string;
}

const MAX_DETAIL = 300;

const short = (v: unknown): string => {
  const text = typeof v === "string" ? v : JSON.stringify(v ?? null);
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
};

function ruleLine(i: RuleItem): EmailLine {
  if (i.type === "rule_status")
    return {
      badge: i.severity,
      text: `${i.title}: ${i.from ?? "new"} → ${i.to}`,
      detail: `${i.violationCount} open violation(s) · rule ${i.ruleId} · integration ${i.integrationId}`,
    };
  return {
    badge: i.severity,
    text: `${i.transition}: ${i.displayName ?? i.resourceId} (${i.table})`,
    detail: `${i.title} · rule ${i.ruleId}${i.reason ? ` · reason: ${i.reason}` : ""}`,
  };
}

function changeLine(i: ChangeItem): EmailLine {
  const what = i.changes.length
    ? i.changes.map((c) => `${c.field}: ${short(c.before)} → ${short(c.after)}`).join("; ")
    : null;
  return {
    badge: i.changeType,
    text: `${i.displayName ?? i.resourceId} (${i.table})${i.group ? ` in group ${i.group.displayName ?? i.group.id}` : ""}`,
    detail: what ?? `object ${i.resourceId}`,
  };
}

function queryLine(i: QueryRowItem): EmailLine {
  return { badge: i.change, text: short(i.row), detail: null };
}

function integrationLine(i: IntegrationItem): EmailLine {
  const who = i.integrationName ?? i.integrationId;
  return i.event === "poll_failed"
    ? { badge: "poll failed", text: who, detail: i.reason }
    : { badge: i.to ?? "changed", text: `${who}: ${i.from ?? "new"} → ${i.to}`, detail: i.reason };
}

function complianceLine(i: ComplianceItem): EmailLine {
  return {
    badge: `${i.score} %`,
    text: `${i.packTitle}: ${i.previousScore ?? "–"} % → ${i.score} % (threshold ${i.threshold} %)`,
    detail: `${i.failing} failing, ${i.passing} passing, ${i.errors} in error · integration ${i.integrationId}`,
  };
}

export function emailView(body: WebhookBody): EmailView {
  if (body.type === "channel.test") {
    return {
      subject: `[Tenantlens] Test of channel ${body.data.channel.name}`,
      heading: "Channel test",
      intro: body.data.message,
      lines: [],
      more: null,
      heldBack: null,
      consoleUrl: body.data.links.console,
      alertName: null,
      workspaceId: body.data.workspaceId,
    };
  }
  const d = body.data;
  let lines: EmailLine[];
  switch (body.type) {
    case "rule.results_changed":
      lines = body.data.items.map(ruleLine);
      break;
    case "resource.changed":
      lines = body.data.items.map(changeLine);
      break;
    case "query.result_changed":
      lines = body.data.items.map(queryLine);
      break;
    case "integration.status_changed":
      lines = body.data.items.map(integrationLine);
      break;
    case "compliance.score_dropped":
      lines = body.data.items.map(complianceLine);
      break;
  }
  const held = d.heldBack;
  const heldParts = held
    ? [
        held.delayed
          ? `${held.delayed} item(s) were held back by this channel's rate limit and are included here`
          : "",
        held.duplicates ? `${held.duplicates} repeated item(s) were not sent again` : "",
      ].filter(Boolean)
    : [];
  return {
    subject: `[Tenantlens] ${d.alert.name}: ${d.summary}`,
    heading: d.alert.name,
    intro: d.summary,
    lines,
    more: d.omitted > 0 ? `… and ${d.omitted} more (${d.total} in all)` : null,
    heldBack: heldParts.length ? `${heldParts.join("; ")} (since ${held?.since}).` : null,
    consoleUrl: d.links.console,
    alertName: d.alert.name,
    workspaceId: d.workspaceId,
  };
}
