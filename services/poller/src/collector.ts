import type { ResourceOutcome } from "@tenantlens/contracts";
import type { ResourceDef } from "@tenantlens/graph";
import type { Logger } from "@tenantlens/telemetry";
import type { CollectEvents } from "./adapters/collect-events.js";
import type { DeltaLinks } from "./adapters/delta-links.js";
import { type GraphBody, type GraphReader, GraphRequestError } from "./adapters/graph-reader.js";
import type { ResourceState, Stream, Summary } from "./adapters/poll-state.js";
import { TokenUnavailable } from "./adapters/token-provider.js";
import { addCost, type CostMeter, emptyCost } from "./domain/cost.js";
import { splitDerived } from "./domain/derived.js";
import { classifyGraphFailure } from "./domain/graph-errors.js";
import { nextLogCursor, planLogWindow } from "./domain/log-window.js";
import { resourceOutcomeAfterFailure } from "./domain/outcome.js";
import {
  chunkBudget,
  chunkPage,
  type GraphObject,
  OversizedObjectError,
  type Removed,
  splitPage,
} from "./domain/pages.js";
import { planRead, type ReadPlan } from "./domain/request.js";
import type { RetryPolicy } from "./domain/retry.js";
import { withIds } from "./domain/rows.js";
import { emptyFanOutReport, type FanOutDeps, fanOutPages, malformed } from "./fan-out.js";

export interface PollRef {
  pollId: string;
  workspaceId: string;
  integrationId: string;
  tenantId: string;
}

export interface ReaderDeps {
  graph: GraphReader;
  /** Per-parent reads: another tenant read slot for one more `$batch` at once (see fanOutPages). */
  borrowSlot?: FanOutDeps["borrowSlot"];
  events: CollectEvents;
  deltaLinks: DeltaLinks;
  graphEndpoint: string;
  pageSize: number | null;
  maxMessageBytes: number;
  log: Logger;
  now?: () => Date;
  /**
   * Append-only logs (catalog `log`): the first read goes `lookbackMs` back, each window ends where
   * the read began and the next one starts `overlapMs` before that (late arrivals). The cursor is
   * kept with the delta links.
   */
  logs?: { lookbackMs: number; overlapMs: number };
  /** Retries of `$batch` items answered 429/503/504 (requests retry in the Graph adapter). */
  retry?: RetryPolicy;
}

/** Graph keeps directory audits and sign-ins 30 days (7 without Entra ID P1/P2). */
export const DEFAULT_LOG_WINDOWS = { lookbackMs: 30 * 86_400_000, overlapMs: 15 * 60_000 };

export interface ReadRequest {
  ref: PollRef;
  full: boolean;
  resource: ResourceDef;
  /** Resources read in the same pages (group memberships with groups). */
  derived: readonly ResourceDef[];
  /** Where a previous poller left the read (resumed from its next page), or null to start. */
  resume: ResourceState | null;
  /** Objects expected (progress estimate), when known before the first page. */
  estimate: number | null;
  /** Requests already spent on this resource in this attempt (e.g. the estimate's `$count`). */
  spent?: CostMeter;
  /** Called after every published page with the state another poller would resume from. */
  checkpoint(state: ResourceState): Promise<void>;
  signal: AbortSignal;
}

export type ReadResult =
  /** The resource ended (any outcome): ResourceCollected was published for it and its derived ones. */
  | { kind: "done"; state: ResourceState; tokenLost?: TokenUnavailable }
  /** The read was stopped before its end (lease lost, poller handing over): the checkpoint stands. */
  | { kind: "interrupted" };

/** One resync (full re-read) per resource per poll; a second "resync" answer fails the resource. */
const MAX_RESYNCS = 1;

/** Reasons a signal can carry to end a resource with an outcome instead of handing it over. */
export class PollCancelled extends Error {
  override name = "PollCancelled";
}

/**
 * Reads one resource (and those derived from it) page by page to TL_COLLECT, never more than one
 * Graph page in memory, checkpointing after each page so that another poller can take the read
 * over where it stopped. A resumed read continues from the saved next link; its page numbers skip
 * the one that may have been half published, so message ids never repeat within a poll. The
 * deltaLink is saved only after every page of the resource was stored by JetStream.
 */
