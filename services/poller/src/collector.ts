import type { EventPayload, PollCompleted, ResourceOutcome } from "@tenantlens/contracts";
import type { ResourceDef } from "@tenantlens/graph";
import type { Logger } from "@tenantlens/telemetry";
import type { CollectEvents } from "./adapters/collect-events.js";
import type { DeltaLinks } from "./adapters/delta-links.js";
import { type GraphBody, type GraphReader, GraphRequestError } from "./adapters/graph-reader.js";
import { TokenUnavailable } from "./adapters/token-provider.js";
import { classifyGraphFailure } from "./domain/graph-errors.js";
import { pollOutcome, resourceOutcomeAfterFailure } from "./domain/outcome.js";
import { chunkBudget, chunkPage, type GraphObject, OversizedObjectError, splitPage } from "./domain/pages.js";
import { planRead } from "./domain/request.js";

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
  graphEndpoint: string;
  pageSize: number | null;
  maxMessageBytes: number;
  log: Logger;
  now?: () => Date;
}

type Summary = EventPayload<typeof PollCompleted>["resources"][number];
type Mode = "full" | "delta";

interface ResourceResult {
  summary: Summary;
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
    let result: ResourceResult;
    if (signal.aborted) {
      result = { summary: await skipped(resource, "The poll was cancelled before this resource") };
    } else if (lost) {
      result = { summary: await skipped(resource, `Not read: no access token (${lost.message})`) };
    } else {
      result = await collectResource(job, resource, deps, signal, log, now);
      lost ??= result.tokenLost;
    }
    summaries.push(result.summary);
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

async function collectResource(
  job: PollJob,
  resource: ResourceDef,
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
    resource: resource.name,
  };
  const savedLink =
    resource.delta && !job.full ? await deps.deltaLinks.get(job.integrationId, resource.name) : null;
  let plan = planRead(resource, {
    graphEndpoint: deps.graphEndpoint,
    deltaLink: savedLink,
    full: job.full,
    pageSize: deps.pageSize,
  });
  let mode: Mode = plan.mode;
  // Page numbers keep counting across a resync so message ids never repeat within a poll.
  let page = 0;
  let objectCount = 0;
  let removedCount = 0;
  let resyncs = 0;

  const finish = async (outcome: ResourceOutcome, reason: string | null): Promise<Summary> => {
    await deps.events.resourceCollected({
      ...ref,
      mode,
      outcome,
      reason,
      objectCount,
      removedCount,
      pages: page,
      durationMs: Date.now() - began,
      collectedAt: now().toISOString(),
    });
    const fields = { outcome, mode, objects: objectCount, removed: removedCount, pages: page, reason };
    if (outcome === "complete") log.info(fields, "resource collected");
    else log.warn(fields, "resource not fully collected");
    return { resource: resource.name, mode, outcome, reason, objectCount };
  };

  const publishPage = async (objects: GraphObject[], removed: ReturnType<typeof splitPage>["removed"]) => {
    const collectedAt = now().toISOString();
    // Chunk number at its widest so the measured envelope is never smaller than the real one.
    const envelope = { ...ref, mode, page, chunk: 999_999, objects: [], removed: [], collectedAt };
    const limit = Math.min(deps.maxMessageBytes, deps.events.maxPayload());
    const chunks = chunkPage({ objects, removed }, chunkBudget(limit, envelope));
    for (const [chunk, c] of chunks.entries()) {
      await deps.events.pageCollected({
        ...ref,
        mode,
        page,
        chunk,
        objects: c.objects,
        removed: c.removed,
        collectedAt,
      });
    }
    page++;
    objectCount += objects.length;
    removedCount += removed.length;
  };

  for (;;) {
    try {
      let url: string | null = plan.url;
      let deltaLink: string | null = null;
      while (url) {
        const body = await deps.graph.get(url, plan.headers, signal);
        if (resource.singleton) {
          await publishPage([singletonObject(body, resource)], []);
          break;
        }
        const split = splitPage(body.value);
        if (split.invalid > 0)
          log.warn({ invalid: split.invalid, page }, "Graph returned entries without an id");
        await publishPage(split.objects, split.removed);
        const next = stringField(body, "@odata.nextLink");
        deltaLink = stringField(body, "@odata.deltaLink");
        url = next;
      }
      if (plan.expectsDeltaLink) {
        if (deltaLink) {
          await deps.deltaLinks.set(job.integrationId, resource.name, deltaLink);
        } else {
          // Without a link the next poll must start over; keeping an old one would replay stale changes.
          await deps.deltaLinks.discard(job.integrationId, resource.name);
          log.warn("delta read ended without an @odata.deltaLink");
        }
      }
      return { summary: await finish("complete", null) };
    } catch (err) {
      if (signal.aborted)
        return { summary: await finish(resourceOutcomeAfterFailure(page), "The poll was cancelled") };
      if (err instanceof TokenUnavailable) {
        return {
          summary: await finish(resourceOutcomeAfterFailure(page), `No access token: ${err.message}`),
          tokenLost: err,
        };
      }
      if (err instanceof OversizedObjectError) {
        return { summary: await finish(resourceOutcomeAfterFailure(page), err.message) };
      }
      if (!(err instanceof GraphRequestError)) {
        // A bug or an odd answer ends this resource, not the poll; a NATS failure rethrows from finish().
        log.error({ err }, "unexpected error while reading the resource");
        return {
          summary: await finish(resourceOutcomeAfterFailure(page), `Unexpected error: ${String(err)}`),
        };
      }
      const kind = classifyGraphFailure(err.failure, resource);
      if (kind.kind === "resync" && resyncs < MAX_RESYNCS) {
        resyncs++;
        log.warn({ reason: kind.reason }, "delta or page token no longer valid; reading everything again");
        await deps.deltaLinks.discard(job.integrationId, resource.name);
        plan = planRead(resource, {
          graphEndpoint: deps.graphEndpoint,
          deltaLink: null,
          full: true,
          pageSize: deps.pageSize,
        });
        mode = "full";
        continue;
      }
      if (kind.kind === "not_collected" && page === 0)
        return { summary: await finish("not_collected", kind.reason) };
      return { summary: await finish(resourceOutcomeAfterFailure(page), kind.reason) };
    }
  }
}

function stringField(body: GraphBody, name: string): string | null {
  const v = body[name];
  return typeof v === "string" && v !== "" ? v : null;
}

/** A singleton GET returns the object itself, with the response's @odata.context mixed in. */
function singletonObject(body: GraphBody, resource: ResourceDef): GraphObject {
  const { "@odata.context": _ctx, ...rest } = body;
  if (typeof rest.id !== "string" || rest.id === "") {
    throw new GraphRequestError({
      status: 200,
      code: null,
      message: `${resource.path} returned an object without an id`,
    });
  }
  return rest as GraphObject;
}
