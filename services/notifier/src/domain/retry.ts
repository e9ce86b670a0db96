/**
 * Retries: attempt n (1-based) that failed is followed by attempt n+1 after `schedule[n-1]`, varied
 * by ±20 % so many messages that failed together do not retry together. After the last attempt the
 * message is dead-lettered. The default follows the Standard Webhooks example: immediately, then
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (about 3 days in all).
 */
export const DEFAULT_RETRY_SCHEDULE_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
];

export const JITTER = 0.2;

export function maxAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}

/**
 * Delay before the attempt after `attempts` failed ones, or null when none is left. A server's
 * Retry-After (429/503) is honoured when it asks for longer, up to the longest step of the schedule.
 */
export function nextDelayMs(
  schedule: readonly number[],
  attempts: number,
  opts: { random?: () => number; retryAfterMs?: number | null } = {},
): number | null {
  const base = schedule[attempts - 1];
  if (base === undefined) return null;
  const random = opts.random ?? Math.random;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  const longest = Math.max(...schedule);
  const asked = opts.retryAfterMs ?? null;
  return asked !== null && asked > jittered ? Math.min(asked, longest) : jittered;
}

/** Retry-After as seconds or an HTTP date → milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** How one attempt ended. */
export type AttemptOutcome =
  | { kind: "delivered"; code: number | null }
  /** Worth another attempt (5xx, 429, timeouts, connection errors, redirects, SMTP 4xx). */
  | { kind: "retry"; code: number | null; error: string; retryAfterMs?: number | null }
  /** Never worth another attempt (410, refused target, permanent SMTP rejection, channel gone). */
  | { kind: "permanent"; code: number | null; error: string; disableChannel?: string };

/** Webhook: what an HTTP status means. Only 2xx is success; redirects are not followed. */
export function classifyHttp(
  status: number,
  location: string | null,
  retryAfterMs: number | null,
): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: "delivered", code: status };
  if (status === 410)
    return {
      kind: "permanent",
      code: status,
      error: "the endpoint answered 410 Gone: the channel was disabled",
      disableChannel: "the endpoint answered 410 Gone",
    };
  if (status >= 300 && status < 400)
    return {
      kind: "retry",
      code: status,
      error: `HTTP ${status}: redirects are not followed${location ? ` (Location: ${location.slice(0, 200)})` : ""}`,
    };
  return { kind: "retry", code: status, error: `HTTP ${status}`, retryAfterMs };
}
