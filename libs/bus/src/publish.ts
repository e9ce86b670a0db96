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
import { whileUnavailable } from "./retry.js";
import { injectTrace, messagingAttributes } from "./trace.js";
import { encodeJson, errorText } from "./validation.js";

export interface PublishOptions {
  headers?: Record<string, string>;
  /** How long to keep trying while JetStream cannot take the message (default `JETSTREAM_RETRY_MS`). */
  retryForMs?: number;
}

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
    return whileUnavailable(
      core,
      def.stream,
      subject,
      async () => {
        const ack = await core.js.publish(subject, body, { msgID: msgId, headers: toMsgHdrs(headers) });
        return { seq: ack.seq, duplicate: ack.duplicate };
      },
      opts.retryForMs,
    );
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
