import { Kvm, type KV as NatsKV } from "@nats-io/kv";
import { type ObjectStore, Objm } from "@nats-io/obj";
import { nanos } from "@nats-io/transport-node";
import type { BusCore } from "./core.js";
import { whileUnavailable } from "./retry.js";

export interface KvOptions {
  /** Values kept per key (default 1). */
  history?: number;
  /** Entries expire this long after their last write (default: never). */
  ttlSeconds?: number;
}

export interface BlobOptions {
  /** Objects expire this long after they were written; applies when the bucket is created. */
  ttlSeconds?: number;
}

/**
 * A KV bucket, with `list` in place of nats.js's `keys()`. That one watches the bucket through an
 * ordered consumer until it has seen the newest entry, and was seen to wait for good (no entry
 * and no heartbeat ever came) when two clients listed a bucket while a third wrote and purged
 * keys in it: a poller's tick hung on it and that poller read nothing again.
 */
export type KV = Omit<NatsKV, "keys"> & {
  /**
   * The keys that match `filter` (a subject pattern: `>` all, `a.*`, `a.>`), from the per-subject
   * counts of the bucket's stream (one request, no consumer), less those whose last entry is a
   * delete or purge marker (a `get` each).
   */
  list(filter?: string): Promise<string[]>;
};

/** Opens KV buckets and object stores once per connection (creating them when missing). */
export class Storage {
  private readonly kvs = new Map<string, Promise<KV>>();
  private readonly stores = new Map<string, Promise<ObjectStore>>();

  constructor(private readonly core: BusCore) {}

  kv(bucket: string, opts: KvOptions = {}): Promise<KV> {
    let kv = this.kvs.get(bucket);
    if (!kv) {
      kv = whileUnavailable(this.core, null, `bucket ${bucket}`, () =>
        new Kvm(this.core.js).create(bucket, {
          history: opts.history ?? 1,
          replicas: this.core.replicas,
          ...(opts.ttlSeconds ? { ttl: opts.ttlSeconds * 1000 } : {}),
        }),
      ).then((b) => this.retrying(b, bucket));
      kv.catch(() => this.kvs.delete(bucket));
      this.kvs.set(bucket, kv);
    }
    return kv;
  }

  /**
   * The bucket with its reads and writes tried again while its stream cannot take them (a
   * clustered bucket between leaders, a reconnect), and `list` in place of `keys` (`update` is a
   * `put` with the expected revision, so it retries through `put`). A compare-and-set write whose
   * first try landed unseen fails its retry as a conflict, which its callers handle.
   */
  private retrying(b: NatsKV, bucket: string): KV {
    const stream = `KV_${bucket}`;
    const again =
      <A extends unknown[], R>(name: string, op: (...args: A) => Promise<R>) =>
      (...args: A) =>
        whileUnavailable(this.core, stream, `${bucket} ${name} ${String(args[0])}`, () => op.apply(b, args));
    return Object.assign(b, {
      get: again("get", b.get),
      put: again("put", b.put),
      create: again("create", b.create),
      delete: again("delete", b.delete),
      purge: again("purge", b.purge),
      list: (filter?: string) =>
        whileUnavailable(this.core, stream, `${bucket} keys`, () => this.listKeys(b, bucket, filter)),
    });
  }

  private async listKeys(kv: NatsKV, bucket: string, filter = ">"): Promise<string[]> {
    const prefix = `$KV.${bucket}.`;
    const si = await this.core.jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${filter}` });
    const keys = Object.keys(si.state.subjects ?? {}).map((s) => s.slice(prefix.length));
    const live: string[] = [];
    for (let i = 0; i < keys.length; i += 64) {
      const chunk = keys.slice(i, i + 64);
      const entries = await Promise.all(chunk.map((k) => kv.get(k)));
      for (const [j, e] of entries.entries()) if (e?.operation === "PUT") live.push(chunk[j] as string);
    }
    return live;
  }

  async putBlob(bucket: string, key: string, bytes: Uint8Array, opts: BlobOptions = {}): Promise<void> {
    const os = await this.store(bucket, opts);
    await os.putBlob({ name: key }, bytes);
  }

  async getBlob(bucket: string, key: string): Promise<Uint8Array | null> {
    const os = await this.store(bucket, {});
    return os.getBlob(key);
  }

  private store(bucket: string, opts: BlobOptions): Promise<ObjectStore> {
    let os = this.stores.get(bucket);
    if (!os) {
      os = whileUnavailable(this.core, null, `object store ${bucket}`, () =>
        new Objm(this.core.js).create(bucket, {
          replicas: this.core.replicas,
          ...(opts.ttlSeconds ? { ttl: nanos(opts.ttlSeconds * 1000) } : {}),
        }),
      );
      os.catch(() => this.stores.delete(bucket));
      this.stores.set(bucket, os);
    }
    return os;
  }
}
