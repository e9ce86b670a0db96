import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Opaque, tamper-evident page and delta tokens: base64url(JSON) + "." + truncated HMAC. The key is
 * per app instance, so tokens from another simulator run are rejected like expired ones.
 */
export class TokenCodec {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  encode(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  decode(token: string): unknown {
    const dot = token.lastIndexOf(".");
    if (dot <= 0 || token.length > 8192) return undefined;
    const body = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1));
    const want = Buffer.from(this.mac(body));
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url").slice(0, 22);
  }
}
