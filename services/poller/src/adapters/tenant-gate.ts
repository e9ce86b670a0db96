import { PollThrottleBucket } from "@tenantlens/contracts";
import { sleep } from "./sleep.js";

/** Where pollers tell each other that Graph throttled an integration: `<integrationId>` → until (epoch ms). */
export const THROTTLE_BUCKET = PollThrottleBucket.name;

export interface GateTurn {
  /** The answer (or failure) is in: whether it was a 429. */
  done(throttled: boolean): void;
}

/**
 * Graph throttles per app and tenant: once it answers 429, no request of that integration leaves
 * this poller before the wait is up (Retry-After, or the backoff when Graph gave none), whichever
 * resource it belongs to. Then requests go one at a time until one is not throttled, the
 * throttled ones first in the order they were refused: a burst of parallel reads into a budget
 * that just refilled enough for one would be refused again (and Graph charges refused requests),
 * and an expensive request would starve behind cheap ones.
 */
export class TenantGate {
  private until = 0;
  /** After a 429, until a request gets through: one request at a time. */
  private recovering = false;
  private probing = false;
  /** Retries of throttled requests, first refused first. */
  private readonly retries: object[] = [];
  private waiters: Array<() => void> = [];

  /** Told of every local block (epoch ms until when), to share it with the other pollers. */
  constructor(private readonly onBlock?: (until: number) => void) {}

  /**
   * No request before `ms` from now (a later block extends it, an earlier one does not shorten
   * it). `shared`: the block came from another poller (not passed on again).
   */
  block(ms: number, shared = false): void {
    const until = Date.now() + ms;
    if (until <= this.until && shared) return;
    this.until = Math.max(this.until, until);
    this.recovering = true;
    if (!shared) this.onBlock?.(this.until);
    this.wake();
  }

  /**
   * A place in line for the retry of a request just refused, taken at once (before its wait), so
   * that the retry goes ahead of requests that were never refused.
   */
  reserve(): object {
    const ticket = {};
    this.retries.push(ticket);
    return ticket;
  }

  /** Gives up a reserved place (the request will not be retried after all). */
  cancel(ticket: object): void {
    const k = this.retries.indexOf(ticket);
    if (k >= 0) this.retries.splice(k, 1);
    this.wake();
  }

  /** Resolves once this request may go (`ticket`: its place from `reserve`). */
  async enter(signal?: AbortSignal, ticket?: object): Promise<GateTurn> {
    const me = ticket ?? {};
    try {
      for (;;) {
        signal?.throwIfAborted();
        const left = this.until - Date.now();
        if (left > 0) {
          await sleep(left, signal);
          continue;
        }
        if (!this.recovering) return { done: () => {} };
        const first = this.retries[0];
        if (!this.probing && (first === undefined || first === me)) {
          this.probing = true;
          let ended = false;
          return {
            done: (throttled) => {
              if (ended) return;
              ended = true;
              if (!throttled) this.recovering = false;
              this.probing = false;
              this.wake();
            },
          };
        }
        await this.changed(signal);
      }
    } finally {
      const k = this.retries.indexOf(me);
      if (k >= 0) this.retries.splice(k, 1);
      this.wake();
    }
  }

  private changed(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      this.waiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
