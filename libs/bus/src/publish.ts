import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  AppError,
  type EventDef,
  type EventPayload,
  eventSubject,
  formatIssues,
} from "@tenantlens/contracts";
import { type BusCore, maxPayload } from "./core.js";
import { headerBytes, toMsgHdrs } from "./headers.js";
import { injectTrace, messagingAttributes } from "./trace.js";
import { encodeJson, errorText, hasCause } from "./validation.js";

export interface PublishOptions {
  headers?: Record<string, string>;
  /** How long to keep trying while JetStream cannot take the message (default `PUBLISH_RETRY_MS`). */
  retryForMs?: number;
}

/**
 * How long a publish keeps trying while its stream cannot take it: a clustered stream's leader died
 * and the followers elect another (several seconds on nats-server 2.9, more on a busy machine), or
 * the connection is being re-established. Every attempt carries the same `Nats-Msg-Id`, so the
 * stream keeps one copy; this stays well below the smallest duplicate window of the streams (120 s).
 */
export const PUBLISH_RETRY_MS = 60_000;

export interface PublishResult {
  seq: number;
  duplicate: boolean;
}

const MSG_ID = "Nats-Msg-Id";

/** Validates, dedupes by `def.msgId`, carries trace context and waits for the stream's PubAck. */
export async function publishEvent<E extends EventDef>(
  core: BusCore,
  def: E,
  payload: EventPayload<E>,
  opts: PublishOptions = {},
): Promise<PublishResult> {
  const parsed = def.schema.safeParse(payload);
  if (!parsed.success) {
    throw new AppError("bad_request", `invalid ${def.subject} payload: ${formatIssues(parsed.error)}`);
  }
  const value = parsed.data as EventPayload<E>;
  const subject = eventSubject(def, value);
  const msgId = def.msgId(value);
  const body = encodeJson(value);
  const send = async (): Promise<PublishResult> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (!def.untraced) injectTrace(headers);
    const size = body.length + headerBytes({ ...headers, [MSG_ID]: msgId });
    const limit = maxPayload(core.nc);
    if (size > limit) {
      throw new AppError(
        "payload_too_large",
        `${subject}: message is ${size} bytes, the server accepts at most ${limit}; split it or pass a reference (bus.putBlob)`,
      );
    }
    const deadline = Date.now() + (opts.retryForMs ?? PUBLISH_RETRY_MS);
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = await core.js.publish(subject, body, { msgID: msgId, headers: toMsgHdrs(headers) });
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        const transient = await isTransient(core, def.stream, err);
        if (transient === "no stream") {
          throw new AppError(
            "unavailable",
            `no JetStream stream accepted ${subject} (is JetStream up and did a service call bus.ensureStreams()?)`,
          );
        }
        if (!transient || core.nc.isClosed()) throw err;
        if (Date.now() >= deadline) {
          throw new AppError(
            "unavailable",
            `stream ${def.stream} did not take ${subject} within ${opts.retryForMs ?? PUBLISH_RETRY_MS} ms: ${errorText(err)}`,
          );
        }
        if (attempt === 0)
          core.logger.warn({ subject, err: errorText(err) }, "JetStream did not take a message; retrying");
        await sleep(Math.min(2_000, 100 * 2 ** attempt, Math.max(0, deadline - Date.now())));
      }
    }
  };
  if (def.untraced) return send();
  return core.tracer.startActiveSpan(
    `publish ${def.subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...messagingAttributes("publish", "send", subject),
        "messaging.destination.template": def.subject,
        "messaging.message.id": msgId,
        "messaging.message.body.size": body.length,
      },
    },
    async (span) => {
      try {
        return await send();
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(err) });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** Many publishes in flight at once (order on the server is not preserved); acks in input order. */
export async function publishManyEvents<E extends EventDef>(
  core: BusCore,
  def: E,
  payloads: readonly EventPayload<E>[],
  opts: PublishOptions & { concurrency?: number } = {},
): Promise<PublishResult[]> {
  const results: PublishResult[] = new Array(payloads.length);
  const width = Math.max(1, Math.min(opts.concurrency ?? 256, payloads.length));
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < payloads.length) {
      const i = next++;
      try {
        results[i] = await publishEvent(core, def, payloads[i] as EventPayload<E>, opts);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether a failed publish may succeed if sent again: no acknowledgement in time, a stream without a
 * leader for the moment, a JetStream 503. "No responders" means either no stream captures the subject
 * (a deployment fault, reported at once) or the stream is between leaders; asking for the stream
 * tells which.
 */
async function isTransient(core: BusCore, stream: string, err: unknown): Promise<boolean | "no stream"> {
  if (hasCause(err, errors.TimeoutError)) return true;
  if (err instanceof JetStreamApiError) return err.status === 503;
  // The client reports "no responders" to a publish as "jetstream is not enabled".
  if (!(hasCause(err, errors.NoRespondersError) || /no responders|not enabled/i.test(errorText(err))))
    return false;
  try {
    await core.jsm.streams.info(stream);
    return true;
  } catch (infoErr) {
    return infoErr instanceof JetStreamApiError && infoErr.code === JetStreamApiCodes.StreamNotFound
      ? "no stream"
      : true;
  }
}
