import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { startTelemetry } from "./sdk.js";

export interface InMemoryTelemetry {
  /** Spans finished so far; call `flush()` first (export can wait on async resource attributes). */
  spans(): ReadableSpan[];
  flush(): Promise<void>;
  reset(): void;
  shutdown(): Promise<void>;
}

/** For tests: a real SDK whose spans land in memory. One per process (it registers globals). */
export async function startInMemoryTelemetry(service: string): Promise<InMemoryTelemetry> {
  const { InMemorySpanExporter, SimpleSpanProcessor } = await import("@opentelemetry/sdk-trace");
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor({ exporter });
  const telemetry = await startTelemetry(service, { spanProcessors: [processor], env: {} });
  return {
    spans: () => exporter.getFinishedSpans(),
    flush: () => processor.forceFlush(),
    reset: () => exporter.reset(),
    shutdown: () => telemetry.shutdown(),
  };
}

export type { ReadableSpan } from "@opentelemetry/sdk-trace";
