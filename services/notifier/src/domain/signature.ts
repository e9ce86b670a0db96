import { createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signing: HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` with the
 * base64-decoded part of the `whsec_…` secret, sent as `v1,<base64>`; several signatures (during a
 * secret rotation) are separated by spaces.
 */

const PREFIX = "whsec_";

/** A fresh secret: 32 random bytes. */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString("base64")}`;
}

/** `whsec_AbCd…`: enough to tell two secrets apart, nothing to sign with. */
export function secretHint(secret: string): string {
  return `${secret.slice(0, PREFIX.length + 4)}…`;
}

export function sign(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  if (!secret.startsWith(PREFIX)) throw new Error("webhook secrets start with whsec_");
  const key = Buffer.from(secret.slice(PREFIX.length), "base64");
  const mac = createHmac("sha256", key).update(`${msgId}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/** The three Standard Webhooks headers for one attempt; every secret given signs (current first). */
export function webhookHeaders(
  secrets: readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": secrets.map((s) => sign(s, msgId, timestampSeconds, body)).join(" "),
  };
}
