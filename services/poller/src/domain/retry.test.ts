import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffMs, defaultRetryPolicy, parseRetryAfter, retryDecision, throttleHoldMs } from "./retry.js";

const now = new Date("2024-05-01T12:00:00Z");
const policy = defaultRetryPolicy;

describe("parseRetryAfter", () => {
  it("reads integer and fractional seconds", () => {
    assert.equal(parseRetryAfter("3", now), 3);
    assert.equal(parseRetryAfter("2.128", now), 2.128);
    assert.equal(parseRetryAfter(" 0.5 ", now), 0.5);
    assert.equal(parseRetryAfter("0", now), 0);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    assert.equal(parseRetryAfter("Wed, 01 May 2024 12:00:10 GMT", now), 10);
    assert.equal(parseRetryAfter("Wed, 01 May 2024 11:00:00 GMT", now), 0);
  });

  it("returns null for missing, empty and garbage values", () => {
    assert.equal(parseRetryAfter(null, now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter("", now), null);
    assert.equal(parseRetryAfter("   ", now), null);
    assert.equal(parseRetryAfter("-1", now), null);
    assert.equal(parseRetryAfter("soon", now), null);
    assert.equal(parseRetryAfter("1e3", now), null);
  });
});

describe("backoffMs", () => {
  it("grows exponentially, keeps at least half of each step, and caps at the maximum", () => {
    assert.equal(
      backoffMs(0, policy, () => 0),
      500,
    );
    assert.equal(
      backoffMs(0, policy, () => 1),
      1000,
    );
    assert.equal(
      backoffMs(3, policy, () => 0),
      4000,
    );
    assert.equal(
      backoffMs(20, policy, () => 1),
      60_000,
    );
    for (let a = 0; a < 30; a++) assert.ok(backoffMs(a, policy) <= 60_000);
  });
});

describe("retryDecision", () => {
  it("honours Retry-After on 429 (fractional included)", () => {
    assert.deepEqual(retryDecision(429, "2.128", 0, policy, now), {
      retry: true,
      delayMs: 2128,
      basis: "retry-after",
    });
    assert.deepEqual(retryDecision(503, "1", 2, policy, now), {
      retry: true,
      delayMs: 1000,
      basis: "retry-after",
    });
  });

  it("backs off when Retry-After is missing or empty", () => {
    const d = retryDecision(429, "", 1, policy, now, () => 0.5);
    assert.deepEqual(d, { retry: true, delayMs: 1500, basis: "backoff" });
    assert.equal(retryDecision(504, null, 0, policy, now).retry, true);
    assert.equal(retryDecision(null, null, 0, policy, now).retry, true);
  });

  it("does not retry other statuses, too many attempts, or an excessive Retry-After", () => {
    assert.equal(retryDecision(400, "1", 0, policy, now).retry, false);
    assert.equal(retryDecision(403, null, 0, policy, now).retry, false);
    assert.equal(retryDecision(500, null, 0, policy, now).retry, false);
    assert.equal(retryDecision(429, "1", policy.maxRetries, policy, now).retry, false);
    assert.equal(retryDecision(429, "3600", 0, policy, now).retry, false);
  });
});

describe("throttleHoldMs", () => {
  it("holds the tenant for the Retry-After even when the request is not retried", () => {
    // The request's 429s are used up: retryDecision says no retry, the others still wait.
    assert.deepEqual(retryDecision(429, "1.162", policy.maxThrottledRetries ?? 0, policy, now), {
      retry: false,
    });
    assert.equal(throttleHoldMs("1.162", policy, now), 1162);
    assert.equal(throttleHoldMs("Wed, 01 May 2024 12:00:03 GMT", policy, now), 3000);
  });

  it("holds for the first backoff step without a Retry-After, and at most the policy's ceiling", () => {
    assert.equal(throttleHoldMs(null, policy, now), policy.baseDelayMs);
    assert.equal(throttleHoldMs("", policy, now), policy.baseDelayMs);
    assert.equal(throttleHoldMs("100000", policy, now), policy.maxRetryAfterMs);
  });
});
