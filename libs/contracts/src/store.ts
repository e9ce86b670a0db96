import { z } from "zod";
import { PollOutcome, ResourceSummary } from "./collection.js";
import { IntegrationId, PollId, ResourceName, Timestamp, WorkspaceId } from "./common.js";
import { defineEvent, defineRequest } from "./define.js";

export const GenerationTable = z.object({
  /** Table name as analysts see it, e.g. azuread_user or azuread_user_changes. */
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  /** Absolute path of the Parquet file (may belong to an earlier generation when unchanged). */
  file: z.string().min(1),
  rows: z.number().int().nonnegative(),
  /** Whether this generation wrote a new file for the table. */
  changed: z.boolean(),
});

export const Generation = z.object({
  workspaceId: WorkspaceId,
  /** Monotonic per workspace. */
  generationId: z.number().int().positive(),
  manifestPath: z.string().min(1),
  committedAt: Timestamp,
  /** Polls whose data first became visible in this generation. */
  pollIds: z.array(PollId),
  tables: z.array(GenerationTable),
});
export type Generation = z.infer<typeof Generation>;

export const GenerationCommitted = defineEvent({
  subject: "store.generation.committed",
  stream: "TL_STORE",
  publishers: ["store"],
  consumers: ["rules", "notifier"],
  subscribers: ["query"],
  schema: Generation,
  token: (p) => p.workspaceId,
  msgId: (p) => `${p.workspaceId}.${p.generationId}`,
});

/**
 * The store gave up on a message of this poll (dead-lettered after its last delivery): the poll is
 * failed and the rest of it skipped. Its data is incomplete, so the poller's next poll of the
 * integration must read everything again rather than continue from a delta link.
 */
export const PollIngestFailed = defineEvent({
  subject: "store.poll.failed",
  stream: "TL_STORE",
  publishers: ["store"],
  consumers: ["poller"],
  schema: z.object({
    workspaceId: WorkspaceId,
    integrationId: IntegrationId,
    pollId: PollId,
    reason: z.string(),
    failedAt: Timestamp,
  }),
  token: (p) => p.integrationId,
  msgId: (p) => `${p.pollId}.failed`,
});

export const GenerationGet = defineRequest({
  subject: "store.generation.get",
  service: "store",
  callers: ["query", "rules"],
  errors: [],
  /** The latest generation, or exactly `generationId` (null once it has been garbage-collected). */
  request: z.object({ workspaceId: WorkspaceId, generationId: z.number().int().positive().optional() }),
  response: z.object({ generation: Generation.nullable() }),
});

export const PollStatus = z.enum(["running", "succeeded", "partial", "failed"]);

/** A poll as recorded by the store: `committedAt` is set once its data is queryable. */
export const PollRecord = z.object({
  pollId: PollId,
  integrationId: IntegrationId,
  workspaceId: WorkspaceId,
  status: PollStatus,
  outcome: PollOutcome.nullable(),
  reason: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: Timestamp,
  completedAt: Timestamp.nullable(),
  committedAt: Timestamp.nullable(),
  generationId: z.number().int().positive().nullable(),
  resources: z.array(ResourceSummary),
  /** Change records this poll produced. */
  changes: z.object({
    added: z.number().int().nonnegative(),
    modified: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
  }),
});
export type PollRecord = z.infer<typeof PollRecord>;

export const PollList = defineRequest({
  subject: "store.poll.list",
  service: "store",
  callers: ["gateway"],
  errors: [],
  request: z.object({
    workspaceId: WorkspaceId,
    integrationId: IntegrationId.optional(),
    pollId: z.string().optional(),
    limit: z.number().int().min(1).max(500).default(20),
  }),
  response: z.object({ polls: z.array(PollRecord) }),
});

/** A collected message the store could not apply and set aside, with why (operators' view). */
export const DeadLetter = z.object({
  subject: z.string(),
  streamSeq: z.number().int().nonnegative(),
  msgId: z.string().nullable(),
  workspaceId: WorkspaceId.nullable(),
  integrationId: IntegrationId.nullable(),
  pollId: PollId.nullable(),
  reason: z.string(),
  deliveries: z.number().int().nonnegative(),
  /** The message as received, cut to 2,000 characters. */
  body: z.string(),
  deadAt: Timestamp,
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** Dead letters, newest first; without a workspace every workspace's (and those whose workspace is unknown). */
export const DeadLetterList = defineRequest({
  subject: "store.deadletter.list",
  service: "store",
  callers: [],
  errors: [],
  request: z.object({
    workspaceId: WorkspaceId.optional(),
    integrationId: IntegrationId.optional(),
    limit: z.number().int().min(1).max(500).default(50),
  }),
  response: z.object({ deadLetters: z.array(DeadLetter) }),
});

/** How far ingest got, across workspaces: for operators, and for tests that must see progress. */
export const IngestStatus = defineRequest({
  subject: "store.ingest.get",
  service: "store",
  callers: [],
  errors: [],
  request: z.object({}),
  response: z.object({
    /** Collection messages committed (applied, skipped or set aside) that the ledger remembers. */
    committed: z.number().int().nonnegative(),
    /** TL_COLLECT sequence of the newest committed message; null before the first. */
    lastSeq: z.number().int().nonnegative().nullable(),
    deadLetters: z.number().int().nonnegative(),
  }),
});

/** Object counts per table for one integration (current state). */
export const TableCounts = defineRequest({
  subject: "store.counts.get",
  service: "store",
  callers: ["gateway"],
  errors: [],
  request: z.object({ workspaceId: WorkspaceId, integrationId: IntegrationId }),
  response: z.object({
    tables: z.array(z.object({ resource: ResourceName, table: z.string(), rows: z.number() })),
  }),
});

/**
 * Readers (the query service) hold a lease per workspace in this KV bucket: key
 * `<workspaceId>.<readerId>` → the oldest generation id they still read. The store never deletes a
 * generation a live lease names. Whoever creates the bucket first sets the TTL, so both sides use this.
 */
export const GENERATION_LEASES = { bucket: "tl_generation_leases", ttlSeconds: 60 } as const;
