import { context, propagation, ROOT_CONTEXT, type Span, SpanStatusCode } from "@opentelemetry/api";
import { tracer } from "@tenantlens/telemetry";

/** W3C trace context of the active span, kept with a running poll so every part of it joins one trace. */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/**
 * Runs `fn` in a span of the poll's trace (the one its start recorded), whichever poller replica
 * and whenever it runs: the pages it publishes and the store's work on them join that trace.
 */
export function inPollSpan<T>(
  poll: { pollId: string; integrationId: string; trace?: Record<string, string> | undefined },
  name: string,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = poll.trace ? propagation.extract(ROOT_CONTEXT, poll.trace) : context.active();
  return tracer("poller").startActiveSpan(
    name,
    { attributes: { "tenantlens.poll.id": poll.pollId, "tenantlens.integration.id": poll.integrationId } },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
