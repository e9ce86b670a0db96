import type { BroadcastSubscription, Bus } from "@tenantlens/bus";
import { type ConsumerLag, SERVICE_NAMES, ServiceHeartbeat } from "@tenantlens/contracts";

type ServiceName = (typeof SERVICE_NAMES)[number];

/** A service is stale when its newest heartbeat is older than this many intervals. */
const STALE_INTERVALS = 3;
/** An instance silent for this many intervals is forgotten (a replica that went away). */
const FORGET_INTERVALS = 30;

export type ServiceState = "ok" | "not_ready" | "stale" | "missing";

export interface ServiceSummary {
  status: ServiceState;
  /** Instances heard from within the stale limit, and how many of them are ready. */
  instances: number;
  ready: number;
  lastHeartbeatAgeSeconds: number | null;
  /** Durable consumers of the service and their backlog (the largest any instance reported). */
  consumers: ConsumerLag[];
}

export interface SystemSummary {
  status: "ok" | "degraded" | "down";
  nats: "connected" | "disconnected";
  checkedAt: string;
  /** Age of the newest committed generation of any workspace (null: none yet, or no store heard). */
  lastGenerationAgeSeconds: number | null;
  services: Record<ServiceName, ServiceSummary>;
}

/**
 * What the gateway knows about the whole system: the newest heartbeat of every instance of every
 * service (`system.health.reported.*`), summarised for /healthz.
 */
export class SystemHealth {
  private readonly latest = new Map<string, { beat: ServiceHeartbeat; receivedAt: number }>();
  private readonly sub: BroadcastSubscription;

  constructor(
    private readonly bus: Bus,
    private readonly now: () => number = Date.now,
  ) {
    this.sub = bus.subscribe(ServiceHeartbeat, async (beat) => {
      this.latest.set(`${beat.service}/${beat.instance}`, { beat, receivedAt: this.now() });
    });
  }

  summary(): SystemSummary {
    const now = this.now();
    const nats = this.bus.status().connected ? "connected" : "disconnected";
    const services = {} as Record<ServiceName, ServiceSummary>;
    let lastGenerationAt: number | null = null;
    for (const name of SERVICE_NAMES) {
      let newest: number | null = null;
      let instances = 0;
      let ready = 0;
      const lag = new Map<string, ConsumerLag>();
      for (const [key, { beat, receivedAt }] of this.latest) {
        if (beat.service !== name) continue;
        const interval = beat.intervalSeconds * 1000;
        const age = now - receivedAt;
        if (age > FORGET_INTERVALS * interval) {
          this.latest.delete(key);
          continue;
        }
        newest = newest === null ? receivedAt : Math.max(newest, receivedAt);
        if (beat.lastGenerationAt) {
          const t = Date.parse(beat.lastGenerationAt);
          lastGenerationAt = lastGenerationAt === null ? t : Math.max(lastGenerationAt, t);
        }
        if (age > STALE_INTERVALS * interval) continue;
        instances += 1;
        if (beat.ready) ready += 1;
        for (const c of beat.consumers) {
          const k = `${c.stream}/${c.durable}`;
          const seen = lag.get(k);
          lag.set(k, {
            ...c,
            pending: Math.max(c.pending, seen?.pending ?? 0),
            ackPending: Math.max(c.ackPending, seen?.ackPending ?? 0),
          });
        }
      }
      services[name] = {
        status: newest === null ? "missing" : instances === 0 ? "stale" : ready === 0 ? "not_ready" : "ok",
        instances,
        ready,
        lastHeartbeatAgeSeconds: newest === null ? null : seconds(now - newest),
        consumers: [...lag.values()].sort((a, b) =>
          `${a.stream}/${a.durable}`.localeCompare(`${b.stream}/${b.durable}`),
        ),
      };
    }
    const allOk = Object.values(services).every((s) => s.status === "ok");
    return {
      status: nats === "disconnected" ? "down" : allOk ? "ok" : "degraded",
      nats,
      checkedAt: new Date(now).toISOString(),
      lastGenerationAgeSeconds: lastGenerationAt === null ? null : seconds(now - lastGenerationAt),
      services,
    };
  }

  async stop(): Promise<void> {
    await this.sub.unsubscribe();
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 100) / 10);
}
