import { z } from "zod";
import { IntegrationId, PollId, ResourceName, TenantId, Timestamp, WorkspaceId } from "./common.js";
import { defineEvent, defineRequest } from "./define.js";

const PollRef = z.object({
  pollId: PollId,
  workspaceId: WorkspaceId,
  integrationId: IntegrationId,
  tenantId: TenantId,
});

/** How a resource was read: a full enumeration (initial delta sync included) or a delta round. */
export const CollectionMode = z.enum(["full", "delta"]);

/**
 * complete: every object was read (a full read may then remove what it did not see);
 * partial: some pages were read, then it failed (never removes anything);
 * failed: nothing usable; not_collected: the tenant does not license or did not consent to it.
 */
export const ResourceOutcome = z.enum(["complete", "partial", "failed", "not_collected"]);
export type ResourceOutcome = z.infer<typeof ResourceOutcome>;

export const PollOutcome = z.enum(["succeeded", "partial", "failed"]);
export type PollOutcome = z.infer<typeof PollOutcome>;

/**
 * A Graph object as Graph returned it (property names untouched): a JSON object with a non-empty
 * string id. Checked in place, not copied key by key (a first read carries hundreds of thousands).
 */
export const GraphObject = z.custom<Record<string, unknown>>(
  (o) =>
    typeof o === "object" &&
    o !== null &&
    !Array.isArray(o) &&
    typeof (o as { id?: unknown }).id === "string" &&
    (o as { id: string }).id.length > 0,
  { message: "every object needs a string id" },
);

export const PollStart = defineRequest({
  subject: "poller.poll.start",
  service: "poller",
  callers: ["gateway"],
  errors: ["integration_broken"],
  request: z.object({
    workspaceId: WorkspaceId,
    integrationId: IntegrationId,
    /** Subset of catalog resources; all enabled ones when absent. */
    resources: z.array(ResourceName).max(200).optional(),
    /** Ignore saved delta links and read everything (reconcile). */
    full: z.boolean().optional(),
    reason: z.enum(["manual", "schedule", "integration_created", "integration_changed"]).default("manual"),
  }),
  response: z.object({ pollId: PollId, alreadyRunning: z.boolean() }),
});

export const PollStarted = defineEvent({
  subject: "poller.poll.started",
  stream: "TL_COLLECT",
  publishers: ["poller"],
  consumers: ["store"],
  schema: PollRef.extend({
    resources: z.array(ResourceName),
    reason: z.string(),
    startedAt: Timestamp,
  }),
  token: (p) => p.integrationId,
  msgId: (p) => `${p.pollId}.started`,
});

/**
 * One chunk of one Graph page. Pages are split into chunks so no message exceeds the server's
 * max_payload; (page, chunk) orders them and makes the message id stable across retries.
 */
export const PageCollected = defineEvent({
  subject: "poller.page.collected",
  stream: "TL_COLLECT",
  publishers: ["poller"],
  consumers: ["store"],
  purgedBy: "store",
  schema: PollRef.extend({
    resource: ResourceName,
    mode: CollectionMode,
    page: z.number().int().nonnegative(),
    chunk: z.number().int().nonnegative(),
    objects: z.array(GraphObject),
    /** Delta `@removed` entries: "changed" = soft-deleted (restorable), "deleted" = permanent. */
    removed: z.array(z.object({ id: z.string().min(1), reason: z.enum(["changed", "deleted"]) })),
    collectedAt: Timestamp,
  }),
  token: (p) => p.integrationId,
  msgId: (p) => `${p.pollId}.${p.resource}.${p.page}.${p.chunk}`,
});

/**
 * What reading a resource cost in Graph: HTTP requests sent (retries included; a `$batch` is one),
 * requests carried inside `$batch` requests (`batched`: Graph evaluates and charges each one), 429
 * answers (a throttled batch item included), retries (after 429/503/504 or a network error, of a
 * request or of a batch item), response body bytes, resource units (Graph's `x-ms-resource-unit`
 * answers, batch items' included) and wall time across every poller that worked on it.
 */
export const ResourceCost = z.object({
  requests: z.number().int().nonnegative(),
  batched: z.number().int().nonnegative().optional(),
  throttled: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  units: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});
export type ResourceCost = z.infer<typeof ResourceCost>;

export const ResourceCollected = defineEvent({
  subject: "poller.resource.collected",
  stream: "TL_COLLECT",
  publishers: ["poller"],
  consumers: ["store"],
  schema: PollRef.extend({
    resource: ResourceName,
    mode: CollectionMode,
    outcome: ResourceOutcome,
    /** Human-readable: why not collected / why it failed. */
    reason: z.string().nullable(),
    objectCount: z.number().int().nonnegative(),
    removedCount: z.number().int().nonnegative(),
    pages: z.number().int().nonnegative(),
    durationMs: z.number().nonnegative(),
    collectedAt: Timestamp,
    cost: ResourceCost.optional(),
    /** Pollers that worked on it (more than 1 when one died mid-read and another resumed it). */
    attempts: z.number().int().positive().optional(),
  }),
  token: (p) => p.integrationId,
  msgId: (p) => `${p.pollId}.${p.resource}.done`,
});

export const ResourceSummary = z.object({
  resource: ResourceName,
  mode: CollectionMode,
  outcome: ResourceOutcome,
  reason: z.string().nullable(),
  objectCount: z.number().int().nonnegative(),
  cost: ResourceCost.optional(),
  attempts: z.number().int().positive().optional(),
});

export const PollCompleted = defineEvent({
  subject: "poller.poll.completed",
  stream: "TL_COLLECT",
  publishers: ["poller"],
  consumers: ["store", "notifier"],
  schema: PollRef.extend({
    outcome: PollOutcome,
    error: z.string().nullable(),
    startedAt: Timestamp,
    completedAt: Timestamp,
    resources: z.array(ResourceSummary),
  }),
  token: (p) => p.integrationId,
  msgId: (p) => `${p.pollId}.completed`,
});

/** One resource of a running poll: read so far, and an estimate of the total for a progress bar. */
export const ResourceProgress = z.object({
  resource: ResourceName,
  state: z.enum(["pending", "running", "done"]),
  mode: CollectionMode.nullable(),
  objects: z.number().int().nonnegative(),
  pages: z.number().int().nonnegative(),
  /** Expected objects: Graph's `$count` or the last complete full read's count; null when unknown. */
  estimate: z.number().int().nonnegative().nullable(),
  outcome: ResourceOutcome.nullable(),
  cost: ResourceCost.nullable(),
});
export type ResourceProgress = z.infer<typeof ResourceProgress>;

export const PollProgressView = z.object({
  pollId: PollId,
  startedAt: Timestamp,
  resources: z.array(ResourceProgress),
});
export type PollProgressView = z.infer<typeof PollProgressView>;

/** The integration's running poll as the pollers see it now (any replica answers); null when none runs. */
export const PollProgress = defineRequest({
  subject: "poller.poll.progress",
  service: "poller",
  callers: ["gateway"],
  errors: [],
  request: z.object({ workspaceId: WorkspaceId, integrationId: IntegrationId }),
  response: z.object({ progress: PollProgressView.nullable() }),
});
