import { type KV, Kvm } from "@nats-io/kv";
import { type ObjectStore, Objm } from "@nats-io/obj";
import { nanos } from "@nats-io/transport-node";
import type { BusCore } from "./core.js";

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

/** Opens KV buckets and object stores once per connection (creating them when missing). */
export class Storage {
  private readonly kvs = new Map<string, Promise<KV>>();
  private readonly stores = new Map<string, Promise<ObjectStore>>();

  constructor(private readonly core: BusCore) {}

  kv(bucket: string, opts: KvOptions = {}): Promise<KV> {
    let kv = this.kvs.get(bucket);
    if (!kv) {
      kv = new Kvm(this.core.js).create(bucket, {
        history: opts.history ?? 1,
        replicas: this.core.replicas,
        ...(opts.ttlSeconds ? { ttl: opts.ttlSeconds * 1000 } : {}),
      });
      kv.catch(() => this.kvs.delete(bucket));
      this.kvs.set(bucket, kv);
    }
    return kv;
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
      os = new Objm(this.core.js).create(bucket, {
        replicas: this.core.replicas,
        ...(opts.ttlSeconds ? { ttl: nanos(opts.ttlSeconds * 1000) } : {}),
      });
      os.catch(() => this.stores.delete(bucket));
      this.stores.set(bucket, os);
    }
    return os;
  }
}
