import { IntegrationId, PollId, TenantId, Timestamp, WorkspaceId } from "@tenantlens/contracts";

/** What the store keeps of a collected message it gave up on. */
export interface DeadLetterRecord {
  workspaceId: string | null;
  integrationId: string | null;
  tenantId: string | null;
  pollId: string | null;
  reason: string;
  deliveries: number;
  /** The message as received, cut to BODY_LIMIT characters. */
  body: string;
  /** When the poll's data was read (from the message), else null. */
  collectedAt: string | null;
}

/** Enough of the body to see what was wrong, without keeping a megabyte per dead letter. */
export const BODY_LIMIT = 2_000;

/** A value that passes `schema`, else null. */
function valid(schema: { safeParse(v: unknown): { success: boolean } }, v: unknown): string | null {
  return typeof v === "string" && schema.safeParse(v).success ? v : null;
}

/**
 * Identifies the poll of a dead collection message from whatever is trustworthy: the validated
 * payload, else the body if it still parses, else the message id (`<pollId>.…`) and the subject's
 * integration token. An unidentified poll is still recorded; it just cannot be failed.
 */
export function deadLetterRecord(dead: {
  subject: string;
  msgId: string | undefined;
  deliveryCount: number;
  reason: string;
  body: string;
  payload?: unknown;
}): DeadLetterRecord {
  let fields: Record<string, unknown> = {};
  const source = dead.payload ?? parseObject(dead.body);
  if (source && typeof source === "object") fields = source as Record<string, unknown>;
  const token = dead.subject.slice(dead.subject.lastIndexOf(".") + 1);
  const msgPoll = dead.msgId?.split(".")[0];
  return {
    workspaceId: valid(WorkspaceId, fields.workspaceId),
    integrationId: valid(IntegrationId, fields.integrationId) ?? valid(IntegrationId, token),
    tenantId: valid(TenantId, fields.tenantId),
    pollId: valid(PollId, fields.pollId) ?? valid(PollId, msgPoll),
    reason: dead.reason,
    deliveries: dead.deliveryCount,
    body: dead.body.length > BODY_LIMIT ? `${dead.body.slice(0, BODY_LIMIT)}…` : dead.body,
    collectedAt:
      valid(Timestamp, fields.collectedAt) ??
      valid(Timestamp, fields.startedAt) ??
      valid(Timestamp, fields.completedAt),
  };
}

function parseObject(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What the poll's `error` says: which message, why, and what happens next. */
export function pollFailureText(subject: string, seq: number, reason: string): string {
  return (
    `The store could not ingest ${subject} (stream sequence ${seq}) and set it aside: ${reason}. ` +
    "The rest of this poll was skipped; the next poll of the integration reads everything again."
  );
}
