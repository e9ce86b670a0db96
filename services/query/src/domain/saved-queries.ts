import { createHash, randomBytes } from "node:crypto";
import type { SavedQuery } from "@tenantlens/contracts";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

export function newSavedQueryId(): string {
  const bytes = randomBytes(20);
  let id = "sq_";
  for (const b of bytes) id += ALPHABET[b % 32];
  return id;
}

/** Names are unique per workspace ignoring case and surrounding/inner runs of spaces. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

/** A KV-safe token standing for a normalized name. */
export function nameToken(name: string): string {
  return createHash("sha256").update(normalizeName(name)).digest("hex").slice(0, 40);
}

export interface SavedQueryPatch {
  name?: string | undefined;
  description?: string | undefined;
  sql?: string | undefined;
}

export function applyPatch(q: SavedQuery, patch: SavedQueryPatch, now: string): SavedQuery {
  return {
    ...q,
    name: patch.name ?? q.name,
    description: patch.description ?? q.description,
    sql: patch.sql ?? q.sql,
    updatedAt: now,
  };
}

export function duplicateNameMessage(name: string): string {
  return `A saved query named "${name}" already exists in this workspace.`;
}
