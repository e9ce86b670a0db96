import type { EventPayload, PollCompleted, ResourceOutcome } from "@tenantlens/contracts";
import { derivedOf, type ResourceDef } from "@tenantlens/graph";
import type { Logger } from "@tenantlens/telemetry";
import type { CollectEvents } from "./adapters/collect-events.js";
import type { DeltaLinks } from "./adapters/delta-links.js";
import { type GraphBody, type GraphReader, GraphRequestError } from "./adapters/graph-reader.js";
import type { RunningPolls } from "./adapters/running-polls.js";
import { TokenUnavailable } from "./adapters/token-provider.js";
import { splitDerived } from "./domain/derived.js";
import { classifyGraphFailure } from "./domain/graph-errors.js";
import { pollOutcome, resourceOutcomeAfterFailure } from "./domain/outcome.js";
import {
  chunkBudget,
  chunkPage,
  type GraphObject,
  OversizedObjectError,
  type Removed,
  splitPage,
} from "./domain/pages.js";
import { planRead } from "./domain/request.js";
import { withIds } from "./domain/rows.js";
import { fanOutPages, malformed } from "./fan-out.js";

export interface PollJob {
  pollId: string;
  workspaceId: string;
  integrationId: string;
  tenantId: string;
  resources: readonly ResourceDef[];
  full: boolean;
  reason: string;
}

export interface CollectorDeps {
  graph: GraphReader;
  tokens: { get(): Promise<string> };
  events: CollectEvents;
  deltaLinks: DeltaLinks;
  /** Where a poll is known to run until its PollCompleted is stored (closed after a crash). */
  running: RunningPolls;
  graphEndpoint: string;
  pageSize: number | null;
  maxMessageBytes: number;
  log: Logger;
  now?: () => Date;
}

type Summary = EventPayload<typeof PollCompleted>["resources"][number];
type Mode = "full" | "delta";

interface ResourceResult {
  /** The resource's summary, then those of the resources derived from it. */
  summaries: Summary[];
  /** The token went away mid-resource: the remaining resources cannot be read either. */
  tokenLost?: TokenUnavailable;
}

/** One resync (full re-read) per resource per poll; a second "resync" answer fails the resource. */
const MAX_RESYNCS = 1;

/**
 * One poll: PollStarted, then each resource in catalog order streamed page by page to TL_COLLECT
 * (never more than one Graph page in memory), ResourceCollected per resource, PollCompleted.
 * A resource's deltaLink is saved only after every one of its pages was stored by JetStream.
 */
export async function runPoll(job: PollJob, deps: CollectorDeps, signal: AbortSignal): Promise<Summary[]> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log.child({ pollId: job.pollId, integrationId: job.integrationId });
  const ref = {
    pollId: job.pollId,
    workspaceId: job.workspaceId,
    integrationId: job.integrationId,
    tenantId: job.tenantId,
  };
  const startedAt = now().toISOString();
  await deps.running.opened({ ...ref, startedAt });
  await deps.events.pollStarted({
    ...ref,
    resources: job.resources.map((r) => r.name),
    reason: job.reason,
    startedAt,
  });
  log.info({ resources: job.resources.length, reason: job.reason, full: job.full }, "poll started");

  const complete = async (
    outcome: ReturnType<typeof pollOutcome>,
    error: string | null,
    resources: Summary[],
  ) => {
    await deps.events.pollCompleted({
      ...ref,
      outcome,
      error,
      startedAt,
      completedAt: now().toISOString(),
      resources,
    });
    await deps.running.closed(job.pollId);
    log.info({ outcome, error }, "poll completed");
    return resources;
  };

  try {
    await deps.tokens.get();
  } catch (err) {
    if (!(err instanceof TokenUnavailable)) throw err;
    return complete("failed", `No access token: ${err.message}`, []);
  }

  const summaries: Summary[] = [];
  let lost: TokenUnavailable | undefined;
  for (const resource of job.resources) {
    // Derived resources (group memberships) are read inside their parent's pages, below.
    if (resource.derived) continue;
    const derived = derivedOf(resource).filter((d) => job.resources.includes(d));
    let result: ResourceResult;
    if (signal.aborted || lost) {
      const reason = lost
        ? `Not read: no access token (${lost.message})`
        : "The poll was cancelled before this resource";
      result = { summaries: [] };
      for (const r of [resource, ...derived]) result.summaries.push(await skipped(r, reason));
    } else {
      result = await collectResource(job, resource, derived, deps, signal, log, now);
      lost ??= result.tokenLost;
    }
    summaries.push(...result.summaries);
  }
  const outcome = pollOutcome(
    summaries.map((s) => s.outcome),
    false,
  );
  const error = signal.aborted
    ? "The poll was cancelled"
    : lost
      ? `Access token lost during the poll: ${lost.message}`
      : null;
  return complete(outcome, error, summaries);

  /** Every resource of the poll gets its ResourceCollected, even one that was never tried. */
  async function skipped(resource: ResourceDef, reason: string): Promise<Summary> {
    await deps.events.resourceCollected({
      ...ref,
      resource: resource.name,
      mode: "full",
      outcome: "failed",
      reason,
      objectCount: 0,
      removedCount: 0,
      pages: 0,
      durationMs: 0,
      collectedAt: now().toISOString(),
    });
    return { resource: resource.name, mode: "full", outcome: "failed", reason, objectCount: 0 };
  }
}

