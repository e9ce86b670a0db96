import { createHash } from "node:crypto";

/** Deterministic bytes for a label under a seed: same seed, same tenant ids, apps and secrets. */
function digest(seed: number, label: string): Buffer {
  return createHash("sha256").update(`entra-sim:${seed}:${label}`).digest();
}

/** A version-4-shaped GUID derived from the seed and a label. */
export function seededGuid(seed: number, label: string): string {
  const b = digest(seed, label);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const SECRET_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.~";

/** A client secret shaped like Entra's (40 chars, "8Q~" marker at positions 3-5). */
export function secretFromBytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; out.length < 40; i++) {
    out += SECRET_ALPHABET[(bytes[i % bytes.length] ?? 0) % SECRET_ALPHABET.length];
    if (out.length === 3) out += "8Q~";
  }
  return out.slice(0, 40);
}

export function seededSecret(seed: number, label: string): string {
  return secretFromBytes(Buffer.concat([digest(seed, `${label}:a`), digest(seed, `${label}:b`)]));
}

/** A 32-bit integer per label, e.g. the seed handed to each tenant's directory generator. */
export function seededInt(seed: number, label: string): number {
  return digest(seed, label).readUInt32BE(0);
}

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
