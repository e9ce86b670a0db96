import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { type Link, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { type EventDef, type EventPayload, formatIssues } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { startBatchConsumer } from "./consume-batch.js";
import type { BusCore } from "./core.js";
import { toRecord } from "./headers.js";
import { whileUnavailable } from "./retry.js";
import { apiCode } from "./streams.js";
import { consumerFilter, subjectMatcher } from "./subjects.js";
import { extractTrace, messagingAttributes } from "./trace.js";
import { decoder, errorText } from "./validation.js";

export interface MessageMeta {
  subject: string;
  streamSeq: number;
  deliveryCount: number;
  msgId: string | undefined;
  headers: Record<string, string>;
}

export interface Handler {
  readonly def: EventDef;
  readonly handle: (payload: unknown, meta: MessageMeta) => Promise<void>;
}

/** Pairs an event with its handler; the payload arrives validated by `def.schema`. */
export function on<E extends EventDef>(
  def: E,
  fn: (payload: EventPayload<E>, meta: MessageMeta) => Promise<void>,
): Handler {
  return { def, handle: (payload, meta) => fn(payload as EventPayload<E>, meta) };
}

/** A message the consumer gave up on, handed to `deadLetter.handle` before it is acknowledged. */
export interface DeadMessage {
  meta: MessageMeta;
  /** Why, in words: undecodable, invalid, or failed on every delivery (with the last error). */
  reason: string;
  /** The body as received, as text (it may not be JSON). */
  body: string;
  /** The validated payload, when it passed validation (the handler failed on it). */
  payload?: unknown;
}

export interface DeadLetterOptions {
  /**
   * Deliveries a message gets: when its handler fails on the last one, or it arrives a time more
   * (the consumer died handling it), it is dead-lettered instead of redelivered.
   */
  maxDeliveries: number;
  /** Records the message durably; the message is acked only after this resolves (else retried). */
  handle(dead: DeadMessage): Promise<void>;
}

export interface ConsumeOptions {
  durable: string;
  stream: string;
  handlers: Handler[];
  /** One message at a time, max_ack_pending 1: a failed message is redelivered before anything after it. */
  ordered?: boolean;
  /** Default 30. Long handlers are kept alive with `working()` every ackWait/2. */
  ackWaitSeconds?: number;
  /** Default unlimited (a poison message is retried forever and logged at every attempt). */
  maxDeliver?: number;
  /** Default 1000; forced to 1 when ordered. */
  maxAckPending?: number;
  /** Where a new durable starts: every stored message (default) or only new ones. */
  startAt?: "all" | "new";
  /** Handlers running at once in this process (default 1; forced to 1 when ordered). */
  concurrency?: number;
  /**
   * Bounded attempts: without it a message that keeps failing is redelivered forever and an
   * undecodable one is terminated; with it both go to `handle` (so a consumer that must not skip
   * a message silently, e.g. an ordered one, learns about each).
   */
  deadLetter?: DeadLetterOptions;
  /**
   * Ordered consumers only: several messages that are waiting are applied as one unit (see
   * consume-batch.ts), each acknowledged after the unit committed. Stream order is kept.
   */
  batch?: BatchOptions;
}

export interface BatchOptions {
  /** Most messages in one unit (and unacknowledged at once). 1 behaves as without `batch`. */
  maxMessages: number;
  /**
   * Runs the handlers of several messages as one unit: their effects persist together or not at
   * all (a transaction). A unit that fails is rolled back and its messages run one unit each.
   * `messages` are the messages whose handlers `fn` runs, in order (known before any runs, so the
   * unit can look up what it needs for all of them at once).
   */
  unit<T>(fn: () => Promise<T>, messages: readonly MessageMeta[]): Promise<T>;
}

export interface Consumer {
  readonly durable: string;
  readonly stream: string;
  /** Stops fetching and waits for in-flight handlers. Unprocessed prefetched messages are nak'ed. */
  stop(): Promise<void>;
  info(): Promise<ConsumerInfo>;
}

/** Messages unacknowledged at once by an ordered consumer: 1, or its batch size. */
function batchSize(opts: ConsumeOptions): number {
  return opts.ordered && opts.batch ? Math.max(1, Math.floor(opts.batch.maxMessages)) : 1;
}

const CONSUMER_NOT_FOUND = 10014;
const STREAM_NOT_FOUND = 10059;

/** Retry delay after a failed attempt: 1 s, 5 s, then 30 s. */
export function nakDelayMs(deliveryCount: number): number {
  if (deliveryCount <= 1) return 1_000;
  if (deliveryCount === 2) return 5_000;
  return 30_000;
}

export async function startConsumer(core: BusCore, opts: ConsumeOptions): Promise<Consumer> {
  if (opts.handlers.length === 0) throw new Error(`consumer ${opts.durable}: no handlers`);
  for (const h of opts.handlers) {
    if (h.def.stream !== opts.stream) {
      throw new Error(
        `consumer ${opts.durable}: ${h.def.subject} lives in stream ${h.def.stream}, not ${opts.stream}`,
      );
    }
  }
  const ordered = opts.ordered ?? false;
  const ackWaitMs = (opts.ackWaitSeconds ?? 30) * 1000;
  const concurrency = ordered ? 1 : Math.max(1, opts.concurrency ?? 1);
  const filter = consumerFilter(
    opts.stream,
    opts.handlers.map((h) => h.def),
    [...core.events, ...opts.handlers.map((h) => h.def)],
  );
  const config: Partial<ConsumerConfig> & { durable_name: string } = {
    durable_name: opts.durable,
    description: `${core.service}: ${opts.handlers.map((h) => h.def.subject).join(", ")}`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: opts.startAt === "new" ? DeliverPolicy.New : DeliverPolicy.All,
    ack_wait: nanos(ackWaitMs),
    max_deliver: opts.maxDeliver ?? -1,
    max_ack_pending: ordered ? batchSize(opts) : (opts.maxAckPending ?? 1000),
    ...(filter ? { filter_subject: filter } : {}),
  };
  // A consumer just created on a clustered stream has no leader for a moment: its API calls
  // answer 503 until one is elected.
  const setup = <T>(op: () => Promise<T>) => whileUnavailable(core, null, `consumer ${opts.durable}`, op);
  await setup(() => ensureConsumer(core, opts.stream, config));

  const log = core.logger.child({ consumer: opts.durable, stream: opts.stream });
  const match = subjectMatcher(opts.handlers);
  const consumer = await setup(() => core.js.consumers.get(opts.stream, opts.durable));
  if (ordered && opts.batch && batchSize(opts) > 1) {
    const held = await setup(() => core.jsm.consumers.info(opts.stream, opts.durable));
    await waitOutHeldMessages(held, ackWaitMs, log);
    const processOpts = { durable: opts.durable, match, ackWaitMs, deadLetter: opts.deadLetter };
    return startBatchConsumer(core, log, consumer, { ...opts, batch: opts.batch }, processOpts);
  }
  // Prefetch little: messages waiting in the client still run down their ack wait.
  const batch = ordered ? 1 : Math.max(concurrency, Math.min(16, config.max_ack_pending ?? 16));
  const inflight = new Set<Promise<void>>();
  let stopping = false;
  // Ends the waits of a message held for another try (see settleDead).
  const halt = new AbortController();
  let current: ConsumerMessages | undefined;

  const processOne = (m: JsMsg) =>
    processMessage(
      core,
      log,
      { durable: opts.durable, match, ackWaitMs, deadLetter: opts.deadLetter, stopped: halt.signal },
      m,
    ).catch((err: unknown) => {
      log.error({ err, streamSeq: m.seq }, "could not settle message");
    });
  let wake: () => void = () => {};

  const loop = (async () => {
    while (!stopping && !core.nc.isClosed()) {
      try {
        current = await consumer.consume({ max_messages: batch });
        // stop() ran while consume() was starting and could not close this one; closing ends the
        // iteration below once any prefetched messages were handed back (nak).
        if (stopping) void current.close().catch(() => {});
        void logNotifications(current, log);
        for await (const m of current) {
          if (stopping) {
            m.nak();
            continue;
          }
          const p = processOne(m).finally(() => inflight.delete(p));
          inflight.add(p);
          if (inflight.size >= concurrency) await Promise.race(inflight);
        }
      } catch (err) {
        if (!stopping) log.error({ err }, "consumer loop failed; restarting in 1 s");
      }
      if (!stopping) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1_000);
        });
      }
    }
    await Promise.all(inflight);
  })();

  log.info({ filter: filter ?? "(whole stream)", ordered, concurrency }, "consuming");
  let stopped: Promise<void> | undefined;
  return {
    durable: opts.durable,
    stream: opts.stream,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        halt.abort();
        wake();
        void current?.close().catch(() => {});
        await loop;
      })();
      return stopped;
    },
    info: () => core.jsm.consumers.info(opts.stream, opts.durable),
  };
}

