import type { Subscription } from "@nats-io/transport-node";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { type EventDef, type EventPayload, formatIssues } from "@tenantlens/contracts";
import type { BusCore } from "./core.js";
import { toRecord } from "./headers.js";
import type { ServeTracker } from "./rpc.js";
import { eventPattern } from "./subjects.js";
import { extractTrace, messagingAttributes } from "./trace.js";
import { decoder, errorText } from "./validation.js";

export interface EventMeta {
  subject: string;
  msgId: string | undefined;
  headers: Record<string, string>;
}

export interface BroadcastSubscription {
  unsubscribe(): Promise<void>;
}

/**
 * Every replica gets every event, live only (core NATS, no queue group, no durability): for cache
 * invalidation and notifications of "something changed". Handler errors are logged, never retried.
 */
export function subscribeEvents<E extends EventDef>(
  core: BusCore,
  tracker: ServeTracker,
  def: E,
  fn: (payload: EventPayload<E>, meta: EventMeta) => Promise<void>,
  opts: { token?: string } = {},
): BroadcastSubscription {
  const subject = def.token && opts.token ? `${def.subject}.${opts.token}` : eventPattern(def);
  const log = core.logger.child({ subject: def.subject, broadcast: true });
  const handle = async (data: Uint8Array, msgSubject: string, headers: Record<string, string>) => {
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(data));
    } catch {
      log.warn("event is not JSON: ignored");
      return;
    }
    const parsed = def.schema.safeParse(json);
    if (!parsed.success) {
      log.warn({ issues: formatIssues(parsed.error) }, "invalid event: ignored");
      return;
    }
    const meta = { subject: msgSubject, msgId: headers["Nats-Msg-Id"], headers };
    if (def.untraced) {
      await fn(parsed.data as EventPayload<E>, meta).catch((err: unknown) =>
        log.error({ err }, "event handler failed"),
      );
      return;
    }
    await core.tracer.startActiveSpan(
      `process ${def.subject}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          ...messagingAttributes("process", "process", msgSubject),
          "messaging.destination.template": def.subject,
        },
      },
      extractTrace(headers),
      async (span) => {
        try {
          await fn(parsed.data as EventPayload<E>, meta);
        } catch (err) {
          log.error({ err }, "event handler failed");
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(err) });
        } finally {
          span.end();
        }
      },
    );
  };
  const sub: Subscription = core.nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) {
        log.error({ err }, "subscription error");
        return;
      }
      const p = handle(msg.data, msg.subject, toRecord(msg.headers));
      tracker.inflight.add(p);
      void p.finally(() => tracker.inflight.delete(p));
    },
  });
  tracker.subs.push(sub);
  return {
    async unsubscribe() {
      const i = tracker.subs.indexOf(sub);
      if (i >= 0) tracker.subs.splice(i, 1);
      if (!sub.isClosed()) await sub.drain();
    },
  };
}