export async function readResource(req: ReadRequest, deps: ReaderDeps): Promise<ReadResult> {
  const now = deps.now ?? (() => new Date());
  const { ref, resource, derived, signal } = req;
  const log = deps.log.child({ resource: resource.name });
  const began = Date.now();
  const state: ResourceState = req.resume
    ? {
        ...req.resume,
        state: "running",
        attempts: req.resume.attempts + 1,
        // The page a stopped poller was publishing may be half out: its number is not reused.
        streams: req.resume.streams.map((s) => ({ ...s, page: s.page + 1 })),
      }
    : {
        state: "running",
        attempts: 1,
        mode: "full",
        nextUrl: null,
        resyncs: 0,
        streams: [resource, ...derived].map((r) => ({
          resource: r.name,
          page: 0,
          objectCount: 0,
          removedCount: 0,
        })),
        estimate: req.estimate,
        cost: emptyCost(),
      };
  const main = state.streams[0] as Stream;
  const meter = req.spent ?? emptyCost();
  /** Cost of this attempt added to what earlier attempts spent. */
  const totalCost = (): CostMeter => {
    const c = addCost({ ...state.cost }, meter);
    c.durationMs = state.cost.durationMs + (Date.now() - began);
    return c;
  };

  const finish = async (outcome: ResourceOutcome, reason: string | null): Promise<ReadResult> => {
    const cost = totalCost();
    const summaries: Summary[] = [];
    for (const [i, s] of state.streams.entries()) {
      // A derived resource shares its parent's fate, except that its own pages decide partial vs failed.
      const own =
        outcome === "partial" || outcome === "failed" ? resourceOutcomeAfterFailure(s.page) : outcome;
      // The request cost is the parent's: the derived resources came in the same pages.
      const itsCost = i === 0 ? cost : { ...emptyCost(), durationMs: cost.durationMs };
      await deps.events.resourceCollected({
        ...ref,
        resource: s.resource,
        mode: state.mode,
        outcome: own,
        reason,
        objectCount: s.objectCount,
        removedCount: s.removedCount,
        pages: s.page,
        durationMs: cost.durationMs,
        collectedAt: now().toISOString(),
        cost: itsCost,
        attempts: state.attempts,
      });
      const fields = { outcome: own, mode: state.mode, objects: s.objectCount, pages: s.page, reason };
      const l = i === 0 ? log : deps.log.child({ resource: s.resource });
      if (own === "complete") l.info({ ...fields, cost: itsCost }, "resource collected");
      else l.warn(fields, "resource not fully collected");
      summaries.push({
        resource: s.resource,
        mode: state.mode,
        outcome: own,
        reason,
        objectCount: s.objectCount,
        cost: itsCost,
        attempts: state.attempts,
      });
    }
    return { kind: "done", state: { ...state, state: "done", cost, summaries } };
  };

  const publishPage = async (s: Stream, objects: GraphObject[], removed: Removed[]) => {
    const collectedAt = now().toISOString();
    const head = { ...ref, resource: s.resource, mode: state.mode, page: s.page };
    // Chunk number at its widest so the measured envelope is never smaller than the real one.
    const envelope = { ...head, chunk: 999_999, objects: [], removed: [], collectedAt };
    const limit = Math.min(deps.maxMessageBytes, deps.events.maxPayload());
    const chunks = chunkPage({ objects, removed }, chunkBudget(limit, envelope));
    for (const [chunk, c] of chunks.entries()) {
      await deps.events.pageCollected({
        ...head,
        chunk,
        objects: c.objects,
        removed: c.removed,
        collectedAt,
      });
    }
    s.page++;
    s.objectCount += objects.length;
    s.removedCount += removed.length;
  };

  const logs = deps.logs ?? DEFAULT_LOG_WINDOWS;
  if (resource.log && !state.window) {
    // The window is fixed once, so a read resumed by another poller asks for the same span.
    const cursor = await deps.deltaLinks.get(ref.integrationId, resource.name);
    const w = planLogWindow(resource, {
      graphEndpoint: deps.graphEndpoint,
      cursor,
      to: now().toISOString(),
      lookbackMs: logs.lookbackMs,
      pageSize: deps.pageSize,
    });
    state.window = { from: w.from, to: w.to };
    state.mode = w.mode;
  }
  const plan = async (full: boolean): Promise<ReadPlan> => {
    if (resource.log && state.window) {
      const w = planLogWindow(resource, {
        graphEndpoint: deps.graphEndpoint,
        cursor: state.window.from,
        to: state.window.to,
        lookbackMs: logs.lookbackMs,
        pageSize: deps.pageSize,
      });
      return { url: w.url, mode: state.mode, headers: {}, expectsDeltaLink: false };
    }
    const saved = resource.delta && !full ? await savedDeltaLink(ref, resource, derived, deps) : null;
    return planRead(resource, {
      graphEndpoint: deps.graphEndpoint,
      deltaLink: saved,
      full,
      pageSize: deps.pageSize,
    });
  };

  let current = await plan(req.full || state.resyncs > 0);
  if (!req.resume) {
    state.mode = current.mode;
    // A delta round carries changes only: the size of the whole says nothing about its length.
    if (state.mode === "delta") state.estimate = null;
  }
  let url: string | null = state.nextUrl ?? current.url;
  if (req.resume)
    log.info({ attempt: state.attempts, page: main.page }, "resuming a read another poller began");
  // Recorded before the first request, so a poller dying on the first page still counts as an attempt.
  await req.checkpoint({ ...state, cost: totalCost() });

  for (;;) {
    try {
      if (resource.fanOut) {
        // Per-parent reads start over when resumed: a row published again is applied as unchanged.
        const report = emptyFanOutReport();
        for await (const rows of fanOutPages(resource, current.url, { ...deps, log }, signal, meter, report))
          await publishPage(main, rows, []);
        if (report.refused > 0 && report.firstRefusal) {
          // The other parents' rows are in; the store keeps the refused ones' rows (not complete).
          const why = classifyGraphFailure(report.firstRefusal, resource).reason;
          return await finish(
            "partial",
            `${report.refused} of ${report.parents} ${resource.fanOut.from} could not be read (${why})`,
          );
        }
        return await finish("complete", null);
      }
      let deltaLink: string | null = null;
      while (url) {
        const body = await deps.graph.get(url, current.headers, signal, meter);
        if (resource.singleton) {
          await publishPage(main, [singletonObject(body, resource)], []);
          url = null;
          break;
        }
        if (!Array.isArray(body.value)) throw malformed(resource.path);
        const split = splitPage(withIds(resource, body.value));
        if (split.invalid > 0)
          log.warn({ invalid: split.invalid, page: main.page }, "Graph returned entries without an id");
        const carried = splitDerived(split.objects, derived);
        await publishPage(main, carried.parents, split.removed);
        for (const [i, d] of carried.pages.entries()) {
          const s = state.streams[i + 1];
          if (s) await publishPage(s, d.objects, d.removed);
        }
        deltaLink = stringField(body, "@odata.deltaLink");
        url = stringField(body, "@odata.nextLink");
        state.nextUrl = url;
        await req.checkpoint({ ...state, cost: totalCost() });
      }
      if (resource.log && state.window) {
        const cursor = nextLogCursor(state.window, logs.overlapMs);
        await deps.deltaLinks.set(ref.integrationId, resource.name, cursor);
        log.debug({ window: state.window, cursor }, "log window read; cursor moved");
      }
      if (current.expectsDeltaLink) {
        if (deltaLink) {
          for (const s of state.streams) await deps.deltaLinks.set(ref.integrationId, s.resource, deltaLink);
        } else {
          // Without a link the next poll must start over; keeping an old one would replay stale changes.
          for (const s of state.streams) await deps.deltaLinks.discard(ref.integrationId, s.resource);
          log.warn("delta read ended without an @odata.deltaLink");
        }
      }
      return await finish("complete", null);
    } catch (err) {
      const pages = main.page;
      if (signal.aborted) {
        if (signal.reason instanceof PollCancelled)
          return finish(resourceOutcomeAfterFailure(pages), signal.reason.message);
        return { kind: "interrupted" };
      }
      if (err instanceof TokenUnavailable) {
        const r = await finish(resourceOutcomeAfterFailure(pages), `No access token: ${err.message}`);
        return r.kind === "done" ? { ...r, tokenLost: err } : r;
      }
      if (err instanceof OversizedObjectError) return finish(resourceOutcomeAfterFailure(pages), err.message);
      if (!(err instanceof GraphRequestError)) {
        // A bug or an odd answer ends this resource, not the poll; a NATS failure rethrows from finish().
        log.error({ err }, "unexpected error while reading the resource");
        return finish(resourceOutcomeAfterFailure(pages), `Unexpected error: ${String(err)}`);
      }
      const kind = classifyGraphFailure(err.failure, resource);
      if (kind.kind === "resync" && state.resyncs < MAX_RESYNCS) {
        state.resyncs++;
        log.warn({ reason: kind.reason }, "delta or page token no longer valid; reading everything again");
        for (const s of state.streams) await deps.deltaLinks.discard(ref.integrationId, s.resource);
        current = await plan(true);
        state.mode = "full";
        url = current.url;
        state.nextUrl = null;
        continue;
      }
      if (kind.kind === "not_collected" && pages === 0) return finish("not_collected", kind.reason);
      return finish(resourceOutcomeAfterFailure(pages), kind.reason);
    }
  }
}

