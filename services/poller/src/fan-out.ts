import { randomUUID } from "node:crypto";
import { type ResourceDef, resourceByName } from "@tenantlens/graph";
import type { Logger } from "@tenantlens/telemetry";
import { type GraphReader, GraphRequestError } from "./adapters/graph-reader.js";
import { sleep } from "./adapters/sleep.js";
import { type BatchAnswer, MAX_BATCH_REQUESTS, relativeUrl, subError } from "./domain/batch.js";
import type { CostMeter } from "./domain/cost.js";
import type { GraphFailure } from "./domain/graph-errors.js";
import type { GraphObject } from "./domain/pages.js";
import { fanOutChildUrl } from "./domain/request.js";
import { defaultRetryPolicy, type RetryPolicy, retryDecision } from "./domain/retry.js";
import { childrenOf, fanOutRows } from "./domain/rows.js";

/** Rows gathered across parents before they are published as one page. */
const ROWS_PER_PAGE = 500;

export interface FanOutDeps {
  graph: GraphReader;
  graphEndpoint: string;
  pageSize: number | null;
  log: Logger;
  /** Retries of a batch item answered 429/503/504 (the 429s with their own budget). */
  retry?: RetryPolicy;
  /**
   * One more of the tenant's read slots, for one more `$batch` in flight beside the first (which
   * the read's own slot covers); null when none is free or the poll's other resources wait for
   * one. Absent: one batch after another.
   */
  borrowSlot?: () => Promise<BorrowedSlot | null>;
}

/** A tenant read slot held for one batch. */
export interface BorrowedSlot {
  release(): Promise<void>;
}

/** What a per-parent read could not read: parents refused (403, 400, …) and gone (404). */
export interface FanOutReport {
  parents: number;
  refused: number;
  gone: number;
  /** The first refusal, for the outcome's reason. */
  firstRefusal: GraphFailure | null;
}

export function emptyFanOutReport(): FanOutReport {
  return { parents: 0, refused: 0, gone: 0, firstRefusal: null };
}

/** One parent's next request: its first page, a nextLink, or a retry of a throttled item. */
interface Pending {
  parentId: string;
  url: string;
  /** The item's `client-request-id`, kept by its retries. */
  requestId: string;
  throttles: number;
  failures: number;
  /** Epoch ms before which it is not sent again (its Retry-After). */
  notBefore: number;
}

/**
 * Reads a fan-out resource (catalog `fanOut`): lists the parents' ids from `parentsUrl` (every
 * `@odata.nextLink`), then the parents' children through Graph's `$batch`, 20 requests per batch:
 * each parent's first page, and every nextLink a sub-response carries goes into a later batch. One
 * batch is in flight on the read's own slot; with `borrowSlot`, one more for each tenant read slot
 * it lends (none while other resources wait for a slot, none after throttled items). Items answered 429/503/504 are sent again, alone of their batch, once their
 * own Retry-After (or backoff) has passed; the others are not repeated. After throttled items the
 * batches shrink (halved, down to one item) and grow back (doubled) once Graph takes one whole. Yields the rows in pages of
 * a few hundred; only the parent ids, one page of rows and the batches in flight are held in memory.
 *
 * A parent that disappeared between the listing and its read (404) is skipped. A parent Graph
 * refuses (403, 400, …) does not stop the others: it is counted in `report` and the caller ends the
 * resource `partial` — unless every parent was refused, which throws the first refusal (so a
 * permission not granted is recorded as such). An answer that is not a collection, or a batch
 * item that stays throttled past the retry budget, ends the read. Every HTTP request and batch item
 * is counted on `meter`, like the reader's own.
 */