const NOTEWORTHY = new Set([
  "heartbeats_missed",
  "consumer_not_found",
  "stream_not_found",
  "consumer_deleted",
  "exceeded_limits",
  "no_responders",
]);

/** Surfaces the client's consumer notifications that mean "not receiving right now". */
export async function logNotifications(messages: ConsumerMessages, log: Logger): Promise<void> {
  try {
    for await (const n of messages.status()) {
      if (NOTEWORTHY.has(n.type)) log.warn({ notification: n }, `consumer: ${n.type}`);
    }
  } catch {
    // the iterator ends with the messages; nothing to report
  }
}

/**
 * An ordered batch consumer whose predecessor died holding messages (delivered, never acknowledged)
 * would be handed newer ones first: a group leaves room below `max_ack_pending`, and the server
 * redelivers held messages only once their ack wait has run out, but then before anything newer,
 * in order and with their delivery counts (which dead-lettering needs: a message that killed the
 * consumer must not come back forever). The predecessor can no longer extend their wait, so one
 * ack wait from now they are due: nothing is pulled before then.
 */
async function waitOutHeldMessages(info: ConsumerInfo, ackWaitMs: number, log: Logger): Promise<void> {
  if (info.num_ack_pending === 0) return;
  const waitMs = ackWaitMs + HELD_MARGIN_MS;
  log.warn(
    { held: info.num_ack_pending, fromSeq: info.ack_floor.stream_seq + 1, waitMs },
    "messages held by a consumer that stopped without acknowledging them: waiting for them to come back before anything newer",
  );
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}

