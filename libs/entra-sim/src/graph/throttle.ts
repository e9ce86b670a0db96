/**
 * Graph's identity-and-access throttling: a resource-unit token bucket per app + tenant with Graph's
 * S/M/L budgets per 10 s, and the 5 requests / 10 s limit of the reports service (audit logs,
 * sign-ins). Usage keeps being charged while throttled, so a client ignoring Retry-After digs deeper.
 */

export type RetryAfterMode = "integer" | "fraction" | "missing";

export interface ThrottleConfig {
  enabled: boolean;
  retryAfter: RetryAfterMode;
  /** Budget window in seconds (Graph: 10). */
  windowSeconds: number;
  /** Resource units per window; default by tenant size (S < 50 users: 3,500; M ≤ 500: 5,000; L: 8,000). */
  budget: number | null;
  /** Requests per window for the reports service (Graph: 5). */
  reportsLimit: number;
  /** Write requests (POST, PATCH, DELETE) per app + tenant per `writeWindowSeconds` (Graph: 3,000 per 150 s). */
  writeBudget: number;
  writeWindowSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleConfig = {
  enabled: false,
  retryAfter: "integer",
  windowSeconds: 10,
  budget: null,
  reportsLimit: 5,
  writeBudget: 3000,
  writeWindowSeconds: 150,
};

export function budgetForUsers(users: number): number {
  return users < 50 ? 3500 : users <= 500 ? 5000 : 8000;
}

class Bucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Charges `cost`; returns 0 when allowed, else the wait in ms until `cost` units are available. */
  take(cost: number, now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    this.tokens = Math.max(-this.capacity, this.tokens - cost);
    return Math.max(1, (cost - this.tokens) / this.perMs);
  }

  usage(): number {
    return (this.capacity - this.tokens) / this.capacity;
  }
}

export interface ThrottleOutcome {
  /** Headers for every response (x-ms-resource-unit, x-ms-throttle-limit-percentage). */
  headers: Record<string, string>;
  /** Set when the request must be answered 429: the headers to add to it. */
  throttled?: Record<string, string>;
}

export class Throttle {
  private global: ThrottleConfig = { ...DEFAULT_THROTTLE };
  private readonly perTenant = new Map<string, Partial<ThrottleConfig>>();
  private readonly buckets = new Map<string, Bucket>();

  setGlobal(patch: Partial<ThrottleConfig>): ThrottleConfig {
    this.global = { ...this.global, ...patch };
    this.buckets.clear();
    return this.global;
  }

  setTenant(tenantId: string, patch: Partial<ThrottleConfig> | null): ThrottleConfig {
    if (patch === null) this.perTenant.delete(tenantId);
    else this.perTenant.set(tenantId, { ...this.perTenant.get(tenantId), ...patch });
    for (const k of this.buckets.keys()) if (k.includes(`|${tenantId}|`)) this.buckets.delete(k);
    return this.config(tenantId);
  }

  config(tenantId: string): ThrottleConfig {
    return { ...this.global, ...this.perTenant.get(tenantId) };
  }

  globalConfig(): ThrottleConfig {
    return this.global;
  }

  charge(
    opts: { tenantId: string; appId: string; users: number; cost: number; reports: boolean; write?: boolean },
    now = performance.now(),
  ): ThrottleOutcome {
    const headers: Record<string, string> = { "x-ms-resource-unit": String(opts.cost) };
    const cfg = this.config(opts.tenantId);
    if (!cfg.enabled) return { headers };
    if (opts.write) {
      // Writes count against their own quota as well as the resource units (Graph's write quota).
      const writeMs = cfg.writeWindowSeconds * 1000;
      const wkey = `w|${opts.tenantId}|${opts.appId}|${cfg.writeBudget}|${writeMs}`;
      let wb = this.buckets.get(wkey);
      if (!wb) {
        wb = new Bucket(cfg.writeBudget, cfg.writeBudget / writeMs, now);
        this.buckets.set(wkey, wb);
      }
      const wait = wb.take(1, now);
      if (wait > 0) {
        const throttled: Record<string, string> = {
          ...headers,
          "x-ms-throttle-scope": `Tenant_Application/Write/${opts.appId}/${opts.tenantId}`,
          "x-ms-throttle-information": "WriteLimitExceeded",
        };
        const seconds = wait / 1000;
        if (cfg.retryAfter === "integer") throttled["retry-after"] = String(Math.max(1, Math.ceil(seconds)));
        else if (cfg.retryAfter === "fraction")
          throttled["retry-after"] = Math.max(0.001, seconds).toFixed(3);
        return { headers, throttled };
      }
    }
    const windowMs = cfg.windowSeconds * 1000;
    const reports = opts.reports;
    const capacity = reports ? cfg.reportsLimit : (cfg.budget ?? budgetForUsers(opts.users));
    const key = `${reports ? "r" : "ru"}|${opts.tenantId}|${opts.appId}|${capacity}|${windowMs}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new Bucket(capacity, capacity / windowMs, now);
      this.buckets.set(key, bucket);
    }
    const wait = bucket.take(reports ? 1 : opts.cost, now);
    const usage = bucket.usage();
    if (usage > 0.8) headers["x-ms-throttle-limit-percentage"] = Math.min(1.8, usage).toFixed(2);
    if (wait === 0) return { headers };
    const throttled: Record<string, string> = {
      ...headers,
      "x-ms-throttle-scope": `Tenant_Application/${reports ? "Reports" : "ReadOnly"}/${opts.appId}/${opts.tenantId}`,
      "x-ms-throttle-information": "ResourceUnitLimitExceeded",
    };
    const seconds = wait / 1000;
    if (cfg.retryAfter === "integer") throttled["retry-after"] = String(Math.max(1, Math.ceil(seconds)));
    else if (cfg.retryAfter === "fraction") throttled["retry-after"] = Math.max(0.001, seconds).toFixed(3);
    return { headers, throttled };
  }
}

/** Graph's resource-unit cost: base cost, $select −1, $expand +1, $top < 20 −1, never below 1. */
export function requestCost(base: number, q: { select?: unknown; expand?: unknown; top?: string }): number {
  let cost = base;
  if (q.select) cost -= 1;
  if (q.expand) cost += 1;
  if (q.top !== undefined && Number(q.top) < 20) cost -= 1;
  return Math.max(1, cost);
}
