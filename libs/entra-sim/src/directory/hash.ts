/**
 * Deterministic integer hashing: every generated value is a pure function of (seed, kind, index, field),
 * so a tenant of any size needs no stored state and the same seed always yields the same bytes.
 */

/** murmur3 finaliser: a cheap, well-mixed 32-bit avalanche. */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of up to four integers (each folded in with its own multiplier so argument order matters). */
export function hash4(a: number, b: number, c = 0, d = 0): number {
  let h = fmix32(a ^ 0x9e3779b9);
  h = fmix32(h ^ Math.imul(b | 0, 0x27d4eb2f));
  h = fmix32(h ^ Math.imul(c | 0, 0x165667b1));
  h = fmix32(h ^ Math.imul(d | 0, 0x61c88647));
  return h;
}

/** Uniform float in [0, 1). */
export function unit(a: number, b: number, c = 0, d = 0): number {
  return hash4(a, b, c, d) / 4294967296;
}

/** Hash of a string (FNV-1a then mixed), used to fold tenant ids into seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** 8 lowercase hex digits of a 32-bit value. */
export function hex8(x: number): string {
  const v = x >>> 0;
  return HEX[(v >>> 24) & 0xff]! + HEX[(v >>> 16) & 0xff]! + HEX[(v >>> 8) & 0xff]! + HEX[v & 0xff]!;
}

/** A version-4-shaped GUID from four 32-bit words. */
export function guidFromWords(w0: number, w1: number, w2: number, w3: number): string {
  const a = hex8(w0);
  const b = hex8(w1);
  const c = hex8(w2);
  const d = hex8(w3);
  const variant = "89ab"[(w2 >>> 28) & 3]!;
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}

/** A GUID that is a pure function of its inputs (for objects that need no reverse lookup). */
export function stableGuid(seed: number, kind: number, index: number, salt = 0): string {
  return guidFromWords(
    hash4(seed, kind, index, salt),
    hash4(seed, kind, index, salt + 1),
    hash4(seed, kind, index, salt + 2),
    hash4(seed, kind, index, salt + 3),
  );
}

/** Small seeded PRNG (mulberry32) for sequences such as live-mode changes. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(list: readonly T[], h: number): T {
  return list[h % list.length]!;
}
