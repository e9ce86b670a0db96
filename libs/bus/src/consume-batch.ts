import type { ConsumerMessages, Consumer as JsConsumer, JsMsg } from "@nats-io/jetstream";
import { type Link, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Logger } from "@tenantlens/telemetry";
import {
  type BatchOptions,
  type ConsumeOptions,
  type Consumer,
  type DeadLetterOptions,
  type Handler,
  logNotifications,
  type MessageMeta,
  nakDelayMs,
  type ProcessOptions,
  pause,
  processMessage,
  settleDead,
} from "./consume.js";
import type { BusCore } from "./core.js";
import { toRecord } from "./headers.js";
import { extractTrace, messagingAttributes } from "./trace.js";
import { decoder, errorText } from "./validation.js";

/** A received message, decoded and validated, ready for its handler. */
interface Ready {
  m: JsMsg;
  meta: MessageMeta;
  handler: Handler;
  payload: unknown;
}

/**
 * An ordered consumer that applies what is waiting in groups: it pulls one message, then as many
 * of those already stored behind it as the batch allows (never more, so nothing waits in the
 * client while a group is applied), runs their handlers inside one `unit` (a transaction), and
 * acknowledges them after the unit resolved. When the stream is quiet a group is one message.
 *
 * Order and bounded retries are kept without the server's help (several messages are
 * unacknowledged at once, so a nak would let later ones overtake): a unit that fails is rolled back
 * and its messages are applied one per unit; one that fails alone is retried here after 1 s, 5 s,
 * then every 30 s, the messages behind it held (kept alive) meanwhile, and dead-lettered on its
 * `maxDeliveries`-th attempt. On stop, held messages are nak'ed in stream order. Undecodable or
 * invalid messages and messages delivered too often take the usual path (`processMessage`).
 */
