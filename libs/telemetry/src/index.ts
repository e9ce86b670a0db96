export { createLogger, type Logger, type LoggerOptionsExtra } from "./logger.js";
export { startTelemetry, type Telemetry, type TelemetryOptions } from "./sdk.js";
export { type InMemoryTelemetry, type ReadableSpan, startInMemoryTelemetry } from "./testing.js";
export { tracer } from "./tracer.js";
