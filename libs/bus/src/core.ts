import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Tracer } from "@opentelemetry/api";
import type { EventDef, ServiceName, StreamDef } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";

/** What the bus parts share; one per connection. */
export interface BusCore {
  readonly service: ServiceName;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly streams: Record<string, StreamDef>;
  readonly events: readonly EventDef[];
  /** Replicas of the streams, KV buckets and object stores this connection creates. */
  readonly replicas: number;
}

const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** The connected server's max_payload (what one message, headers included, may weigh). */
export function maxPayload(nc: NatsConnection): number {
  return nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
}
