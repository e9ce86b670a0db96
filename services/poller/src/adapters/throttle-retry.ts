import type { Context, Middleware } from "@microsoft/microsoft-graph-client";
import type { Logger } from "@tenantlens/telemetry";
import { batchTally } from "../domain/batch.js";
import { type CostMeter, resourceUnits } from "../domain/cost.js";
import { type RetryPolicy, retryDecision, throttleHoldMs } from "../domain/retry.js";
import { sleep } from "./sleep.js";
import type { TenantGate } from "./tenant-gate.js";

export interface ThrottleEvents {
  /** Called before each wait, for logs and metrics. */
  onRetry?: (info: {
    status: number | null;
    delayMs: number;
    attempt: number;
    basis: string;
    url: string;
  }) => void;
}

/** Per attempt: a hung connection must not stall a poll forever. */
const ATTEMPT_TIMEOUT_MS = 60_000;

/**
 * Replaces the graph client's RetryHandler, which retries an empty or unparseable Retry-After at once
 * (Number("") is 0, Date("x") is NaN), caps waits at 180 s and retries only 3 times. This one honours
 * fractional and date values, backs off with jitter when the header is missing, retries network
 * errors, releases each discarded response body and stops waiting when the poll is cancelled.
 */
export class ThrottleRetryHandler implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly log: Logger,
    private readonly events: ThrottleEvents = {},
    private readonly gate?: TenantGate,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error("ThrottleRetryHandler needs a next middleware");
    const options = context.options ?? {};
    context.options = options;
    const outer = options.signal ?? undefined;
    // The request's cost meter rides in the fetch options (`.option("meter", …)`); fetch ignores it.
    const meter = (options as { meter?: CostMeter }).meter;
    const url = typeof context.request === "string" ? context.request : context.request.url;
    let ticket: object | undefined;
    // 429s and other failures (5xx, network) have their own retry budgets.
    let throttles = 0;
    let failures = 0;
    const throttlePolicy = {
      ...this.policy,
      maxRetries: this.policy.maxThrottledRetries ?? this.policy.maxRetries,
    };
    for (let attempt = 0; ; attempt++) {
      outer?.throwIfAborted();
      const turn = await this.gate?.enter(outer, ticket);
      ticket = undefined;
      if (meter) meter.requests++;
      options.signal = outer
        ? AbortSignal.any([outer, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)])
        : AbortSignal.timeout(ATTEMPT_TIMEOUT_MS);
      let status: number | null;
      let retryAfter: string | null = null;
      try {
        await this.next.execute(context);
        status = context.response?.status ?? null;
        retryAfter = context.response?.headers.get("Retry-After") ?? null;
      } catch (err) {
        turn?.done(false);
        if (outer?.aborted) throw err;
        status = null;
        const d = retryDecision(null, null, failures++, this.policy, new Date());
        if (!d.retry) throw err;
        if (meter) meter.retries++;
        this.log.debug(
          { err: String(err), attempt, delayMs: d.delayMs, url: redact(url) },
          "Graph request failed; retrying",
        );
        this.events.onRetry?.({ status, delayMs: d.delayMs, attempt, basis: d.basis, url });
        await sleep(d.delayMs, outer);
        continue;
      }
      if (meter && status === 429) meter.throttled++;
      const d =
        status === 429
          ? retryDecision(status, retryAfter, throttles++, throttlePolicy, new Date())
          : retryDecision(status, retryAfter, failures, this.policy, new Date());
      if (status !== 429 && d.retry) failures++;
      // Graph throttles the app in the tenant, not one resource: every read of it waits as long,
      // from now (before the answer's body is read: meanwhile other reads would pass the gate),
      // and the retry keeps its place ahead of requests that were not refused.
      // A request that is not retried (its 429s used up) still holds the others for its Retry-After.
      if (status === 429)
        this.gate?.block(d.retry ? d.delayMs : throttleHoldMs(retryAfter, this.policy, new Date()));
      /** Longest wait asked for by throttled items of a batch answer (the batch itself got through). */
      let itemsWait: number | null = null;
      try {
        if (meter || isBatch(context)) itemsWait = await measure(context, meter, throttlePolicy);
      } finally {
        if (status === 429 && d.retry) ticket = this.gate?.reserve();
        // A batch whose items were throttled holds the tenant like a 429 of its own would, before
        // anything else may go: the caller sends those items again once the wait is up.
        if (itemsWait !== null) this.gate?.block(itemsWait);
        turn?.done(status === 429 || itemsWait !== null);
      }
      if (!d.retry || status === null || status < 400) return;
      await context.response?.body?.cancel().catch(() => {});
      if (meter) meter.retries++;
      this.log.debug(
        { status, retryAfter, attempt, delayMs: d.delayMs, basis: d.basis, url: redact(url) },
        "Graph throttled; waiting",
      );
      this.events.onRetry?.({ status, delayMs: d.delayMs, attempt, basis: d.basis, url });
      try {
        await sleep(d.delayMs, outer);
      } catch (err) {
        if (ticket) this.gate?.cancel(ticket);
        throw err;
      }
    }
  }
}

/**
 * Counts the answer's body bytes and resource units. The body is read here (one page, the same
 * bytes the client reads next) and handed on as a fresh Response. A `$batch` answer is read for its
 * items too: each one answered is counted in `batched`, a throttled one in `throttled`, their
 * resource units in `units`; returns the longest wait its throttled items ask for (Retry-After, or
 * the first backoff step without one), or null when none was throttled.
 */
async function measure(
  context: Context,
  meter: CostMeter | undefined,
  policy: RetryPolicy,
): Promise<number | null> {
  const res = context.response;
  if (!res) return null;
  if (meter) meter.units += resourceUnits(res.headers.get("x-ms-resource-unit"));
  if (!res.body) return null;
  const bytes = await res.arrayBuffer();
  if (meter) meter.bytes += bytes.byteLength;
  context.response = new Response(bytes, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
  if (!isBatch(context) || res.status !== 200) return null;
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null; // The caller reports the malformed answer.
  }
  const tally = batchTally(body);
  if (meter) {
    meter.batched = (meter.batched ?? 0) + tally.answered;
    meter.throttled += tally.throttled.length;
    meter.units += tally.units;
  }
  if (tally.throttled.length === 0) return null;
  let wait = 0;
  for (const retryAfter of tally.throttled)
    wait = Math.max(wait, throttleHoldMs(retryAfter, policy, new Date()));
  return wait;
}

/** A POST to Graph's `$batch` endpoint. */
function isBatch(context: Context): boolean {
  const url = typeof context.request === "string" ? context.request : context.request.url;
  const method = (context.options?.method ?? "GET").toUpperCase();
  return method === "POST" && /\/\$batch(\?|$)/.test(url);
}

/** Delta and skip tokens are credentials of a sort: logs get the path only. */
export function redact(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}
