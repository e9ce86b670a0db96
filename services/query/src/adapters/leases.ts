import { GENERATION_LEASES } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";

export const LEASES_BUCKET = GENERATION_LEASES.bucket;
export const LEASE_TTL_SECONDS = GENERATION_LEASES.ttlSeconds;

/** The part of a NATS KV bucket leases need. */
export interface LeaseKv {
  put(key: string, value: string): Promise<number>;
  delete(key: string): Promise<void>;
}

/**
 * Tells the store which generations this reader still reads, so it keeps their files: key
 * `<workspaceId>.<readerId>` → the oldest generation id in use (the current one, or an older one while
 * queries started on it are still running). Refreshed well within the bucket TTL; a reader that dies
 * stops refreshing and its leases expire.
 */
export class LeaseKeeper {
  private readonly current = new Map<string, number>();
  private readonly inUse = new Map<string, Map<number, number>>();
  private readonly written = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly kv: LeaseKv,
    private readonly readerId: string,
    private readonly logger: Logger,
  ) {}

  /** Starts refreshing every `intervalMs`. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.flush(true), intervalMs);
    this.timer.unref();
  }

  /** The workspace's current generation. */
  setCurrent(workspaceId: string, generationId: number): void {
    this.current.set(workspaceId, generationId);
    void this.flush(false);
  }

  /** Marks a generation in use by one query until the returned function is called. */
  use(workspaceId: string, generationId: number): () => void {
    const counts = this.inUse.get(workspaceId) ?? new Map<number, number>();
    counts.set(generationId, (counts.get(generationId) ?? 0) + 1);
    this.inUse.set(workspaceId, counts);
    void this.flush(false);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (counts.get(generationId) ?? 1) - 1;
      if (n <= 0) counts.delete(generationId);
      else counts.set(generationId, n);
      void this.flush(false);
    };
  }

  /** The generation id leased for a workspace right now (null = nothing to lease). */
  leased(workspaceId: string): number | null {
    const ids = [...(this.inUse.get(workspaceId)?.keys() ?? [])];
    const cur = this.current.get(workspaceId);
    if (cur !== undefined) ids.push(cur);
    const real = ids.filter((id) => id > 0);
    return real.length > 0 ? Math.min(...real) : null;
  }

  /** A deleted workspace: its lease goes and is not written again. */
  async forget(workspaceId: string): Promise<void> {
    this.current.delete(workspaceId);
    this.inUse.delete(workspaceId);
    if (this.written.delete(workspaceId)) await this.kv.delete(this.key(workspaceId)).catch(() => undefined);
  }

  /** Deletes this reader's leases; nothing is written after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all(
      [...this.written.keys()].map((ws) => this.kv.delete(this.key(ws)).catch(() => undefined)),
    );
    this.written.clear();
  }

  private key(workspaceId: string): string {
    return `${workspaceId}.${this.readerId}`;
  }

  /** Writes leases that changed (or all of them when refreshing). */
  async flush(all: boolean): Promise<void> {
    if (this.stopped) return;
    const workspaces = new Set([...this.current.keys(), ...this.inUse.keys()]);
    for (const ws of workspaces) {
      const id = this.leased(ws);
      if (id === null) continue;
      if (!all && this.written.get(ws) === id) continue;
      this.written.set(ws, id);
      try {
        await this.kv.put(this.key(ws), String(id));
      } catch (err) {
        this.written.delete(ws);
        this.logger.warn({ err, workspaceId: ws }, "could not write generation lease");
      }
    }
  }
}

/** A KV-key-safe reader id (no dots: they separate key tokens). */
export function readerIdFrom(raw: string): string {
  return raw.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 100) || "reader";
}
