import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `tl_<keyId>_<secret>`: the id lets the gateway find the stored hash without
 * scanning, the secret is 32 random bytes in hex. Any other string (an operator's own
 * TENANTLENS_API_KEY) is stored under the fixed id "bootstrap".
 */
const KEY_FORMAT = /^tl_([a-z0-9]{12,32})_([a-f0-9]{64})$/;
export const BOOTSTRAP_KEY_ID = "bootstrap";

export interface GeneratedKey {
  keyId: string;
  key: string;
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function newKeyId(length = 16): string {
  const bytes = randomBytes(length);
  let id = "";
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

export function generateApiKey(): GeneratedKey {
  const keyId = newKeyId();
  return { keyId, key: `tl_${keyId}_${randomBytes(32).toString("hex")}` };
}

/** The id a presented key is stored under. */
export function keyIdOf(key: string): string {
  return KEY_FORMAT.exec(key)?.[1] ?? BOOTSTRAP_KEY_ID;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Constant-time comparison of two hex SHA-256 digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

/** Extracts the token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i.exec(header);
  return m?.[1] ?? null;
}
