import { type Meter, metrics } from "@opentelemetry/api";

/**
 * The service's meter: instruments made from it are exported on the metrics port once
 * `startTelemetry` registered a MeterProvider, and are no-ops before that (tests, TL_METRICS_PORT=0).
 * Instrument names are Prometheus names already (`tenantlens_<what>_<unit>`; counters get `_total`).
 */
export function meter(service: string): Meter {
  return metrics.getMeter(`@tenantlens/${service}`);
}

/** Bucket bounds (seconds) for latencies from a millisecond to a few minutes. */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

export type { Counter, Histogram, Meter } from "@opentelemetry/api";
