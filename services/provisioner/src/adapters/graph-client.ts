import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

export interface GraphAnswer {
  status: number | null;
  body: unknown;
  attempts: number;
  /** Graph's `error.code: error.message`, a network error, or a throttling verdict. */
  error: string | null;
}

export interface PacingOptions {
  writesPerWindow: number;
  windowMs: number;
  maxThrottledRetries: number;
  maxRetryAfterMs: number;
  timeoutMs: number;
}

/**
 * Keeps each integration's writes within Graph's write quota (a sliding window of the last writes'
 * times per app + tenant): a write that would exceed it waits until the oldest leaves the window.
 * One provisioner replica paces alone; with several, give each its share of the quota.
 */
export class WritePacer {
  private readonly sent = new Map<string, number[]>();

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  async slot(key: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      const times = (this.sent.get(key) ?? []).filter((t) => t > now - this.windowMs);
      if (times.length < this.perWindow) {
        times.push(now);
        this.sent.set(key, times);
        return;
      }
      await sleep(Math.max(1, times[0]! + this.windowMs - now));
    }
  }
}

function retryAfterMs(header: string | null, attempt: number): number {
  const n = header === null ? Number.NaN : Number(header);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n * 1000);
  // No Retry-After: back off 1 s, 2 s, 4 s…
  return 1000 * 2 ** (attempt - 1);
}

function graphError(body: unknown): string | null {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!e || typeof e !== "object") return null;
  return `${String(e.code ?? "error")}: ${String(e.message ?? "")}`.slice(0, 1000);
}

/**
 * Sends one Graph request with a bearer token. A 429 is retried after its Retry-After (at most
 * `maxThrottledRetries` times, and never a wait longer than `maxRetryAfterMs`): the request was not
 * processed, so repeating it is safe even for writes. Nothing else is retried: a write that may have
 * been applied is never sent twice; the operation reports what happened instead.
 */
export async function sendGraph(
  req: { method: string; url: string; body: unknown },
  token: string,
  opts: PacingOptions & { pace?: () => Promise<void> },
): Promise<GraphAnswer> {
  const clientRequestId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    if (req.method !== "GET") await opts.pace?.();
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: req.method,
        headers: {
          authorization: `Bearer ${token}`,
          "client-request-id": clientRequestId,
          ...(req.body !== null && req.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(req.body !== null && req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      return {
        status: null,
        body: null,
        attempts: attempt,
        error: `request failed: ${(err as Error).message}`,
      };
    }
    const text = await res.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text.slice(0, 1000);
      }
    }
    if (res.status === 429) {
      const wait = retryAfterMs(res.headers.get("retry-after"), attempt);
      if (attempt > opts.maxThrottledRetries || wait > opts.maxRetryAfterMs) {
        return {
          status: 429,
          body,
          attempts: attempt,
          error: `throttled by Graph (429) ${attempt} time(s); Retry-After ${res.headers.get("retry-after") ?? "absent"}: not sent again`,
        };
      }
      await sleep(wait);
      continue;
    }
    return {
      status: res.status,
      body,
      attempts: attempt,
      error: res.ok ? null : (graphError(body) ?? `HTTP ${res.status}`),
    };
  }
}
