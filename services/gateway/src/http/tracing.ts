import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { LATENCY_BUCKETS_SECONDS, meter, tracer } from "@tenantlens/telemetry";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

/**
 * One SERVER span per HTTP request (continuing a caller's W3C traceparent, if any), named
 * `<METHOD> <route>` once a declared route matched, and the request-duration histogram
 * `tenantlens_http_request_duration_seconds{method,route,status}`.
 */
export function traceRequests(): MiddlewareHandler<AppEnv> {
  const duration = meter("gateway").createHistogram("tenantlens_http_request_duration_seconds", {
    description: "Time the gateway took to answer an HTTP request",
    unit: "s",
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_SECONDS },
  });
  return async (c, next) => {
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const parent = propagation.extract(context.active(), headers);
    const started = performance.now();
    await tracer("gateway").startActiveSpan(
      c.req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": c.req.method,
          "url.path": c.req.path,
          "url.scheme": new URL(c.req.url).protocol.replace(":", ""),
        },
      },
      parent,
      async (span) => {
        try {
          await next();
        } finally {
          const status = c.res.status;
          span.setAttribute("http.response.status_code", status);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          duration.record((performance.now() - started) / 1000, {
            method: c.req.method,
            route: c.get("route") ?? "unmatched",
            status: String(status),
          });
        }
      },
    );
  };
}

/** Names the request's span after the declared route that matched (`GET /api/integrations/:id`). */
export function nameRequestSpan(method: string, path: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const span = trace.getActiveSpan();
    span?.updateName(`${method} ${path}`);
    span?.setAttribute("http.route", path);
    c.set("route", path);
    await next();
  };
}