export async function* fanOutPages(
  resource: ResourceDef,
  parentsUrl: string,
  deps: FanOutDeps,
  signal: AbortSignal,
  meter?: CostMeter,
  report: FanOutReport = emptyFanOutReport(),
): AsyncGenerator<GraphObject[]> {
  const policy = deps.retry ?? defaultRetryPolicy;
  const throttlePolicy = { ...policy, maxRetries: policy.maxThrottledRetries ?? policy.maxRetries };
  const parents: string[] = [];
  const parent = resource.fanOut ? resourceByName(resource.fanOut.from) : undefined;
  if (parent?.fanOut) {
    // Parents read per parent themselves (channels of each team): their row ids are the parents.
    // A team refused there leaves its channels out here too: the report is shared.
    for await (const rows of fanOutPages(parent, parentsUrl, deps, signal, meter, report))
      for (const r of rows) parents.push(r.id);
  } else {
    for (let url: string | null = parentsUrl; url; ) {
      const body = await deps.graph.get(url, {}, signal, meter);
      if (!Array.isArray(body.value)) throw malformed(resource.fanOut?.from ?? resource.name);
      for (const p of body.value) {
        const id = (p as { id?: unknown } | null)?.id;
        if (typeof id === "string" && id !== "") parents.push(id);
      }
      url = nextLink(body);
    }
  }
  report.parents += parents.length;
  let buffer: GraphObject[] = [];
  let pages = 0;
  let invalid = 0;
  let read = 0;
  let refused = 0;
  let answered = false;
  /** Continuations (nextLinks) and retries, first come first sent. */
  let waiting: Pending[] = [];
  let next = 0;
  const fresh = (parentId: string): Pending => ({
    parentId,
    url: fanOutChildUrl(resource, parentId, deps),
    requestId: randomUUID(),
    throttles: 0,
    failures: 0,
    notBefore: 0,
  });

  /** One item's answer: rows, a continuation, a retry, a skip or a refusal. */
  const take = (item: Pending, answer: BatchAnswer) => {
    if (answer.status >= 200 && answer.status < 300) {
      const body = answer.body;
      const children =
        typeof body === "object" && body !== null && !Array.isArray(body)
          ? childrenOf(body as Record<string, unknown>)
          : null;
      if (!children) throw malformed(resource.path);
      answered = true;
      const out = fanOutRows(resource, item.parentId, children);
      invalid += out.invalid;
      buffer.push(...out.rows);
      const more = nextLink(body as Record<string, unknown>);
      if (more) waiting.push({ ...item, url: more, requestId: randomUUID(), throttles: 0, failures: 0 });
      else read++;
      return;
    }
    if (answer.status === 404) {
      report.gone++;
      return;
    }
    const err = subError(answer);
    if (answer.status === 429 || answer.status === 503 || answer.status === 504) {
      const retryAfter = answer.headers["retry-after"] ?? null;
      const d =
        answer.status === 429
          ? retryDecision(429, retryAfter, item.throttles++, throttlePolicy, new Date())
          : retryDecision(answer.status, retryAfter, item.failures++, policy, new Date());
      if (d.retry) {
        if (meter) meter.retries++;
        waiting.push({ ...item, notBefore: Date.now() + d.delayMs });
        return;
      }
      throw new GraphRequestError({ status: answer.status, code: err.code, message: err.message });
    }
    refused++;
    report.refused++;
    report.firstRefusal ??= { status: answer.status, code: err.code, message: err.message };
  };

  // Items per batch: 20, halved after a batch with throttled items (twenty items into a budget that
  // just refilled for one would mostly be refused again, and Graph charges refused requests too),
  // doubled again after each batch Graph took whole.
  let size = MAX_BATCH_REQUESTS;
  /** Batches sent and not yet answered: the first on the read's own slot, the others on borrowed ones. */
  const inFlight = new Set<Promise<void>>();
  /** Whether a batch in flight is on the read's own slot. */
  let ownBusy = false;
  let failure: { err: unknown } | null = null;
  const send = async (items: Pending[], slot: BorrowedSlot | null): Promise<void> => {
    try {
      const answers = await deps.graph.batch(
        resource.version,
        items.map((i, k) => ({
          id: String(k + 1),
          url: i.url,
          headers: { "client-request-id": i.requestId },
        })),
        signal,
        meter,
      );
      for (const [k, item] of items.entries()) take(item, answers[k] as BatchAnswer);
      size = answers.some((a) => a.status === 429)
        ? Math.max(1, Math.floor(size / 2))
        : Math.min(MAX_BATCH_REQUESTS, size * 2);
    } catch (err) {
      failure ??= { err };
    } finally {
      if (slot) await slot.release().catch(() => {});
      else ownBusy = false;
    }
  };
  /** Something can be sent now: a retry whose wait is over, a continuation or a parent not yet read. */
  const sendable = () => next < parents.length || waiting.some((i) => i.notBefore <= Date.now());
  try {
    while (!failure && (waiting.length > 0 || next < parents.length || inFlight.size > 0)) {
      // More batches at once while the tenant has free read slots (never after throttled items:
      // then the batches shrink and go one by one until Graph takes one whole again).
      while (!failure && sendable()) {
        let slot: BorrowedSlot | null = null;
        if (ownBusy) {
          if (!deps.borrowSlot || size < MAX_BATCH_REQUESTS) break;
          slot = await deps.borrowSlot();
          if (!slot) break;
        }
        const now = Date.now();
        const ready = waiting.filter((i) => i.notBefore <= now).slice(0, size);
        if (ready.length > 0) waiting = waiting.filter((i) => !ready.includes(i));
        while (ready.length < size && next < parents.length) ready.push(fresh(parents[next++] as string));
        // A nextLink outside this version's endpoint cannot go into the batch: read it on its own.
        const alone = ready.filter((i) => relativeUrl(i.url, deps.graphEndpoint, resource.version) === null);
        try {
          for (const item of alone) {
            let body: Record<string, unknown>;
            try {
              body = await deps.graph.get(item.url, { "client-request-id": item.requestId }, signal, meter);
            } catch (err) {
              if (err instanceof GraphRequestError && err.failure.status === 404) {
                report.gone++;
                continue;
              }
              throw err;
            }
            take(item, { id: item.requestId, status: 200, body, headers: {} });
          }
        } catch (err) {
          await slot?.release().catch(() => {});
          throw err;
        }
        const batched = ready.filter((i) => !alone.includes(i));
        if (batched.length === 0) {
          await slot?.release().catch(() => {});
          continue;
        }
        if (!slot) ownBusy = true;
        const sent: Promise<void> = send(batched, slot).finally(() => inFlight.delete(sent));
        inFlight.add(sent);
      }
      if (buffer.length >= ROWS_PER_PAGE) {
        // Batches in flight keep answering into the next buffer while this one is published.
        const page = buffer;
        buffer = [];
        pages++;
        yield page;
        continue;
      }
      if (failure) break;
      if (inFlight.size > 0) await Promise.race(inFlight);
      else if (waiting.length > 0 && !sendable()) {
        // Only throttled items are left: wait for the first Retry-After to pass.
        await sleep(Math.min(...waiting.map((i) => i.notBefore)) - Date.now(), signal);
      }
    }
  } finally {
    // Nothing of this read stays in flight once it returns or fails (borrowed slots are given back).
    await Promise.allSettled([...inFlight]);
  }
  if (failure) throw (failure as { err: unknown }).err;
  if (refused > 0 && !answered && report.firstRefusal) {
    // Every parent refused: the resource as a whole is not readable (permission, licence, …).
    throw new GraphRequestError(report.firstRefusal);
  }
  // At least one page, so an empty result is recorded like an empty list.
  if (buffer.length > 0 || pages === 0) yield buffer;
  if (invalid > 0 || report.gone > 0 || refused > 0)
    deps.log.warn(
      { invalid, parentsGone: report.gone, parentsRefused: refused, parents: parents.length, read },
      "fan-out read skipped entries",
    );
}

function nextLink(body: Record<string, unknown>): string | null {
  const v = body["@odata.nextLink"];
  return typeof v === "string" && v !== "" ? v : null;
}

export function malformed(what: string): GraphRequestError {
  return new GraphRequestError({
    status: 200,
    code: null,
    message: `Malformed answer from Graph: ${what} returned no 'value' collection`,
  });
}
