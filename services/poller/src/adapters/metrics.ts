import { LATENCY_BUCKETS_SECONDS, meter } from "@tenantlens/telemetry";
import type { Summary } from "./poll-state.js";

/** From a delta round of a small tenant to a first read of a very large one. */
const REQUESTS_PER_POLL_BUCKETS = [
  1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000,
];

export interface PollMetrics {
  pollClosed(poll: {
    outcome: string;
    reason: string;
    durationMs: number;
    resources: readonly Summary[];
  }): void;
}

/**
 * The poller's metrics, counted when a poll closes (on the replica that closes it, once per poll):
 * polls by outcome, objects collected, Graph requests (and items inside $batch requests), 429 answers, retries and resource units by
 * resource, poll duration and Graph requests per poll.
 */
export function pollMetrics(): PollMetrics {
  const m = meter("poller");
  const polls = m.createCounter("tenantlens_poller_polls", {
    description: "Polls closed, by outcome and reason",
  });
  const objects = m.createCounter("tenantlens_poller_objects_collected", {
    description: "Objects read from Graph, by resource",
  });
  const requests = m.createCounter("tenantlens_poller_graph_requests", {
    description: "HTTP requests sent to Graph (retries included), by resource",
  });
  const batched = m.createCounter("tenantlens_poller_graph_batched_requests", {
    description: "Requests answered inside Graph $batch requests (each charged by Graph), by resource",
  });
  const throttled = m.createCounter("tenantlens_poller_graph_throttled", {
    description: "Graph answers 429 (throttled), by resource",
  });
  const retries = m.createCounter("tenantlens_poller_graph_retries", {
    description: "Graph requests retried after 429/503/504 or a network error, by resource",
  });
  const units = m.createCounter("tenantlens_poller_graph_resource_units", {
    description: "Graph resource units spent (x-ms-resource-unit), by resource",
  });
  const duration = m.createHistogram("tenantlens_poller_poll_duration_seconds", {
    description: "From a poll's start to its completion",
    unit: "s",
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_SECONDS },
  });
  const perPoll = m.createHistogram("tenantlens_poller_poll_graph_requests", {
    description: "Graph requests one poll cost (retries and $batch requests included), by outcome",
    advice: { explicitBucketBoundaries: REQUESTS_PER_POLL_BUCKETS },
  });
  return {
    pollClosed(poll) {
      polls.add(1, { outcome: poll.outcome, reason: poll.reason });
      perPoll.record(
        poll.resources.reduce((n, r) => n + (r.cost?.requests ?? 0), 0),
        { outcome: poll.outcome },
      );
      duration.record(Math.max(0, poll.durationMs) / 1000, { outcome: poll.outcome });
      for (const r of poll.resources) {
        const attrs = { resource: r.resource };
        objects.add(r.objectCount, attrs);
        if (!r.cost) continue;
        requests.add(r.cost.requests, attrs);
        batched.add(r.cost.batched ?? 0, attrs);
        throttled.add(r.cost.throttled, attrs);
        retries.add(r.cost.retries, attrs);
        units.add(r.cost.units, attrs);
      }
    },
  };
}