export function startBatchConsumer(
  core: BusCore,
  log: Logger,
  consumer: JsConsumer,
  opts: ConsumeOptions & { batch: BatchOptions },
  base: Omit<ProcessOptions, "stopped">,
): Consumer {
  const max = Math.max(1, Math.floor(opts.batch.maxMessages));
  const halt = new AbortController();
  const popts: ProcessOptions = { ...base, stopped: halt.signal };
  let stopping = false;
  let current: ConsumerMessages | undefined;
  let wake: () => void = () => {};

  /** Pulls up to `n` messages; resolves with what arrived (possibly none) once the pull ends. */
  const pull = async (n: number, expires: number): Promise<JsMsg[]> => {
    const got: JsMsg[] = [];
    current = await consumer.fetch({ max_messages: n, expires });
    if (stopping) void current.close().catch(() => {});
    void logNotifications(current, log);
    for await (const m of current) {
      got.push(m);
      if (got.length >= n) break;
    }
    return got;
  };

  const loop = (async () => {
    while (!stopping && !core.nc.isClosed()) {
      try {
        const first = await pull(1, 30_000);
        const head = first[0];
        if (!head) continue;
        if (stopping) {
          head.nak();
          break;
        }
        // Messages stored behind this one for this consumer: take them now, up to the batch.
        const behind = Math.min(max - 1, head.info.pending);
        const rest = behind > 0 ? await pull(behind, 5_000) : [];
        await applyGroup([head, ...rest]);
      } catch (err) {
        if (!stopping) {
          log.error({ err }, "consumer loop failed; restarting in 1 s");
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 1_000);
          });
        }
      }
    }
  })();

  async function applyGroup(msgs: JsMsg[]): Promise<void> {
    const open = new Set(msgs);
    const keepAlive = setInterval(
      () => {
        for (const m of open) m.working();
      },
      Math.max(500, popts.ackWaitMs / 2),
    );
    const settled = (m: JsMsg) => open.delete(m);
    try {
      let i = 0;
      while (i < msgs.length) {
        if (stopping) break;
        const m = msgs[i] as JsMsg;
        const ready = prepare(m, popts);
        if (!ready) {
          // Not for a handler (invalid, undecodable, delivered too often): the usual path settles it.
          await processMessage(core, log, popts, m);
          settled(m);
          i++;
          continue;
        }
        const run: Ready[] = [ready];
        for (let j = i + 1; j < msgs.length; j++) {
          const r = prepare(msgs[j] as JsMsg, popts);
          if (!r) break;
          run.push(r);
        }
        if (run.length > 1 && (await applyTogether(run))) {
          for (const r of run) settled(r.m);
          i += run.length;
          continue;
        }
        for (const r of run) {
          if (!(await applyAlone(r))) return; // stopped while it waited for another try
          settled(r.m);
          i++;
        }
      }
    } finally {
      clearInterval(keepAlive);
      // Stopped with messages still held: handed back in stream order.
      for (const m of msgs) if (open.has(m)) m.nak();
    }
  }

  async function applyTogether(run: Ready[]): Promise<boolean> {
    const links: Link[] = [];
    for (const r of run) {
      const producer = trace.getSpanContext(extractTrace(r.meta.headers));
      if (producer) links.push({ context: producer });
    }
    return core.tracer.startActiveSpan(
      `process batch ${opts.stream}`,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          "messaging.system": "nats",
          "messaging.operation.name": "process",
          "messaging.batch.message_count": run.length,
          "messaging.consumer.group.name": opts.durable,
        },
      },
      async (span) => {
        try {
          await opts.batch.unit(
            async () => {
              for (const r of run) await handleTraced(r);
            },
            run.map((r) => r.meta),
          );
          await Promise.all(run.map((r) => ack(r.m)));
          return true;
        } catch (err) {
          span.recordException(err instanceof Error ? err : String(err));
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(err) });
          log.warn(
            { err, messages: run.length, firstSeq: run[0]?.m.seq },
            "a batch failed and was rolled back; its messages are applied one at a time",
          );
          return false;
        } finally {
          span.end();
        }
      },
    );
  }

  /**
   * One message's handler in its own CONSUMER span, a child of the span that published it (as the
   * one-at-a-time consumer does), so a poll's trace holds the store's work on each of its pages.
   */
  function handleTraced(r: Ready, meta: MessageMeta = r.meta): Promise<void> {
    return core.tracer.startActiveSpan(
      `process ${r.handler.def.subject}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          ...messagingAttributes("process", "process", r.m.subject),
          "messaging.destination.template": r.handler.def.subject,
          "messaging.consumer.group.name": opts.durable,
          "messaging.message.id": meta.msgId ?? "",
          "messaging.message.body.size": r.m.data.length,
        },
      },
      extractTrace(meta.headers),
      async (span) => {
        try {
          await r.handler.handle(r.payload, meta);
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

  /** One message in its own unit, retried here until it applies or is dead-lettered; false if stopped. */
  async function applyAlone(r: Ready): Promise<boolean> {
    const mlog = log.child({ subject: r.meta.subject, streamSeq: r.meta.streamSeq });
    for (let attempt = r.meta.deliveryCount; ; attempt++) {
      const meta = { ...r.meta, deliveryCount: attempt };
      try {
        await opts.batch.unit(() => handleTraced(r, meta), [meta]);
        await ack(r.m);
        return true;
      } catch (err) {
        const dl: DeadLetterOptions | undefined = popts.deadLetter;
        if (dl && attempt >= dl.maxDeliveries) {
          mlog.error({ err }, "handler failed on the last attempt; dead-lettering the message");
          const reason = `failed on ${attempt} deliveries; last error: ${errorText(err)}`;
          const dead = { meta, reason, body: decoder.decode(r.m.data), payload: r.payload };
          await settleDead(r.m, mlog, { ...popts, deadLetter: dl }, dead, () =>
            opts.batch.unit(() => r.handler.handle(r.payload, meta), [meta]),
          );
          return !halt.signal.aborted;
        }
        const delay = nakDelayMs(attempt);
        mlog.error({ err, retryInMs: delay, attempt }, "handler failed; retrying, later messages wait");
        if (!(await pause(delay, halt.signal))) return false;
      }
    }
  }

  function ack(m: JsMsg): Promise<unknown> {
    return m
      .ackAck()
      .then((ok) => {
        if (!ok) log.warn({ streamSeq: m.seq }, "ack not confirmed; the message may be redelivered");
      })
      .catch((err: unknown) =>
        log.warn({ err, streamSeq: m.seq }, "ack not confirmed; the message may be redelivered"),
      );
  }

  log.info({ filter: "(see consumer config)", ordered: true, batch: max }, "consuming");
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

/** The message decoded and validated for its handler; undefined when it must take the usual path. */
function prepare(m: JsMsg, opts: ProcessOptions): Ready | undefined {
  const handler = opts.match(m.subject);
  if (!handler) return undefined;
  if (opts.deadLetter && m.info.deliveryCount > opts.deadLetter.maxDeliveries) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(m.data));
  } catch {
    return undefined;
  }
  const parsed = handler.def.schema.safeParse(json);
  if (!parsed.success) return undefined;
  const headers = toRecord(m.headers);
  const meta: MessageMeta = {
    subject: m.subject,
    streamSeq: m.seq,
    deliveryCount: m.info.deliveryCount,
    msgId: headers["Nats-Msg-Id"],
    headers,
  };
  return { m, meta, handler, payload: parsed.data };
}
