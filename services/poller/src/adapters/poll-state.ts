import type { Bus, KV } from "@tenantlens/bus";
import {
  CollectionMode,
  Integration,
  IntegrationId,
  PollId,
  PollProgressBucket,
  PollScheduleBucket,
  ResourceCost,
  ResourceOutcome,
  RunningPollsBucket,
  TenantId,
  Timestamp,
  WorkspaceId,
} from "@tenantlens/contracts";
import { z } from "zod";

/**
 * What every poller replica shares, in KV buckets (nothing of it lives only in memory):
 * - `tl_poll_schedule` `<integrationId>`: the integration as last seen, its running poll, when the
 *   next scheduled poll is due (per resource), when it was last read in full, and the last full
 *   read's object count per resource (progress estimates). Changed only by compare-and-set.
 * - `tl_running_polls` `<pollId>`: a poll started and not yet completed, with its resources.
 * - `tl_poll_progress` `<pollId>.<resource>`: a resource's read so far (checkpointed after every
 *   page, so another poller resumes it) or its result once done. Removing an entry (when its poll
 *   closes) leaves a purge marker, a message of its own in the bucket's stream; nats-server 2.9 has
 *   no per-marker TTL (2.11 has), so the bucket has a max age, `PROGRESS_MAX_AGE_SECONDS`, which
 *   removes markers and entries alike that long after their last write.
 */
export const SCHEDULE_BUCKET = PollScheduleBucket.name;
export const RUNNING_POLLS_BUCKET = RunningPollsBucket.name;
export const PROGRESS_BUCKET = PollProgressBucket.name;

/**
 * Max age of `tl_poll_progress` (two days): far longer than any poll runs (the first collection of
 * a 100k-user tenant takes minutes, of the largest under Graph's throttling hours), and a running
 * read rewrites its entry after every page. What it bounds: the purge markers of closed polls, at
 * most two days of them (one per resource read). A poll still open after two days would find the
 * results of its resources finished first gone and read them again (a resumed read, not a loss).
 */
export const PROGRESS_MAX_AGE_SECONDS = 2 * 86_400;

export const IntegrationSchedule = z.object({
  integration: Integration,
  runningPollId: PollId.nullable(),
  /** Epoch ms when each resource is next due on the schedule (absent: due now). */
  dueAt: z.record(z.string(), z.number()).default({}),
  /** Epoch ms of the start of the last full read (null: never, e.g. before any poll). */
  lastFullAt: z.number().nullable().default(null),
  /** The store failed a poll: the next one reads everything. */
  fullRequired: z.boolean().default(false),
  /** Objects seen by the last complete full read of each resource. */
  counts: z.record(z.string(), z.number().int().nonnegative()).default({}),
});
export type IntegrationSchedule = z.infer<typeof IntegrationSchedule>;

export const PollStop = z.object({ kind: z.enum(["cancelled", "token"]), message: z.string() });
export type PollStop = z.infer<typeof PollStop>;

export const RunningPoll = z.object({
  pollId: PollId,
  workspaceId: WorkspaceId,
  integrationId: IntegrationId,
  tenantId: TenantId,
  startedAt: Timestamp,
  /** Absent in entries written by pollers before resumable polls: those are closed as failed. */
  resources: z.array(z.string()).optional(),
  full: z.boolean().optional(),
  reason: z.string().optional(),
  /** Set when the poll must end early: the remaining resources are recorded as not read. */
  stop: PollStop.nullable().optional(),
  /** W3C trace context of the poll's start: its reads, pages and completion join that trace. */
  trace: z.record(z.string(), z.string()).optional(),
});
export type RunningPoll = z.infer<typeof RunningPoll>;

export const Stream = z.object({
  resource: z.string(),
  page: z.number().int().nonnegative(),
  objectCount: z.number().int().nonnegative(),
  removedCount: z.number().int().nonnegative(),
});
export type Stream = z.infer<typeof Stream>;

export const Summary = z.object({
  resource: z.string(),
  mode: CollectionMode,
  outcome: ResourceOutcome,
  reason: z.string().nullable(),
  objectCount: z.number().int().nonnegative(),
  cost: ResourceCost.optional(),
  attempts: z.number().int().positive().optional(),
});
export type Summary = z.infer<typeof Summary>;

