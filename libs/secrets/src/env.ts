import { z } from "zod";

/** A base64 AES-256 key: exactly 32 bytes once decoded (`TENANTLENS_SECRET_KEY`). */
export const base64Key = z.string().transform((raw, ctx) => {
  const v = raw.trim();
  const bytes = Buffer.from(v, "base64");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(v) || bytes.length !== 32) {
    ctx.issues.push({
      code: "custom",
      input: raw,
      message: "expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`)",
    });
    return z.NEVER;
  }
  return bytes;
});

/** Comma-separated older keys that may still open existing values during a rotation. */
export const base64Keys = z.string().transform((raw, ctx) => {
  const keys: Buffer[] = [];
  for (const part of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parsed = base64Key.safeParse(part);
    if (!parsed.success) {
      ctx.issues.push({
        code: "custom",
        input: raw,
        message: "expected comma-separated base64 keys of 32 bytes",
      });
      return z.NEVER;
    }
    keys.push(parsed.data);
  }
  return keys;
});

/** The two variables every service that seals secrets reads; spread into its config schema. */
export const secretKeyEnv = {
  /** Absent: a key file under <data dir>/keys/ is created on first start and reused. */
  TENANTLENS_SECRET_KEY: base64Key.optional(),
  TENANTLENS_SECRET_KEY_PREVIOUS: base64Keys.optional(),
};
