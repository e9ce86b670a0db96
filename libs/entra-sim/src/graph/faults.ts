import { prng } from "../directory/hash.js";

/**
 * Injected faults: 5xx answers, a 401 refusing a valid token, a 403 refusing one object, slow
 * answers, dropped connections, malformed JSON and expired page tokens, each fired with a
 * probability (rate) or a fixed number of times (count), optionally only under a path prefix, for
 * one tenant or globally. A `$batch` is a request to the path `$batch` (its status, delay, drop or
 * malformed body); its items meet only the `status` and `expiredPageToken` rules whose prefix
 * names them, so one parent of many can be refused or throttled inside a batch.
 */

/** Who a fault is evaluated for: a request, a `$batch` envelope, or one item inside a batch. */
export type FaultTarget = "request" | "batch" | "item";

export type FaultRule =
  | ({ type: "status"; status: 401 | 403 | 500 | 503 | 504 } & FaultScope)
  | ({ type: "slow"; delayMs: number } & FaultScope)
  | ({ type: "drop" } & FaultScope)
  | ({ type: "malformedJson" } & FaultScope)
  | ({ type: "expiredPageToken" } & FaultScope);

export interface FaultScope {
  /** Probability in [0, 1] per matching request. */
  rate?: number;
  /** Fire on the next N matching requests, then stop (takes precedence over rate). */
  count?: number;
  /** Graph path prefix after the version, e.g. "/users" or "/auditLogs". */
  pathPrefix?: string;
}

export interface FiredFaults {
  delayMs: number;
  fault?: Exclude<FaultRule, { type: "slow" }>;
}

interface Active {
  rule: FaultRule;
  remaining: number | undefined;
  fired: number;
}

export class Faults {
  private global: Active[] = [];
  private readonly perTenant = new Map<string, Active[]>();
  private readonly rand: () => number;

  constructor(seed = 0x5eed) {
    this.rand = prng(seed);
  }

  set(tenantId: string | null, rules: FaultRule[]): void {
    const active = rules.map((rule) => ({ rule, remaining: rule.count, fired: 0 }));
    if (tenantId === null) this.global = active;
    else this.perTenant.set(tenantId, active);
  }

  /** The rules as configured, with what is left of one-shot counts and how often each fired. */
  list(tenantId: string | null): (FaultRule & { remaining: number | null; fired: number })[] {
    const src = tenantId === null ? this.global : (this.perTenant.get(tenantId) ?? []);
    return src.map((a) => ({ ...a.rule, remaining: a.remaining ?? null, fired: a.fired }));
  }

  /** Decides the faults for one request; `paged` is true when the request carries a $skiptoken. */
  evaluate(tenantId: string, path: string, paged: boolean, target: FaultTarget = "request"): FiredFaults {
    const out: FiredFaults = { delayMs: 0 };
    const p = `/${path.replace(/^\/+/, "")}`.toLowerCase();
    for (const a of [...(this.perTenant.get(tenantId) ?? []), ...this.global]) {
      const r = a.rule;
      if (target === "item" && (!r.pathPrefix || (r.type !== "status" && r.type !== "expiredPageToken")))
        continue;
      if (r.pathPrefix && !p.startsWith(`/${r.pathPrefix.replace(/^\/+/, "")}`.toLowerCase())) continue;
      if (r.type === "expiredPageToken" && !paged) continue;
      if (r.type !== "slow" && out.fault) continue;
      if (!this.fires(a)) continue;
      if (r.type === "slow") out.delayMs += r.delayMs;
      else out.fault = r;
    }
    return out;
  }

  private fires(a: Active): boolean {
    if (a.remaining !== undefined) {
      if (a.remaining <= 0) return false;
      a.remaining--;
      a.fired++;
      return true;
    }
    const hit = this.rand() < (a.rule.rate ?? 0);
    if (hit) a.fired++;
    return hit;
  }
}