/** The resource and its derived ones end without a request (poll cancelled, token gone, too many attempts). */
export async function skipResource(
  ref: PollRef,
  units: readonly ResourceDef[],
  reason: string,
  prior: ResourceState | null,
  deps: Pick<ReaderDeps, "events" | "now">,
): Promise<ResourceState> {
  const now = deps.now ?? (() => new Date());
  const summaries: Summary[] = [];
  const streams =
    prior?.streams ?? units.map((r) => ({ resource: r.name, page: 0, objectCount: 0, removedCount: 0 }));
  const mode = prior?.mode ?? "full";
  const cost = prior?.cost ?? emptyCost();
  for (const s of streams) {
    const outcome = resourceOutcomeAfterFailure(s.page);
    await deps.events.resourceCollected({
      ...ref,
      resource: s.resource,
      mode,
      outcome,
      reason,
      objectCount: s.objectCount,
      removedCount: s.removedCount,
      pages: s.page,
      durationMs: cost.durationMs,
      collectedAt: now().toISOString(),
      cost,
      ...(prior ? { attempts: Math.max(1, prior.attempts) } : {}),
    });
    summaries.push({ resource: s.resource, mode, outcome, reason, objectCount: s.objectCount, cost });
  }
  return {
    state: "done",
    attempts: prior?.attempts ?? 0,
    mode,
    nextUrl: null,
    resyncs: prior?.resyncs ?? 0,
    streams,
    estimate: prior?.estimate ?? null,
    cost,
    summaries,
  };
}