/** Past the ack wait, for the server's redelivery timer. */
const HELD_MARGIN_MS = 1_000;

async function ensureConsumer(
  core: BusCore,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  const name = config.durable_name;
  for (let attempt = 0; attempt < 3; attempt++) {
    let existing: ConsumerInfo | null;
    try {
      existing = await core.jsm.consumers.info(stream, name);
    } catch (err) {
      const code = apiCode(err);
      if (code === STREAM_NOT_FOUND || /stream not found/i.test(errorText(err))) {
        throw new Error(`consumer ${name}: stream ${stream} does not exist (call bus.ensureStreams() first)`);
      }
      if (code !== CONSUMER_NOT_FOUND && !/consumer not found/i.test(errorText(err))) throw err;
      existing = null;
    }
    if (!existing) {
      try {
        await core.jsm.consumers.add(stream, config);
        return;
      } catch (err) {
        // Another replica created it first: compare and update on the next round.
        if (/already (exists|in use)/i.test(errorText(err))) continue;
        throw new Error(`consumer ${name} on ${stream}: ${errorText(err)}`, { cause: err });
      }
    }
    const c = existing.config;
    if ((c.filter_subject ?? "") !== (config.filter_subject ?? "")) {
      throw new Error(
        `consumer ${name} on ${stream} exists with filter "${c.filter_subject ?? ""}" but the handlers need ` +
          `"${config.filter_subject ?? ""}"; nats-server 2.9 cannot change a filter: delete the consumer or use a new durable name`,
      );
    }
    if (
      c.ack_wait !== config.ack_wait ||
      c.max_deliver !== config.max_deliver ||
      c.max_ack_pending !== config.max_ack_pending ||
      (c.description ?? "") !== config.description
    ) {
      await core.jsm.consumers.update(stream, name, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
        max_ack_pending: config.max_ack_pending,
        description: config.description,
      });
    }
    return;
  }
  throw new Error(`consumer ${name} on ${stream}: could not create it after 3 attempts`);
}

export interface ProcessOptions {
  durable: string;
  match: (subject: string) => Handler | undefined;
  ackWaitMs: number;
  deadLetter: DeadLetterOptions | undefined;
  stopped: AbortSignal;
}

