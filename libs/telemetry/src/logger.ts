import { trace } from "@opentelemetry/api";
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export type { Logger } from "pino";

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

export interface LoggerOptionsExtra {
  /** Defaults to LOG_LEVEL, then "info". */
  level?: string;
  /** Defaults to stdout; tests pass a stream to capture lines. */
  destination?: DestinationStream;
}

/**
 * JSON logger for one service. Every line carries `service`, the level as a label, an ISO time and,
 * when a span is active, `trace_id`/`span_id` so logs and traces can be joined.
 */
export function createLogger(
  service: string,
  bindings: Record<string, unknown> = {},
  opts: LoggerOptionsExtra = {},
): Logger {
  const wanted = (opts.level ?? process.env.LOG_LEVEL ?? "info").trim().toLowerCase();
  const options: LoggerOptions = {
    level: LEVELS.has(wanted) ? wanted : "info",
    base: { service, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = trace.getActiveSpan()?.spanContext();
      return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
