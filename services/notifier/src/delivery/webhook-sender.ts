import { errors, request } from "undici";
import { type TargetGuard, TargetRefused } from "../adapters/target-guard.js";
import { type AttemptOutcome, classifyHttp, parseRetryAfter } from "../domain/retry.js";
import { webhookHeaders } from "../domain/signature.js";

export interface WebhookMessage {
  id: string;
  url: string;
  body: string;
  secrets: readonly string[];
  headers: Record<string, string>;
}

const USER_AGENT = "Tenantlens-Webhooks/1.0 (+https://www.standardwebhooks.com/)";

/**
 * One signed POST per attempt through the guarded agent: no redirects followed, a timeout for the
 * whole exchange, at most a little of the answer read (for the error message).
 */
export class WebhookSender {
  constructor(
    private readonly guard: TargetGuard,
    private readonly timeoutMs: number,
  ) {}

  async send(msg: WebhookMessage): Promise<AttemptOutcome> {
    let url: URL;
    try {
      url = new URL(msg.url);
    } catch {
      return { kind: "permanent", code: null, error: `not a URL: ${msg.url}` };
    }
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const res = await request(url, {
        method: "POST",
        dispatcher: this.guard.agent,
        headers: {
          ...msg.headers,
          "content-type": "application/json",
          "user-agent": USER_AGENT,
          ...webhookHeaders(msg.secrets, msg.id, timestamp, msg.body),
        },
        body: msg.body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const location = header(res.headers.location);
      const retryAfter = parseRetryAfter(header(res.headers["retry-after"]) ?? undefined, Date.now());
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      return classifyHttp(res.statusCode, location, retryAfter);
    } catch (err) {
      const refused = findRefusal(err);
      if (refused) return { kind: "permanent", code: null, error: refused.message };
      if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError || isAbort(err))
        return { kind: "retry", code: null, error: `no answer within ${this.timeoutMs} ms` };
      const e = err as NodeJS.ErrnoException;
      return {
        kind: "retry",
        code: null,
        error: `${e.code ? `${e.code}: ` : ""}${e.message ?? String(err)}`.slice(0, 500),
      };
    }
  }
}

function header(v: string | string[] | undefined): string | null {
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError");
}

function findRefusal(err: unknown): TargetRefused | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof TargetRefused) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}
