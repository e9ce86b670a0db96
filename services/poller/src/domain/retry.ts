/**
 * Pacing under Graph throttling. Graph sends `Retry-After` as whole or fractional seconds (e.g.
 * "2.128"), sometimes as an HTTP date, sometimes not at all or empty (conditional access and
 * identity protection never send it): parse what is there, otherwise back off exponentially with
 * jitter. Retrying sooner than asked only extends throttling, so a given Retry-After is honoured.
 */
export interface RetryPolicy {
  /** Attempts after the first request; then the request fails. */
  maxRetries: number;
  /**
   * Retries after 429 answers, counted apart: waiting as Graph asks is always safe, and parallel
   * reads (or pollers) sharing a tenant's budget meet more 429s per request than one read alone.
   * Default: maxRetries.
   */
  maxThrottledRetries?: number;
  /** First backoff step when no Retry-After is given. */
  baseDelayMs: number;
  /** Ceiling of computed backoff. */
  maxBackoffMs: number;
  /** Ceiling of an honoured Retry-After (a larger value fails the request instead of stalling a poll). */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 6,
  maxThrottledRetries: 20,
  baseDelayMs: 1_000,
  maxBackoffMs: 60_000,
  maxRetryAfterMs: 300_000,
};

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/** Seconds to wait, or null when the header is missing, empty or unparseable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === "") return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  // HTTP-date form (RFC 9110 10.2.3); must contain a letter so bare garbage like "-1" is not a date.
  if (/[a-z]/i.test(v)) {
    const at = Date.parse(v);
    if (!Number.isNaN(at)) return Math.max(0, (at - now.getTime()) / 1000);
  }
  return null;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to 0. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxBackoffMs, policy.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.min(policy.maxBackoffMs, exp / 2 + (exp / 2) * random());
}

export type RetryDecision =
  | { retry: true; delayMs: number; basis: "retry-after" | "backoff" }
  | { retry: false };

/**
 * attempt: 0 for the first retry. status null = no response (network error), retried with backoff.
 */
export function retryDecision(
  status: number | null,
  retryAfter: string | null | undefined,
  attempt: number,
  policy: RetryPolicy,
  now: Date,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt >= policy.maxRetries) return { retry: false };
  if (status !== null && !RETRYABLE_STATUSES.has(status)) return { retry: false };
  const seconds = parseRetryAfter(retryAfter, now);
  if (seconds !== null) {
    const ms = Math.ceil(seconds * 1000);
    if (ms > policy.maxRetryAfterMs) return { retry: false };
    return { retry: true, delayMs: ms, basis: "retry-after" };
  }
  return { retry: true, delayMs: Math.round(backoffMs(attempt, policy, random)), basis: "backoff" };
}

/**
 * How long a 429 holds every request of the tenant, whether or not the refused request is retried:
 * its Retry-After (up to the policy's ceiling), or the first backoff step without one.
 */
export function throttleHoldMs(
  retryAfter: string | null | undefined,
  policy: RetryPolicy,
  now: Date,
): number {
  const seconds = parseRetryAfter(retryAfter, now);
  if (seconds === null) return policy.baseDelayMs;
  return Math.min(policy.maxRetryAfterMs, Math.ceil(seconds * 1000));
}
