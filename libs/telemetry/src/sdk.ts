import { NodeSDK } from "@opentelemetry/sdk-node";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";

export interface Telemetry {
  /** False when nothing was started (no exporter configured or OTEL_SDK_DISABLED=true). */
  readonly enabled: boolean;
  /** Flushes pending spans and stops the SDK; never throws (telemetry must not break shutdown). */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Replaces the exporters from OTEL_* variables (tests pass an in-memory exporter here). */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

const OFF: Telemetry = { enabled: false, shutdown: async () => {} };

/**
 * Starts the OpenTelemetry NodeSDK with exporters from the standard OTEL_* variables. Off (no SDK,
 * no network) unless OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER is set, because the SDK's
 * default otlp exporter otherwise retries against 127.0.0.1:4318 and fails at shutdown.
 */
export async function startTelemetry(service: string, opts: TelemetryOptions = {}): Promise<Telemetry> {
  const env = opts.env ?? process.env;
  if (isTrue(env.OTEL_SDK_DISABLED)) return OFF;
  const endpoint = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const traces = nonEmpty(env.OTEL_TRACES_EXPORTER);
  if (!opts.spanProcessors && !endpoint && !traces) return OFF;
  if (!opts.spanProcessors && traces === "none") return OFF;

  // Metrics and OTel logs only when asked for: logs already go to stdout through pino, and with
  // only OTEL_TRACES_EXPORTER set there is no collector to send them to.
  const metricsWanted =
    nonEmpty(env.OTEL_METRICS_EXPORTER) ?? (endpoint && !opts.spanProcessors ? "otlp" : undefined);
  const logsWanted = nonEmpty(env.OTEL_LOGS_EXPORTER);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? service,
    ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : {}),
    ...(metricsWanted && metricsWanted !== "none" ? {} : { metricReaders: [] }),
    ...(logsWanted ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown() {
      stopped ??= sdk.shutdown().catch((err: unknown) => {
        process.stderr.write(`telemetry shutdown failed: ${String(err)}\n`);
      });
      return stopped;
    },
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function isTrue(v: string | undefined): boolean {
  return v?.trim().toLowerCase() === "true";
}