export const ResourceState = z.object({
  state: z.enum(["running", "done"]),
  /** Pollers that took it up (a resumed read counts again). */
  attempts: z.number().int().nonnegative(),
  mode: CollectionMode,
  /** Where the read goes on: the next page (null before the first request). */
  nextUrl: z.string().nullable(),
  resyncs: z.number().int().nonnegative(),
  /** The resource, then those derived from it (read in the same pages). */
  streams: z.array(Stream),
  estimate: z.number().int().nonnegative().nullable(),
  cost: ResourceCost,
  /** Set when done: the resource's summary, then its derived resources'. */
  summaries: z.array(Summary).optional(),
  /** Append-only logs: the time window this read asks for (fixed when the read begins). */
  window: z.object({ from: Timestamp, to: Timestamp }).optional(),
});
export type ResourceState = z.infer<typeof ResourceState>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface Versioned<T> {
  value: T;
  revision: number;
}

/** A JSON value per key, validated on read (an unreadable entry counts as absent). */
class JsonKv<T> {
  constructor(
    readonly kv: KV,
    private readonly schema: z.ZodType<T>,
  ) {}

  async get(key: string): Promise<Versioned<T> | null> {
    const e = await this.kv.get(key);
    if (e?.operation !== "PUT" || e.value.length === 0) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(e.value));
    } catch {
      return null;
    }
    const parsed = this.schema.safeParse(raw);
    return parsed.success ? { value: parsed.data, revision: e.revision } : null;
  }

  async put(key: string, value: T): Promise<void> {
    await this.kv.put(key, encoder.encode(JSON.stringify(value)));
  }

  /** Compare-and-set: false when someone wrote the key since `revision` (null: it must be absent). */
  async set(key: string, value: T, revision: number | null): Promise<boolean> {
    const data = encoder.encode(JSON.stringify(value));
    try {
      if (revision === null) await this.kv.create(key, data);
      else await this.kv.update(key, data, revision);
      return true;
    } catch (err) {
      const now = await this.kv.get(key);
      const current = now?.operation === "PUT" ? now.revision : null;
      if (current !== revision) return false;
      throw err;
    }
  }

  /**
   * Reads, changes and writes back until no one wrote in between. `change` returns the new value,
   * or undefined to leave the key as it is.
   */
  async update(
    key: string,
    change: (current: T | null) => T | undefined,
  ): Promise<{ value: T | null; changed: boolean }> {
    for (;;) {
      const cur = await this.get(key);
      const next = change(cur?.value ?? null);
      if (next === undefined) return { value: cur?.value ?? null, changed: false };
      if (await this.set(key, next, cur?.revision ?? null)) return { value: next, changed: true };
    }
  }

  async remove(key: string): Promise<void> {
    await this.kv.purge(key);
  }

  keys(filter?: string): Promise<string[]> {
    return this.kv.list(filter);
  }
}

export class PollState {
  constructor(
    readonly schedule: JsonKv<IntegrationSchedule>,
    readonly polls: JsonKv<RunningPoll>,
    readonly progress: JsonKv<ResourceState>,
  ) {}

  /** `progressMaxAgeSeconds`: tests only (the bucket is shared: every poller must agree). */
  static async open(bus: Bus, opts: { progressMaxAgeSeconds?: number } = {}): Promise<PollState> {
    const maxAge = opts.progressMaxAgeSeconds ?? PROGRESS_MAX_AGE_SECONDS;
    const progress = await bus.kv(PROGRESS_BUCKET, { ttlSeconds: maxAge });
    await keepMaxAge(bus, PROGRESS_BUCKET, maxAge);
    return new PollState(
      new JsonKv(await bus.kv(SCHEDULE_BUCKET), IntegrationSchedule),
      new JsonKv(await bus.kv(RUNNING_POLLS_BUCKET), RunningPoll),
      new JsonKv(progress, ResourceState),
    );
  }

  progressKey(pollId: string, resource: string): string {
    return `${pollId}.${resource}`;
  }
}

/**
 * A KV bucket's max age is set when the bucket is created; one created before (by an older poller,
 * without it) gets it here.
 */
async function keepMaxAge(bus: Bus, bucket: string, seconds: number): Promise<void> {
  const stream = `KV_${bucket}`;
  const info = await bus.manage(`stream ${stream}`, (jsm) => jsm.streams.info(stream));
  const maxAge = seconds * 1_000_000_000;
  if (info.config.max_age === maxAge) return;
  // The duplicate window may not be longer than the max age (nats-server refuses the update).
  const window = Math.min(info.config.duplicate_window ?? maxAge, maxAge);
  await bus.manage(`stream ${stream}`, (jsm) =>
    jsm.streams.update(stream, { ...info.config, max_age: maxAge, duplicate_window: window }),
  );
}
