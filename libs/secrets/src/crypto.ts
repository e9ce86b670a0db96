import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { z } from "zod";

/**
 * Secrets at rest: AES-256-GCM with a fresh random 96-bit nonce per encryption, the key id in the
 * record (so keys can rotate) and AAD binding the ciphertext to what it is (`<recordId>|<kind>`, e.g. an integration's
 * client secret or a webhook channel's signing secret),
 * so a sealed value copied into another record or field fails to open.
 */
export const Sealed = z.object({
  v: z.literal(1),
  alg: z.literal("A256GCM"),
  kid: z.string().min(1),
  iv: z.string().min(1),
  ct: z.string(),
  tag: z.string().min(1),
});
export type Sealed = z.infer<typeof Sealed>;

export interface SecretKey {
  /** Stable id derived from the key bytes; stored next to each ciphertext. */
  id: string;
  bytes: Buffer;
}

/** The key new values are sealed with, plus older keys that can still open existing values. */
export interface Keyring {
  current: SecretKey;
  previous: SecretKey[];
}

export class CryptoError extends Error {
  override name = "CryptoError";
}

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Key id: a short SHA-256 fingerprint, so the same key always has the same id and no key is revealed. */
export function secretKey(bytes: Buffer): SecretKey {
  if (bytes.length !== KEY_BYTES)
    throw new CryptoError(`a secret key must be ${KEY_BYTES} bytes, got ${bytes.length}`);
  const id = `k_${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}`;
  return { id, bytes: Buffer.from(bytes) };
}

export function keyring(current: SecretKey, previous: SecretKey[] = []): Keyring {
  return { current, previous: previous.filter((k) => k.id !== current.id) };
}

/** What a sealed value is bound to: the record that owns it and which of its fields it is. */
export function aadFor(recordId: string, kind: string): string {
  return `${recordId}|${kind}`;
}

export function seal(key: SecretKey, plaintext: string, aad: string): Sealed {
  const iv = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.bytes, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    v: 1,
    alg: "A256GCM",
    kid: key.id,
    iv: iv.toString("base64"),
    ct: ct.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
  };
}

/** Opens a sealed value; any tampering, a wrong AAD or an unknown key id is a CryptoError. */
export function open(ring: Keyring, sealed: Sealed, aad: string): string {
  const key = [ring.current, ...ring.previous].find((k) => k.id === sealed.kid);
  if (!key) throw new CryptoError(`value was sealed with key ${sealed.kid}, which is not configured`);
  const iv = Buffer.from(sealed.iv, "base64");
  const tag = Buffer.from(sealed.tag, "base64");
  if (iv.length !== NONCE_BYTES || tag.length !== TAG_BYTES)
    throw new CryptoError("sealed value is malformed");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, "base64")), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new CryptoError("sealed value failed authentication (tampered, or bound to another record)");
  }
}

/** True when the value should be re-sealed with the current key (rotation). */
export function needsReseal(ring: Keyring, sealed: Sealed): boolean {
  return sealed.kid !== ring.current.id;
}

/** The value sealed again with the current key, or null when it already is (key rotation). */
export function resealed(ring: Keyring, sealed: Sealed, aad: string): Sealed | null {
  return needsReseal(ring, sealed) ? seal(ring.current, open(ring, sealed, aad), aad) : null;
}
