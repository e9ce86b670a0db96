import { type Tracer, trace } from "@opentelemetry/api";

/** The service's tracer; a no-op tracer until `startTelemetry` registered an SDK. */
export function tracer(service: string): Tracer {
  return trace.getTracer(service);
}
