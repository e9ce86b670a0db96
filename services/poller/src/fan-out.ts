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
 * `@odata.nextLink`), then the parents' children through Graph's `$batch`, 20 requests per batch,
 * one batch after another: each parent's first page, and every nextLink a sub-response carries goes
 * into a later batch. Items answered 429/503/504 are sent again, alone of their batch, once their
 * own Retry-After (or backoff) has passed; the others are not repeated. After throttled items the
 * batches shrink (halved, down to one item) and grow back (doubled) once Graph takes one whole. Yields the rows in pages of
 * a few hundred; only the parent ids and one page of rows are held in memory.
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
  while (waiting.length > 0 || next < parents.length) {
    const now = Date.now();
    const ready = waiting.filter((i) => i.notBefore <= now).slice(0, size);
    if (ready.length > 0) waiting = waiting.filter((i) => !ready.includes(i));
    while (ready.length < size && next < parents.length) ready.push(fresh(parents[next++] as string));
    if (ready.length === 0) {
      // Only throttled items are left: wait for the first Retry-After to pass.
      await sleep(Math.min(...waiting.map((i) => i.notBefore)) - now, signal);
      continue;
    }
    // A nextLink outside this version's endpoint cannot go into the batch: read it on its own.
    const alone = ready.filter((i) => relativeUrl(i.url, deps.graphEndpoint, resource.version) === null);
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
    const batched = ready.filter((i) => !alone.includes(i));
    if (batched.length > 0) {
      const answers = await deps.graph.batch(
        resource.version,
        batched.map((i, k) => ({
          id: String(k + 1),
          url: i.url,
          headers: { "client-request-id": i.requestId },
        })),
        signal,
        meter,
      );
      for (const [k, item] of batched.entries()) take(item, answers[k] as BatchAnswer);
      size = answers.some((a) => a.status === 429)
        ? Math.max(1, Math.floor(size / 2))
        : Math.min(MAX_BATCH_REQUESTS, size * 2);
    }
    if (buffer.length >= ROWS_PER_PAGE) {
      yield buffer;
      pages++;
      buffer = [];
    }
  }
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
