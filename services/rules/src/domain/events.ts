import type { Severity, ViolationChange } from "@tenantlens/contracts";

/** What every rule event says about its rule, so consumers need no lookup. */
export interface RuleRef {
  ruleId: string;
  title: string;
  severity: Severity;
  packs: string[];
  managed: boolean;
}

/** An event waiting in the outbox: the subject of its declaration and its payload. */
export interface OutboxEvent {
  subject: string;
  payload: unknown;
}

/**
 * Splits a rule's violation changes into parts whose payloads stay under `maxBytes` (the server's
 * max_payload minus headroom); `overhead` is the size of the message without its changes.
 */
export function chunkChanges(
  changes: readonly ViolationChange[],
  maxBytes: number,
  overhead: number,
): ViolationChange[][] {
  const budget = Math.max(1_000, maxBytes - overhead);
  const parts: ViolationChange[][] = [];
  let current: ViolationChange[] = [];
  let size = 0;
  for (const c of changes) {
    const n = JSON.stringify(c).length + 1;
    if (current.length > 0 && size + n > budget) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(c);
    size += n;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}
