import { AppError } from "@tenantlens/contracts";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per API key: `perMinute` requests a minute, bursts up to a sixth of that. Past it
 * the answer is 429 `rate_limited` with `Retry-After` (whole seconds until a token is back). The
 * buckets live in this gateway process: with several replicas each allows its own share.
 */
export function rateLimitPerKey(perMinute: number, now: () => number = Date.now): MiddlewareHandler<AppEnv> {
  const capacity = Math.max(1, Math.ceil(perMinute / 6));
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  return async (c, next) => {
    const { keyId } = c.get("principal");
    const t = now();
    const b = buckets.get(keyId) ?? { tokens: capacity, at: t };
    b.tokens = Math.min(capacity, b.tokens + (t - b.at) * perMs);
    b.at = t;
    buckets.set(keyId, b);
    if (b.tokens < 1) {
      const seconds = Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
      c.header("Retry-After", String(seconds));
      throw new AppError(
        "rate_limited",
        `this API key made more than ${perMinute} requests a minute; retry in ${seconds} s`,
      );
    }
    b.tokens -= 1;
    // Forget idle keys now and then so the map stays the size of the active keys.
    if (buckets.size > 10_000) for (const [k, v] of buckets) if (t - v.at > 60_000) buckets.delete(k);
    await next();
  };
}
