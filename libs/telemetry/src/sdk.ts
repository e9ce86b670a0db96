import { metrics } from "@opentelemetry/api";
import type { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import type { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import type { NodeSDK } from "@opentelemetry/sdk-node";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";
import { createHealthState, type HealthState } from "./health.js";
import { type OpsServer, startOpsServer } from "./ops-server.js";

export interface Telemetry {
  /** False when tracing was not started (no exporter configured or OTEL_SDK_DISABLED=true). */
  readonly enabled: boolean;
  /** Liveness/readiness state served on the metrics port (`/livez`, `/readyz`). */
  readonly health: HealthState;
  /** `http://host:port` of `/metrics`, `/livez`, `/readyz`; undefined when TL_METRICS_PORT is 0. */
  readonly metricsUrl: string | undefined;
  /** Flushes pending spans and metrics, closes the metrics port; never throws (telemetry must not break shutdown). */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Replaces the exporters from OTEL_* variables (tests pass an in-memory exporter here). */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
  /** Port of `/metrics`, `/livez` and `/readyz` (TL_METRICS_PORT); 0 or undefined: no endpoint. */
  metricsPort?: number;
  /** Address the metrics port listens on (TL_METRICS_HOST, default 127.0.0.1). */
  metricsHost?: string;
}

/**
 * Starts OpenTelemetry for one service:
 * - traces through the NodeSDK with exporters from the standard OTEL_* variables; off (no SDK, no
 *   network) unless OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER is set, because the SDK's
 *   default otlp exporter otherwise retries against 127.0.0.1:4318 and fails at shutdown;
 * - metrics through the metrics SDK: a Prometheus endpoint on `metricsPort`, and an OTLP push
 *   when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_METRICS_EXPORTER=otlp) says so;
 * - `/livez` and `/readyz` next to `/metrics`.
 * The SDK packages are loaded only when something asks for them: a service with neither tracing nor
 * metrics configured (tests, most of `npm start`) does not pay for loading them.
 */
export async function startTelemetry(service: string, opts: TelemetryOptions = {}): Promise<Telemetry> {
  const env = opts.env ?? process.env;
  const health = createHealthState();
  const serviceName = env.OTEL_SERVICE_NAME ?? service;
  const disabled = isTrue(env.OTEL_SDK_DISABLED);
  const endpoint = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);

  // Metrics: our own MeterProvider, so the Prometheus endpoint works whether tracing is on or not.
  const readers: MetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  if (opts.metricsPort && opts.metricsPort > 0) {
    const { PrometheusExporter } = await import("@opentelemetry/exporter-prometheus");
    prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    readers.push(prometheus);
  }
  const metricsExporter = nonEmpty(env.OTEL_METRICS_EXPORTER);
  if (!disabled && !opts.spanProcessors && (metricsExporter === "otlp" || (!metricsExporter && endpoint))) {
    const { PeriodicExportingMetricReader } = await import("@opentelemetry/sdk-metrics");
    const { OTLPMetricExporter } = await import("@opentelemetry/exporter-metrics-otlp-http");
    readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() }));
  }
  let meterProvider: MeterProvider | undefined;
  if (readers.length > 0) {
    const { MeterProvider } = await import("@opentelemetry/sdk-metrics");
    const { resourceFromAttributes } = await import("@opentelemetry/resources");
    meterProvider = new MeterProvider({
      resource: resourceFromAttributes({ "service.name": serviceName }),
      readers,
    });
    metrics.setGlobalMeterProvider(meterProvider);
  }
  let ops: OpsServer | undefined;
  if (prometheus && opts.metricsPort) {
    ops = await startOpsServer({
      port: opts.metricsPort,
      host: opts.metricsHost ?? "127.0.0.1",
      health,
      prometheus,
      service,
    });
  }

  let sdk: NodeSDK | undefined;
  if (tracingWanted(env, opts, disabled, endpoint)) {
    const { NodeSDK } = await import("@opentelemetry/sdk-node");
    sdk = new NodeSDK({
      serviceName,
      ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : {}),
      metricReaders: [],
      ...(nonEmpty(env.OTEL_LOGS_EXPORTER) ? {} : { logRecordProcessors: [] }),
    });
    sdk.start();
  }

  let stopped: Promise<void> | undefined;
  return {
    enabled: sdk !== undefined,
    health,
    metricsUrl: ops?.url,
    shutdown() {
      stopped ??= (async () => {
        health.stopping();
        for (const step of [() => sdk?.shutdown(), () => meterProvider?.shutdown(), () => ops?.close()]) {
          try {
            await step();
          } catch (err) {
            process.stderr.write(`telemetry shutdown failed: ${String(err)}\n`);
          }
        }
      })();
      return stopped;
    },
  };
}

function tracingWanted(
  env: NodeJS.ProcessEnv,
  opts: TelemetryOptions,
  disabled: boolean,
  endpoint: string | undefined,
): boolean {
  if (disabled) return false;
  if (opts.spanProcessors) return true;
  const traces = nonEmpty(env.OTEL_TRACES_EXPORTER);
  if (traces === "none") return false;
  return Boolean(endpoint || traces);
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function isTrue(v: string | undefined): boolean {
  return v?.trim().toLowerCase() === "true";
}