export async function processMessage(
  core: BusCore,
  baseLog: Logger,
  opts: ProcessOptions,
  m: JsMsg,
): Promise<void> {
  const headers = toRecord(m.headers);
  const meta: MessageMeta = {
    subject: m.subject,
    streamSeq: m.seq,
    deliveryCount: m.info.deliveryCount,
    msgId: headers["Nats-Msg-Id"],
    headers,
  };
  const log = baseLog.child({ subject: m.subject, streamSeq: m.seq, deliveryCount: meta.deliveryCount });
  const { deadLetter } = opts;
  /** Without a dead-letter handler a bad message is terminated: it never blocks the stream. */
  const reject = async (reason: string, payload?: unknown, retry?: () => Promise<void>) => {
    if (!deadLetter) {
      log.warn({ reason }, "message terminated");
      m.term();
      return;
    }
    const dead = { meta, reason, body: decoder.decode(m.data), payload };
    await settleDead(m, log, { ...opts, deadLetter }, dead, retry);
  };
  const handler = opts.match(m.subject);
  if (!handler) return reject("no handler for this subject");
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(m.data));
  } catch {
    return reject(`not JSON (${m.data.length} bytes)`);
  }
  const parsed = handler.def.schema.safeParse(json);
  if (!parsed.success) return reject(`invalid payload: ${formatIssues(parsed.error)}`);
  if (deadLetter && meta.deliveryCount > deadLetter.maxDeliveries) {
    return reject(
      `delivered ${meta.deliveryCount} times without being settled (the consumer stopped or crashed while handling it)`,
      parsed.data,
    );
  }

  const parent = extractTrace(headers);
  const producer = trace.getSpanContext(parent);
  const links: Link[] = producer ? [{ context: producer }] : [];
  await core.tracer.startActiveSpan(
    `process ${handler.def.subject}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        ...messagingAttributes("process", "process", m.subject),
        "messaging.destination.template": handler.def.subject,
        "messaging.consumer.group.name": opts.durable,
        "messaging.message.id": meta.msgId ?? "",
        "messaging.message.body.size": m.data.length,
      },
    },
    parent,
    async (span) => {
      // Keeps a long handler's message from being redelivered to someone else meanwhile.
      const keepAlive = setInterval(() => m.working(), Math.max(500, opts.ackWaitMs / 2));
      try {
        await handler.handle(parsed.data, meta);
        clearInterval(keepAlive);
        const confirmed = await m.ackAck().catch((err: unknown) => {
          log.warn({ err }, "ack not confirmed; the message may be redelivered");
          return true;
        });
        if (!confirmed) log.warn("ack not confirmed; the message may be redelivered");
      } catch (err) {
        clearInterval(keepAlive);
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(err) });
        if (deadLetter && meta.deliveryCount >= deadLetter.maxDeliveries) {
          log.error({ err }, "handler failed on the last delivery; dead-lettering the message");
          const reason = `failed on ${meta.deliveryCount} deliveries; last error: ${errorText(err)}`;
          await reject(reason, parsed.data, () => handler.handle(parsed.data, meta));
          return;
        }
        const delay = nakDelayMs(meta.deliveryCount);
        m.nak(delay);
        log.error({ err, retryInMs: delay }, "handler failed; message will be redelivered");
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Hands a message to the dead-letter handler, then acks it. If recording fails (the consumer's own
 * storage is in trouble, say), the message stays here instead of coming back as one more delivery:
 * after a pause (1 s, 5 s, then 30 s) the handler gets it once more, since the trouble may never
 * have been the message, then the recording again. On stop it is nak'ed.
 */
export async function settleDead(
  m: JsMsg,
  log: Logger,
  opts: ProcessOptions & { deadLetter: DeadLetterOptions },
  dead: DeadMessage,
  retry?: () => Promise<void>,
): Promise<void> {
  const keepAlive = setInterval(() => m.working(), Math.max(500, opts.ackWaitMs / 2));
  const ack = () => m.ackAck().catch((err: unknown) => log.warn({ err }, "ack not confirmed"));
  try {
    for (let round = 1; ; round++) {
      try {
        await opts.deadLetter.handle(dead);
        log.error({ reason: dead.reason }, "message dead-lettered");
        await ack();
        return;
      } catch (err) {
        log.error(
          { err, reason: dead.reason },
          "could not dead-letter the message; holding it for another try",
        );
      }
      if (!(await pause(nakDelayMs(round), opts.stopped))) {
        m.nak();
        return;
      }
      if (!retry) continue;
      try {
        await retry();
        log.warn("the handler succeeded on another try; the message is not dead-lettered");
        await ack();
        return;
      } catch (err) {
        log.error({ err }, "the handler failed again");
      }
    }
  } finally {
    clearInterval(keepAlive);
  }
}

/** Waits `ms`; false when `signal` aborted first. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(t);
      signal.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const t = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
