import type { Bus, KV } from "@tenantlens/bus";
import { PollLeasesBucket } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";

/**
 * Leases shared by every poller replica, in a KV bucket whose entries expire `ttl` after their last
 * write (the bucket's max age; nats-server 2.9 has no per-key TTL). Taking a lease is a KV `create`
 * (succeeds only when the key is absent: never taken, released, or expired), keeping it is an
 * `update` at the revision we wrote last (fails when anyone else wrote since), every ttl/3. A holder
 * that cannot renew within the TTL, or finds the revision moved, has lost it: `lost` aborts.
 *
 * Keys: `<integrationId>.<resource>` (who reads that resource now), `<integrationId>.slot.<n>`
 * (the integration's share of Graph's budget: reads at once across replicas), `replica.<id>`
 * (a live poller).
 */
export const LEASES_BUCKET = PollLeasesBucket.name;

const encoder = new TextEncoder();

export interface LeaseInfo {
  holder: string;
  pollId?: string;
  at: number;
}

export class Lease {
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private lastRenewed: number;
  private released = false;

  constructor(
    private readonly kv: KV,
    readonly key: string,
    private revision: number,
    private readonly value: Uint8Array,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    this.lastRenewed = Date.now();
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  /** Aborts when the lease is lost (someone else holds it now, or it could not be renewed in time). */
  get lost(): AbortSignal {
    return this.abort.signal;
  }

  private async renew(): Promise<void> {
    if (this.released || this.abort.signal.aborted) return;
    try {
      this.revision = await this.kv.update(this.key, this.value, this.revision);
      this.lastRenewed = Date.now();
    } catch (err) {
      if (this.released) return;
      const moved = (await this.kv.get(this.key).catch(() => undefined))?.revision;
      if ((moved !== undefined && moved !== this.revision) || Date.now() - this.lastRenewed >= this.ttlMs) {
        this.log.warn({ key: this.key, err: String(err) }, "lease lost");
        this.stopTimer();
        this.abort.abort(new Error(`lease ${this.key} lost`));
      }
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Gives the lease back at once (only if it is still ours). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stopTimer();
    if (this.abort.signal.aborted) return;
    await this.kv.delete(this.key, { previousSeq: this.revision }).catch(() => {});
  }
}

export class Leases {
  constructor(
    private readonly kv: KV,
    private readonly holder: string,
    readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  static async open(bus: Bus, holder: string, ttlSeconds: number, log: Logger): Promise<Leases> {
    return new Leases(await bus.kv(LEASES_BUCKET, { ttlSeconds }), holder, ttlSeconds * 1000, log);
  }

  /** The lease, or null when someone holds it. */
  async tryAcquire(key: string, extra: { pollId?: string } = {}): Promise<Lease | null> {
    const info: LeaseInfo = { holder: this.holder, at: Date.now(), ...extra };
    const value = encoder.encode(JSON.stringify(info));
    try {
      const revision = await this.kv.create(key, value);
      return new Lease(this.kv, key, revision, value, this.ttlMs, this.log);
    } catch (err) {
      // Someone wrote the key between our look and our create (took it, or just released it).
      if (/wrong last sequence/i.test(String(err))) return null;
      const e = await this.kv.get(key);
      if (e?.operation === "PUT") return null;
      throw err;
    }
  }

  async held(key: string): Promise<boolean> {
    return (await this.kv.get(key))?.operation === "PUT";
  }

  /** The first free one of `count` numbered leases `<prefix>.<n>`, or null when all are held. */
  async tryAcquireOneOf(
    prefix: string,
    count: number,
    extra: { pollId?: string } = {},
  ): Promise<Lease | null> {
    for (let n = 0; n < count; n++) {
      if (await this.held(`${prefix}.${n}`)) continue;
      const lease = await this.tryAcquire(`${prefix}.${n}`, extra);
      if (lease) return lease;
    }
    return null;
  }

  /**
   * One of `count` numbered leases `<prefix>.<n>`, but never the last free one: null unless at
   * least two were free when looked at. Whoever takes leases this way leaves one for
   * `tryAcquireOneOf` callers on any poller (two such takers racing can still take the last two;
   * the next one given back then stays free).
   */
  async tryAcquireSpare(
    prefix: string,
    count: number,
    extra: { pollId?: string } = {},
  ): Promise<Lease | null> {
    const free: number[] = [];
    for (let n = 0; n < count; n++) if (!(await this.held(`${prefix}.${n}`))) free.push(n);
    if (free.length < 2) return null;
    // The highest numbers first: `tryAcquireOneOf` looks from 0 up, so the two meet last.
    for (const n of free.reverse().slice(0, free.length - 1)) {
      const lease = await this.tryAcquire(`${prefix}.${n}`, extra);
      if (lease) return lease;
    }
    return null;
  }
}
