export { createHealthState, type HealthState, type Phase, type ReadinessCheck } from "./health.js";
export { createLogger, type Logger, type LoggerOptionsExtra } from "./logger.js";
export { type Counter, type Histogram, LATENCY_BUCKETS_SECONDS, type Meter, meter } from "./metrics.js";
export { startTelemetry, type Telemetry, type TelemetryOptions } from "./sdk.js";
export { type InMemoryTelemetry, type ReadableSpan, startInMemoryTelemetry } from "./testing.js";
export { tracer } from "./tracer.js";
