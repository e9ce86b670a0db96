import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  classifyHttp,
  DEFAULT_RETRY_SCHEDULE_MS,
  maxAttempts,
  nextDelayMs,
  parseRetryAfter,
} from "./retry.js";

describe("retry schedule", () => {
  it("follows the schedule with ±20 % jitter, then stops", () => {
    const s = DEFAULT_RETRY_SCHEDULE_MS;
    assert.equal(maxAttempts(s), 10);
    assert.equal(
      s.reduce((a, b) => a + b, 0),
      (75 * 60 + 35) * 60_000 + 5_000,
      "about 75 h 35 min",
    );
    assert.equal(nextDelayMs(s, 1, { random: () => 0.5 }), 5_000);
    assert.equal(nextDelayMs(s, 1, { random: () => 0 }), 4_000);
    assert.equal(nextDelayMs(s, 1, { random: () => 1 }), 6_000);
    assert.equal(nextDelayMs(s, 2, { random: () => 0.5 }), 300_000);
    assert.equal(nextDelayMs(s, 9, { random: () => 0.5 }), 24 * 3_600_000);
    assert.equal(nextDelayMs(s, 10), null);
  });

  it("honours a longer Retry-After up to the longest step", () => {
    const s = [100, 200];
    assert.equal(nextDelayMs(s, 1, { random: () => 0.5, retryAfterMs: 150 }), 150);
    assert.equal(nextDelayMs(s, 1, { random: () => 0.5, retryAfterMs: 50 }), 100);
    assert.equal(nextDelayMs(s, 1, { random: () => 0.5, retryAfterMs: 10_000 }), 200);
    assert.equal(parseRetryAfter("2.5", 0), 2_500);
    assert.equal(parseRetryAfter(new Date(60_000).toUTCString(), 0), 60_000);
    assert.equal(parseRetryAfter("soon", 0), null);
  });

  it("only 2xx delivers; 410 disables; redirects and errors are retried", () => {
    assert.equal(classifyHttp(204, null, null).kind, "delivered");
    const gone = classifyHttp(410, null, null);
    assert.equal(gone.kind, "permanent");
    assert.ok(gone.kind === "permanent" && gone.disableChannel);
    const moved = classifyHttp(301, "http://10.0.0.1/", null);
    assert.equal(moved.kind, "retry");
    assert.match(
      moved.kind === "retry" ? moved.error : "",
      /redirects are not followed \(Location: http:\/\/10\.0\.0\.1\/\)/,
    );
    assert.equal(classifyHttp(429, null, 5_000).kind, "retry");
    assert.equal(classifyHttp(400, null, null).kind, "retry");
  });
});
