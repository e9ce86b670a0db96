import { sleep } from "./sleep.js";

/**
 * Graph throttles per app and tenant: once it answers 429 with Retry-After, no request of that
 * integration leaves this poller before the time is up, whichever resource it belongs to.
 */
export class TenantGate {
  private until = 0;

  /** No request before `ms` from now (a later block extends it, an earlier one does not shorten it). */
  block(ms: number): void {
    this.until = Math.max(this.until, Date.now() + ms);
  }

  /** Resolves once the integration may send again. */
  async wait(signal?: AbortSignal): Promise<void> {
    for (let left = this.until - Date.now(); left > 0; left = this.until - Date.now()) {
      await sleep(left, signal);
    }
  }
}