/** What was published for one resource of the poll (the resource read, or one derived from it). */
interface Stream {
  resource: ResourceDef;
  page: number;
  objectCount: number;
  removedCount: number;
}

async function collectResource(
  job: PollJob,
  resource: ResourceDef,
  derived: readonly ResourceDef[],
  deps: CollectorDeps,
  signal: AbortSignal,
  parentLog: Logger,
  now: () => Date,
): Promise<ResourceResult> {
  const log = parentLog.child({ resource: resource.name });
  const began = Date.now();
  const ref = {
    pollId: job.pollId,
    workspaceId: job.workspaceId,
    integrationId: job.integrationId,
    tenantId: job.tenantId,
  };
  const savedLink = resource.delta && !job.full ? await savedDeltaLink(job, resource, derived, deps) : null;
  let plan = planRead(resource, {
    graphEndpoint: deps.graphEndpoint,
    deltaLink: savedLink,
    full: job.full,
    pageSize: deps.pageSize,
  });
  let mode: Mode = plan.mode;
  // Page numbers keep counting across a resync so message ids never repeat within a poll.
  const main: Stream = { resource, page: 0, objectCount: 0, removedCount: 0 };
  const streams: Stream[] = [
    main,
    ...derived.map((r) => ({ resource: r, page: 0, objectCount: 0, removedCount: 0 })),
  ];
  let resyncs = 0;

  const finish = async (outcome: ResourceOutcome, reason: string | null): Promise<Summary[]> => {
    const out: Summary[] = [];
    for (const s of streams) {
      // A derived resource shares its parent's fate, except that its own pages decide partial vs failed.
      const own =
        outcome === "partial" || outcome === "failed" ? resourceOutcomeAfterFailure(s.page) : outcome;
      await deps.events.resourceCollected({
        ...ref,
        resource: s.resource.name,
        mode,
        outcome: own,
        reason,
        objectCount: s.objectCount,
        removedCount: s.removedCount,
        pages: s.page,
        durationMs: Date.now() - began,
        collectedAt: now().toISOString(),
      });
      const fields = {
        resource: s.resource.name,
        outcome: own,
        mode,
        objects: s.objectCount,
        removed: s.removedCount,
        pages: s.page,
        reason,
      };
      if (own === "complete") log.info(fields, "resource collected");
      else log.warn(fields, "resource not fully collected");
      out.push({ resource: s.resource.name, mode, outcome: own, reason, objectCount: s.objectCount });
    }
    return out;
  };

  const publishPage = async (s: Stream, objects: GraphObject[], removed: Removed[]) => {
    const collectedAt = now().toISOString();
    const head = { ...ref, resource: s.resource.name, mode, page: s.page };
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

  for (;;) {
    try {
      if (resource.fanOut) {
        for await (const rows of fanOutPages(resource, plan.url, { ...deps, log }, signal))
          await publishPage(main, rows, []);
        return { summaries: await finish("complete", null) };
      }
      let url: string | null = plan.url;
      let deltaLink: string | null = null;
      while (url) {
        const body = await deps.graph.get(url, plan.headers, signal);
        if (resource.singleton) {
          await publishPage(main, [singletonObject(body, resource)], []);
          break;
        }
        if (!Array.isArray(body.value)) throw malformed(resource.path);
        const split = splitPage(withIds(resource, body.value));
        if (split.invalid > 0)
          log.warn({ invalid: split.invalid, page: main.page }, "Graph returned entries without an id");
        const carried = splitDerived(split.objects, derived);
        await publishPage(main, carried.parents, split.removed);
        for (const [i, d] of carried.pages.entries()) {
          const s = streams[i + 1];
          if (s) await publishPage(s, d.objects, d.removed);
        }
        const next = stringField(body, "@odata.nextLink");
        deltaLink = stringField(body, "@odata.deltaLink");
        url = next;
      }
      if (plan.expectsDeltaLink) {
        if (deltaLink) {
          for (const s of streams) await deps.deltaLinks.set(job.integrationId, s.resource.name, deltaLink);
        } else {
          // Without a link the next poll must start over; keeping an old one would replay stale changes.
          for (const s of streams) await deps.deltaLinks.discard(job.integrationId, s.resource.name);
          log.warn("delta read ended without an @odata.deltaLink");
        }
      }
      return { summaries: await finish("complete", null) };
    } catch (err) {
      const pages = main.page;
      if (signal.aborted)
        return { summaries: await finish(resourceOutcomeAfterFailure(pages), "The poll was cancelled") };
      if (err instanceof TokenUnavailable) {
        return {
          summaries: await finish(resourceOutcomeAfterFailure(pages), `No access token: ${err.message}`),
          tokenLost: err,
        };
      }
      if (err instanceof OversizedObjectError) {
        return { summaries: await finish(resourceOutcomeAfterFailure(pages), err.message) };
      }
      if (!(err instanceof GraphRequestError)) {
        // A bug or an odd answer ends this resource, not the poll; a NATS failure rethrows from finish().
        log.error({ err }, "unexpected error while reading the resource");
        return {
          summaries: await finish(resourceOutcomeAfterFailure(pages), `Unexpected error: ${String(err)}`),
        };
      }
      const kind = classifyGraphFailure(err.failure, resource);
      if (kind.kind === "resync" && resyncs < MAX_RESYNCS) {
        resyncs++;
        log.warn({ reason: kind.reason }, "delta or page token no longer valid; reading everything again");
        for (const s of streams) await deps.deltaLinks.discard(job.integrationId, s.resource.name);
        plan = planRead(resource, {
          graphEndpoint: deps.graphEndpoint,
          deltaLink: null,
          full: true,
          pageSize: deps.pageSize,
        });
        mode = "full";
        continue;
      }
      if (kind.kind === "not_collected" && pages === 0)
        return { summaries: await finish("not_collected", kind.reason) };
      return { summaries: await finish(resourceOutcomeAfterFailure(pages), kind.reason) };
    }
  }
}

/**
 * The parent's saved deltaLink, used only when every derived resource saved the same link: the
 * link fixes `$select`, so a link saved before a derived resource existed would never carry its
 * changes (and a missing derived link means its rows were never read in full).
 */
async function savedDeltaLink(
  job: PollJob,
  resource: ResourceDef,
  derived: readonly ResourceDef[],
  deps: CollectorDeps,
): Promise<string | null> {
  const link = await deps.deltaLinks.get(job.integrationId, resource.name);
  if (!link) return null;
  for (const d of derived) {
    if ((await deps.deltaLinks.get(job.integrationId, d.name)) !== link) return null;
  }
  return link;
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
