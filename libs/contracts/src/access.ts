import { allBuckets, type BucketDef } from "./buckets.js";
import { type EventDef, type RequestDef, SERVICE_NAMES, type ServiceName } from "./define.js";
import { allEvents, allRequests } from "./subjects.js";

/** Every service of the system, each with its own identity on the bus. */
export const SERVICES: readonly ServiceName[] = SERVICE_NAMES;

/** The declarations access is derived from (tests pass their own). */
export interface Declarations {
  events: readonly EventDef[];
  requests: readonly RequestDef[];
  buckets: readonly BucketDef[];
}

export const allDeclarations: Declarations = {
  events: allEvents,
  requests: allRequests,
  buckets: allBuckets,
};

/**
 * What one service may do on the bus, read off the declarations: the requests it answers
 * (`service`) and sends (`callers`), the events it publishes, the streams it consumes durably (every
 * stream carrying an event that names it a consumer), the events it follows live, and the buckets it
 * writes or only reads. Nothing here is kept by hand per service.
 */
export interface ServiceAccess {
  service: ServiceName;
  serves: RequestDef[];
  calls: RequestDef[];
  publishes: EventDef[];
  consumes: string[];
  subscribes: EventDef[];
  /** Events whose committed messages it deletes from their stream (`purgedBy`). */
  purges: EventDef[];
  writes: BucketDef[];
  reads: BucketDef[];
}

export function serviceAccess(service: ServiceName, decl: Declarations = allDeclarations): ServiceAccess {
  const has = (list: readonly ServiceName[] | undefined) => list?.includes(service) ?? false;
  return {
    service,
    serves: decl.requests.filter((r) => r.service === service),
    calls: decl.requests.filter((r) => has(r.callers)),
    publishes: decl.events.filter((e) => has(e.publishers)),
    consumes: [...new Set(decl.events.filter((e) => has(e.consumers)).map((e) => e.stream))].sort(),
    subscribes: decl.events.filter((e) => has(e.subscribers)),
    purges: decl.events.filter((e) => e.purgedBy === service),
    writes: decl.buckets.filter((b) => has(b.writers)),
    reads: decl.buckets.filter((b) => !has(b.writers) && has(b.readers)),
  };
}

/** Streams a service creates or updates at start: those it publishes to or consumes. */
export function streamsOf(access: ServiceAccess): string[] {
  return [...new Set([...access.publishes.map((e) => e.stream), ...access.consumes])].sort();
}
