import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, nkeyAuthenticator } from "@nats-io/nats-core";
import { trace } from "@opentelemetry/api";
import {
  allEvents,
  streams as allStreams,
  type ConsumerLag,
  type EventDef,
  type EventPayload,
  type RequestDef,
  type RequestOf,
  type ResponseOf,
  type ServiceName,
  type StreamDef,
} from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { type ConsumeOptions, type Consumer, startConsumer } from "./consume.js";
import { type BusCore, maxPayload } from "./core.js";
import { nkeySeedFromText, readNkeySeed } from "./credentials.js";
import { inboxPrefix } from "./permissions.js";
import { type PublishOptions, type PublishResult, publishEvent, publishManyEvents } from "./publish.js";
import { whileUnavailable } from "./retry.js";
import {
  type RequestOptions,
  type ServeHandler,
  type ServeOptions,
  type ServeTracker,
  sendRequest,
  serveRequests,
} from "./rpc.js";
import { type BlobOptions, type KV, type KvOptions, Storage } from "./storage.js";
import { ensureStream } from "./streams.js";
import { type BroadcastSubscription, type EventMeta, subscribeEvents } from "./subscribe.js";
import { openConnection } from "./transport.js";

export interface ContractsOverride {
  streams?: Record<string, StreamDef>;
  events?: readonly EventDef[];
}

export interface ConnectOptions extends ContractsOverride {
  url: string;
  service: ServiceName;
  logger: Logger;
  /** Default -1 (forever): services ride out a NATS restart. */
  maxReconnectAttempts?: number;
  /** Keep retrying the first connection too (default false: fail fast when NATS is not there). */
  waitOnFirstConnect?: boolean;
  /**
   * NKEY seed file of this connection's identity (`NATS_NKEY_SEED_FILE`): on a locked bus each
   * service connects as itself and may use only the subjects its declarations name.
   */
  nkeySeedFile?: string;
  /**
   * The NKEY seed itself (`SU…`), for runtimes without a filesystem (the edge gateway reads it from a
   * secret environment variable). Exclusive with `nkeySeedFile`.
   */
  nkeySeed?: string;
  /** CA certificate(s) that signed the server's TLS certificate (`NATS_TLS_CA_FILE`); turns TLS on. */
  tlsCaFile?: string;
  /**
   * Streams `ensureStreams()` creates or updates: `"own"`, those whose events this service publishes
   * or consumes (all a locked-down service may manage; services connect so), or `"all"` (default:
   * tools and tests).
   */
  streamScope?: "own" | "all";
  /**
   * Replicas of the streams, KV buckets and object stores this connection creates
   * (`TL_STREAM_REPLICAS`; default 1). 3 or 5 need a JetStream cluster of at least that many servers.
   */
  replicas?: number;
}

/** The connection settings every service reads from its configuration (see `@tenantlens/config`). */
export interface BusSettings {
  NATS_URL: string;
  NATS_NKEY_SEED_FILE?: string | undefined;
  /** The seed itself (edge runtimes, where a secret comes as an environment variable, not a file). */
  NATS_NKEY_SEED?: string | undefined;
  NATS_TLS_CA_FILE?: string | undefined;
  TL_STREAM_REPLICAS?: number | undefined;
}

/** `connectBus` options from a service's validated configuration. */
export function busConnection(
  config: BusSettings,
): Pick<ConnectOptions, "url" | "nkeySeedFile" | "nkeySeed" | "tlsCaFile" | "streamScope" | "replicas"> {
  return {
    url: config.NATS_URL,
    streamScope: "own",
    replicas: config.TL_STREAM_REPLICAS ?? 1,
    ...(config.NATS_NKEY_SEED_FILE ? { nkeySeedFile: config.NATS_NKEY_SEED_FILE } : {}),
    ...(config.NATS_NKEY_SEED ? { nkeySeed: config.NATS_NKEY_SEED } : {}),
    ...(config.NATS_TLS_CA_FILE ? { tlsCaFile: config.NATS_TLS_CA_FILE } : {}),
  };
}

export interface BusStatus {
  connected: boolean;
  draining: boolean;
  closed: boolean;
  server: string | undefined;
  consumers: string[];
  maxPayload: number;
}

