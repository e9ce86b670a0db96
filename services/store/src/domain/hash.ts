import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** OData annotations (`@odata.type`, `members@delta`, `@removed`) are transport, not content. */
export function isAnnotation(key: string): boolean {
  return key.includes("@");
}

/** The object without annotations (the same object when it has none, which is the usual case). */
export function withoutAnnotations(obj: Record<string, unknown>): Record<string, unknown> {
  let content: Record<string, unknown> | undefined;
  for (const k of Object.keys(obj)) {
    if (!isAnnotation(k)) continue;
    content ??= { ...obj };
    delete content[k];
  }
  return content ?? obj;
}

/**
 * The stored text of an object and the hash of its content (annotations left out). The hash is
 * over JSON text in the order Graph sent the keys: cheap, and exact enough — the same content in
 * another key order only costs a row rewrite, because changes are decided by `changedFields`,
 * which ignores order.
 */
export function rawAndHash(obj: Record<string, unknown>): { raw: string; hash: string } {
  const raw = JSON.stringify(obj);
  const content = withoutAnnotations(obj);
  return { raw, hash: md5(content === obj ? raw : JSON.stringify(content)) };
}

/**
 * The stored text of an object, and its content hash only when that is not `md5(raw)` (an object
 * carrying annotations): the common case's hash is left to SQL (`coalesce(hash, md5(raw))`), where
 * DuckDB computes it for the whole group at once.
 */
export function rawAndOwnHash(obj: Record<string, unknown>): { raw: string; hash: string | null } {
  const raw = JSON.stringify(obj);
  const content = withoutAnnotations(obj);
  return { raw, hash: content === obj ? null : md5(JSON.stringify(content)) };
}

export function contentHash(obj: Record<string, unknown>): string {
  return rawAndHash(obj).hash;
}

export function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

/**
 * Deterministic change id. The same formula runs in SQL (`md5(concat_ws('|', …))`) for removals
 * found by absence, so a redelivered message can never mint a second id for the same change.
 */
export function changeId(parts: {
  integrationId: string;
  table: string;
  objectId: string;
  pollId: string;
  changeType: string;
  /** Which message observed it (one object can change twice within a poll). */
  origin: string;
}): string {
  return md5(
    [parts.integrationId, parts.table, parts.objectId, parts.pollId, parts.changeType, parts.origin].join(
      "|",
    ),
  );
}
