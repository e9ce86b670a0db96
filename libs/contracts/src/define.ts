import type { z } from "zod";
import type { ErrorCode } from "./errors.js";

/**
 * An event: published durably to a JetStream stream, consumed by durable consumers.
 * The concrete subject is `subject` plus, when `token` is set, one more token taken from the payload
 * (for example the integration id) so consumers can filter on it.
 */
export interface EventDef<S extends z.ZodType = z.ZodType> {
  readonly kind: "event";
  /** `<domain>.<entity>.<past-tense>` */
  readonly subject: string;
  readonly schema: S;
  /** Name of the JetStream stream that captures it (see streams.ts). */
  readonly stream: string;
  /** Extra subject token drawn from the payload, e.g. the integration id. */
  readonly token?: (payload: z.infer<S>) => string;
  /** Deduplication id (`Nats-Msg-Id`): the same logical event always gets the same id. */
  readonly msgId: (payload: z.infer<S>) => string;
  /** Services that publish it (the bus lets nobody else). */
  readonly publishers: readonly ServiceName[];
  /** Services that read it through a durable JetStream consumer on its stream. */
  readonly consumers?: readonly ServiceName[];
  /** Services that follow it live (core NATS subscription, `bus.subscribe`). */
  readonly subscribers?: readonly ServiceName[];
  /** No spans and no trace context for it (periodic chatter such as heartbeats would flood traces). */
  readonly untraced?: boolean;
  /**
   * The one consumer that deletes this event's messages from the stream once it committed them
   * (so a large collection does not stay on disk twice); it must be the event's only consumer.
   */
  readonly purgedBy?: ServiceName;
}

/** A request answered over core NATS request/reply by one service's queue group. */
export interface RequestDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: "request";
  /** `<domain>.<entity>.<verb>` */
  readonly subject: string;
  readonly request: Req;
  readonly response: Res;
  /** Service (and queue group) that answers. */
  readonly service: ServiceName;
  /** Services that send it (the bus lets nobody else). */
  readonly callers: readonly ServiceName[];
  /**
   * Error codes the responder answers with on purpose (e.g. not_found), beyond those every request
   * can meet (`ANY_REQUEST_ERRORS`). The gateway documents and enforces its routes from these.
   */
  readonly errors: readonly ErrorCode[];
}

/**
 * Codes any request can end with whatever its responder does: an invalid request or an oversized
 * message (bad_request, payload_too_large), nobody answering or answering late (unavailable,
 * timeout), and a bug (internal).
 */
export const ANY_REQUEST_ERRORS: readonly ErrorCode[] = [
  "bad_request",
  "payload_too_large",
  "unavailable",
  "timeout",
  "internal",
];

/** Every code a caller of `def` can receive. */
export function requestErrors(def: RequestDef): ErrorCode[] {
  return [...new Set([...def.errors, ...ANY_REQUEST_ERRORS])];
}

/** Every service of the system, once: each has its own identity on the bus and its heartbeat. */
export const SERVICE_NAMES = [
  "auth",
  "poller",
  "store",
  "query",
  "rules",
  "notifier",
  "provisioner",
  "gateway",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type EventPayload<E extends EventDef> = z.infer<E["schema"]>;
export type RequestOf<R extends RequestDef> = z.infer<R["request"]>;
export type ResponseOf<R extends RequestDef> = z.infer<R["response"]>;

export function defineEvent<S extends z.ZodType>(def: Omit<EventDef<S>, "kind">): EventDef<S> {
  return { kind: "event", ...def };
}

export function defineRequest<Req extends z.ZodType, Res extends z.ZodType>(
  def: Omit<RequestDef<Req, Res>, "kind">,
): RequestDef<Req, Res> {
  return { kind: "request", ...def };
}

/** Full subject of one event instance. */
export function eventSubject<E extends EventDef>(def: E, payload: EventPayload<E>): string {
  return def.token ? `${def.subject}.${def.token(payload)}` : def.subject;
}