export interface Bus {
  readonly service: ServiceName;
  readonly logger: Logger;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Bytes one message (headers included) may weigh on this server. */
  maxPayload(): number;
  ensureStreams(override?: ContractsOverride): Promise<void>;
  /**
   * A call to JetStream's API through `jsm`, made again while JetStream cannot answer it for the
   * moment (a clustered stream between leaders, a cluster without a majority) for up to 60 s.
   */
  manage<T>(what: string, op: (jsm: JetStreamManager) => Promise<T>): Promise<T>;
  publish<E extends EventDef>(
    def: E,
    payload: EventPayload<E>,
    opts?: PublishOptions,
  ): Promise<PublishResult>;
  publishMany<E extends EventDef>(
    def: E,
    payloads: readonly EventPayload<E>[],
    opts?: PublishOptions & { concurrency?: number },
  ): Promise<PublishResult[]>;
  consume(opts: ConsumeOptions): Promise<Consumer>;
  subscribe<E extends EventDef>(
    def: E,
    fn: (payload: EventPayload<E>, meta: EventMeta) => Promise<void>,
    opts?: { token?: string },
  ): BroadcastSubscription;
  serve<R extends RequestDef>(def: R, handler: ServeHandler<R>, opts?: ServeOptions<R>): void;
  /** Round trip to the server: subscriptions made before it are live once it resolves (call before "ready"). */
  flush(): Promise<void>;
  request<R extends RequestDef>(def: R, req: RequestOf<R>, opts?: RequestOptions): Promise<ResponseOf<R>>;
  kv(bucket: string, opts?: KvOptions): Promise<KV>;
  putBlob(bucket: string, key: string, bytes: Uint8Array, opts?: BlobOptions): Promise<void>;
  getBlob(bucket: string, key: string): Promise<Uint8Array | null>;
  /** Stops consumers (waiting for in-flight handlers), drains subscriptions, then the connection. */
  drain(): Promise<void>;
  status(): BusStatus;
  /** Backlog of each durable consumer this connection runs (JetStream's num_pending / num_ack_pending). */
  consumerLag(): Promise<ConsumerLag[]>;
  /** Resolves when the connection is closed (with the error that closed it, if any). */
  // biome-ignore lint/suspicious/noConfusingVoidType: mirrors NatsConnection.closed()
  closed(): Promise<void | Error>;
}

/** Connects to NATS as `service` (the connection name) and returns the typed bus. */
export async function connectBus(opts: ConnectOptions): Promise<Bus> {
  const log = opts.logger.child({ component: "bus" });
  if (opts.nkeySeedFile && opts.nkeySeed) {
    throw new Error("give the NKEY seed either as a file or as text, not both");
  }
  const seed = opts.nkeySeedFile
    ? readNkeySeed(opts.nkeySeedFile)
    : opts.nkeySeed
      ? nkeySeedFromText(opts.nkeySeed, "the NKEY seed")
      : undefined;
  const nc = await openConnection(opts.url, {
    name: opts.service,
    maxReconnectAttempts: opts.maxReconnectAttempts ?? -1,
    waitOnFirstConnect: opts.waitOnFirstConnect ?? false,
    // A starting service on a busy machine can take longer than the client's 20 s default to finish
    // the handshake (seen at load 20+); a refused connection still fails at once.
    timeout: 60_000,
    inboxPrefix: inboxPrefix(opts.service),
    ...(seed ? { authenticator: nkeyAuthenticator(seed) } : {}),
    ...(opts.tlsCaFile ? { tlsCaFile: opts.tlsCaFile } : {}),
  });
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const core: BusCore = {
    service: opts.service,
    nc,
    js: jetstream(nc),
    jsm,
    logger: opts.logger,
    tracer: trace.getTracer(`@tenantlens/bus:${opts.service}`),
    streams: opts.streams ?? allStreams,
    events: opts.events ?? allEvents,
    replicas: opts.replicas ?? 1,
  };
  const streamScope = opts.streamScope ?? "all";
  log.info({ server: nc.getServer(), maxPayload: maxPayload(nc) }, "connected to NATS");
  return new NatsBus(core, log, streamScope);
}

