import { type Context, context, propagation } from "@opentelemetry/api";

/** Adds W3C trace context (traceparent/tracestate) of `ctx` to a header record. */
export function injectTrace(headers: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers, {
    set: (carrier, key, value) => {
      carrier[key] = value;
    },
  });
}

/** The producer's context from message headers (the active context when there is none). */
export function extractTrace(headers: Record<string, string>): Context {
  return propagation.extract(context.active(), headers, {
    get: (carrier, key) => carrier[key],
    keys: (carrier) => Object.keys(carrier),
  });
}

/**
 * Attributes of a messaging span after the OpenTelemetry semantic conventions: the system, the
 * operation (`operation` is the name, e.g. publish; `type` one of send, receive, process) and the
 * concrete subject.
 */
export function messagingAttributes(
  operation: string,
  type: "send" | "receive" | "process",
  destination: string,
): Record<string, string> {
  return {
    "messaging.system": "nats",
    "messaging.operation.name": operation,
    "messaging.operation.type": type,
    "messaging.destination.name": destination,
  };
}
