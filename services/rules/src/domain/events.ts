import type { Severity } from "@tenantlens/contracts";

/** What every rule event says about its rule, so consumers need no lookup. */
export interface RuleRef {
  ruleId: string;
  title: string;
  severity: Severity;
  packs: string[];
  managed: boolean;
}

/**
 * An event waiting in the outbox: the subject of its declaration and its payload, as a value or
 * already as JSON text (violation changes are built as JSON by DuckDB and never become objects here).
 */
export type OutboxEvent = { subject: string; payload: unknown } | { subject: string; json: string };

/** The payload of an outbox event as JSON text. */
export function payloadJson(e: OutboxEvent): string {
  return "json" in e ? e.json : JSON.stringify(e.payload);
}

/**
 * Splits JSON texts (violation changes) into parts whose joined size stays under `maxBytes` (the
 * server's max_payload minus headroom); `overhead` is the size of the message without its changes.
 */
export function chunkJson(texts: readonly string[], maxBytes: number, overhead: number): string[][] {
  const budget = Math.max(1_000, maxBytes - overhead);
  const parts: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const t of texts) {
    const n = Buffer.byteLength(t) + 1;
    if (current.length > 0 && size + n > budget) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(t);
    size += n;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}