/**
 * The parent's saved deltaLink, used only when every derived resource saved the same link: the
 * link fixes `$select`, so a link saved before a derived resource existed would never carry its
 * changes (and a missing derived link means its rows were never read in full).
 */
async function savedDeltaLink(
  ref: PollRef,
  resource: ResourceDef,
  derived: readonly ResourceDef[],
  deps: Pick<ReaderDeps, "deltaLinks" | "graphEndpoint">,
): Promise<string | null> {
  const link = await deps.deltaLinks.get(ref.integrationId, resource.name);
  if (!link) return null;
  // A link saved against another Graph endpoint (the configuration changed, or the demo simulator
  // came back on another port) is never followed: the token would go elsewhere. Read everything.
  if (!sameOrigin(link, deps.graphEndpoint)) return null;
  for (const d of derived) {
    if ((await deps.deltaLinks.get(ref.integrationId, d.name)) !== link) return null;
  }
  return link;
}

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

function stringField(body: GraphBody, name: string): string | null {
  const v = body[name];
  return typeof v === "string" && v !== "" ? v : null;
}

/** A singleton GET returns the object itself, with the response's @odata.context mixed in. */
function singletonObject(body: GraphBody, resource: ResourceDef): GraphObject {
  const { "@odata.context": _ctx, ...rest } = body;
  // Some singletons (adminConsentRequestPolicy) have no id in Graph: the catalog names the row.
  if ((rest.id === undefined || rest.id === null) && resource.singletonId) rest.id = resource.singletonId;
  if (typeof rest.id !== "string" || rest.id === "") {
    throw new GraphRequestError({
      status: 200,
      code: null,
      message: `${resource.path} returned an object without an id`,
    });
  }
  return rest as GraphObject;
}
