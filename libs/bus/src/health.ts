import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { metrics } from "@opentelemetry/api";
import { ServiceHeartbeat } from "@tenantlens/contracts";
import type { HealthState } from "@tenantlens/telemetry";
import type { Bus } from "./bus.js";

export interface BusHealthOptions {
  /** Readiness state of the service (its /readyz); the bus adds its "nats" check to it. */
  health: HealthState;
  /** Seconds between heartbeats (TL_HEARTBEAT_SECONDS). */
  intervalSeconds: number;
  /** This process among the service's replicas (default host-pid-random). */
  instance?: string;
  /** Extra heartbeat fields (the store's newest generation). */
  details?: () => Promise<{ lastGenerationAt?: string | null }> | { lastGenerationAt?: string | null };
}

export interface BusHealth {
  readonly instance: string;
  /** Publishes one heartbeat now (also done every interval). */
  beat(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What every service reports about its bus: readiness needs the NATS connection; consumer backlogs
 * and the connection state become metrics (`tenantlens_bus_consumer_pending`,
 * `tenantlens_bus_consumer_ack_pending`, `tenantlens_bus_connected`); and a heartbeat
 * (`system.health.reported.<service>`) goes out every interval for the gateway's /healthz.
 */
export function startBusHealth(bus: Bus, opts: BusHealthOptions): BusHealth {
  const instance =
    opts.instance ??
    `${hostname()
      .replace(/[^A-Za-z0-9_-]/g, "-")
      .slice(0, 40)}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const startedAt = new Date().toISOString();
  const log = bus.logger.child({ component: "heartbeat" });
  opts.health.check("nats", () => bus.status().connected);

  const meter = metrics.getMeter(`@tenantlens/bus:${bus.service}`);
  const pending = meter.createObservableGauge("tenantlens_bus_consumer_pending", {
    description: "Messages on the stream a durable consumer has not been handed yet (JetStream num_pending)",
  });
  const ackPending = meter.createObservableGauge("tenantlens_bus_consumer_ack_pending", {
    description: "Messages handed to a durable consumer and not acknowledged yet",
  });
  const connected = meter.createObservableGauge("tenantlens_bus_connected", {
    description: "1 while the service's NATS connection is up",
  });
  const observeLag = async (r: {
    observe(o: typeof pending, v: number, a: Record<string, string>): void;
  }) => {
    for (const c of await bus.consumerLag().catch(() => [])) {
      const attrs = { stream: c.stream, consumer: c.durable };
      r.observe(pending, c.pending, attrs);
      r.observe(ackPending, c.ackPending, attrs);
    }
  };
  const observeConnected = (r: { observe(v: number): void }) => r.observe(bus.status().connected ? 1 : 0);
  meter.addBatchObservableCallback(observeLag, [pending, ackPending]);
  connected.addCallback(observeConnected);

  let stopped = false;
  let inflight: Promise<void> = Promise.resolve();
  const beat = async () => {
    if (stopped || !bus.status().connected) return;
    const [readiness, consumers, details] = await Promise.all([
      opts.health.readiness(),
      bus.consumerLag().catch(() => []),
      opts.details?.() ?? {},
    ]);
    await bus
      .publish(ServiceHeartbeat, {
        service: bus.service,
        instance,
        startedAt,
        at: new Date().toISOString(),
        intervalSeconds: opts.intervalSeconds,
        ready: readiness.ready,
        consumers,
        ...details,
      })
      .catch((err: unknown) => log.debug({ err }, "heartbeat not published"));
  };
  const timer = setInterval(() => {
    inflight = beat();
  }, opts.intervalSeconds * 1000);
  timer.unref();
  return {
    instance,
    beat: () => {
      inflight = beat();
      return inflight;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      meter.removeBatchObservableCallback(observeLag, [pending, ackPending]);
      connected.removeCallback(observeConnected);
      await inflight.catch(() => {});
    },
  };
}