class NatsBus implements Bus {
  private readonly consumers = new Set<Consumer>();
  private readonly tracker: ServeTracker = { subs: [], inflight: new Set() };
  private readonly storage: Storage;
  private connected = true;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly core: BusCore,
    private readonly log: Logger,
    private readonly streamScope: "own" | "all",
  ) {
    this.storage = new Storage(core);
    void this.watchStatus();
  }

  get service() {
    return this.core.service;
  }
  get logger() {
    return this.core.logger;
  }
  get nc() {
    return this.core.nc;
  }
  get js() {
    return this.core.js;
  }
  get jsm() {
    return this.core.jsm;
  }

  maxPayload(): number {
    return maxPayload(this.core.nc);
  }

  async ensureStreams(override: ContractsOverride = {}): Promise<void> {
    const streams = override.streams ?? this.core.streams;
    const events = override.events ?? this.core.events;
    const own = (name: string) =>
      events.some(
        (e) =>
          e.stream === name &&
          (e.publishers.includes(this.core.service) || (e.consumers?.includes(this.core.service) ?? false)),
      );
    for (const def of Object.values(streams)) {
      if (this.streamScope === "own" && !own(def.name)) continue;
      await this.manage(`stream ${def.name}`, (jsm) =>
        ensureStream(jsm, def, events, this.log, this.core.replicas),
      );
    }
  }

  manage<T>(what: string, op: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
    return whileUnavailable(this.core, null, what, () => op(this.core.jsm));
  }

  publish<E extends EventDef>(
    def: E,
    payload: EventPayload<E>,
    opts?: PublishOptions,
  ): Promise<PublishResult> {
    return publishEvent(this.core, def, payload, opts);
  }

  publishMany<E extends EventDef>(
    def: E,
    payloads: readonly EventPayload<E>[],
    opts?: PublishOptions & { concurrency?: number },
  ): Promise<PublishResult[]> {
    return publishManyEvents(this.core, def, payloads, opts);
  }

  async consume(opts: ConsumeOptions): Promise<Consumer> {
    if (this.draining) throw new Error("bus is draining");
    const c = await startConsumer(this.core, opts);
    const tracked: Consumer = {
      durable: c.durable,
      stream: c.stream,
      info: () => c.info(),
      stop: async () => {
        await c.stop();
        this.consumers.delete(tracked);
      },
    };
    this.consumers.add(tracked);
    return tracked;
  }

  subscribe<E extends EventDef>(
    def: E,
    fn: (payload: EventPayload<E>, meta: EventMeta) => Promise<void>,
    opts?: { token?: string },
  ): BroadcastSubscription {
    return subscribeEvents(this.core, this.tracker, def, fn, opts);
  }

  serve<R extends RequestDef>(def: R, handler: ServeHandler<R>, opts?: ServeOptions<R>): void {
    serveRequests(this.core, this.tracker, def, handler, opts);
  }

  flush(): Promise<void> {
    return this.nc.flush();
  }

  request<R extends RequestDef>(def: R, req: RequestOf<R>, opts?: RequestOptions): Promise<ResponseOf<R>> {
    return sendRequest(this.core, def, req, opts);
  }

  kv(bucket: string, opts?: KvOptions): Promise<KV> {
    return this.storage.kv(bucket, opts);
  }

  putBlob(bucket: string, key: string, bytes: Uint8Array, opts?: BlobOptions): Promise<void> {
    return this.storage.putBlob(bucket, key, bytes, opts);
  }

  getBlob(bucket: string, key: string): Promise<Uint8Array | null> {
    return this.storage.getBlob(bucket, key);
  }

  drain(): Promise<void> {
    this.draining ??= (async () => {
      const nc = this.core.nc;
      await Promise.all([...this.consumers].map((c) => c.stop()));
      if (nc.isClosed()) return;
      await Promise.all(this.tracker.subs.map((s) => (s.isClosed() ? undefined : s.drain().catch(() => {}))));
      await Promise.all(this.tracker.inflight);
      if (!nc.isClosed() && !nc.isDraining()) await nc.drain();
      this.log.info("disconnected from NATS");
    })();
    return this.draining;
  }

  status(): BusStatus {
    const nc = this.core.nc;
    return {
      connected: this.connected && !nc.isClosed(),
      draining: nc.isDraining() || this.draining !== undefined,
      closed: nc.isClosed(),
      server: nc.isClosed() ? undefined : nc.getServer(),
      consumers: [...this.consumers].map((c) => `${c.stream}/${c.durable}`),
      maxPayload: this.maxPayload(),
    };
  }

  async consumerLag(): Promise<ConsumerLag[]> {
    if (this.core.nc.isClosed()) return [];
    const out: ConsumerLag[] = [];
    for (const c of this.consumers) {
      const info = await c.info().catch(() => null);
      if (!info) continue;
      out.push({
        stream: c.stream,
        durable: c.durable,
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
      });
    }
    return out;
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: mirrors NatsConnection.closed()
  closed(): Promise<void | Error> {
    return this.core.nc.closed();
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.core.nc.status()) {
      switch (s.type) {
        case "disconnect":
          this.connected = false;
          this.log.warn({ server: s.server }, "NATS connection lost; reconnecting");
          break;
        case "reconnect":
          this.connected = true;
          this.log.info({ server: s.server }, "NATS reconnected");
          break;
        case "error":
          this.log.error({ err: s.error }, "NATS error");
          break;
        default:
          break;
      }
    }
  }
}
