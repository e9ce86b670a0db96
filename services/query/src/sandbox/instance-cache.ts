import type { GenerationSpec, HardenedInstance } from "./hardened-instance.js";

interface Entry {
  key: string;
  spec: GenerationSpec;
  ready: Promise<HardenedInstance>;
  refs: number;
  retired: boolean;
  lastUsed: number;
}

export interface InstanceLease {
  instance: HardenedInstance;
  release(): void;
}

export function generationKey(spec: Pick<GenerationSpec, "workspaceId" | "generationId">): string {
  return `${spec.workspaceId}#${spec.generationId}`;
}

/**
 * Hardened instances by (workspace, generation). A newer generation of a workspace retires the older
 * ones: queries already running on them finish, then they close. Idle instances beyond `max` close
 * least-recently-used first.
 */
export class InstanceCache {
  private readonly entries = new Map<string, Entry>();
  private tick = 0;

  constructor(
    private readonly open: (spec: GenerationSpec) => Promise<HardenedInstance>,
    private readonly max: number,
  ) {}

  async acquire(spec: GenerationSpec): Promise<InstanceLease> {
    this.retire(spec.workspaceId, spec.generationId);
    const key = generationKey(spec);
    let entry = this.entries.get(key);
    if (!entry || entry.retired) {
      const ready = this.open(spec);
      entry = { key, spec, ready, refs: 0, retired: false, lastUsed: 0 };
      this.entries.set(key, entry);
      // A failed open must not stay cached; the next query tries again.
      ready.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    const e = entry;
    e.refs += 1;
    e.lastUsed = ++this.tick;
    let instance: HardenedInstance;
    try {
      instance = await e.ready;
    } catch (err) {
      e.refs -= 1;
      throw err;
    }
    this.evictIdle();
    let released = false;
    return {
      instance,
      release: () => {
        if (released) return;
        released = true;
        e.refs -= 1;
        if (e.refs === 0 && e.retired) void this.close(e);
      },
    };
  }

  /** Marks every instance of the workspace older than `generationId` for closing. */
  retire(workspaceId: string, generationId: number): void {
    for (const e of this.entries.values()) {
      if (e.spec.workspaceId === workspaceId && e.spec.generationId < generationId && !e.retired) {
        e.retired = true;
        if (e.refs === 0) void this.close(e);
      }
    }
  }

  /** Number of open (or opening) instances, for tests and metrics. */
  get size(): number {
    return this.entries.size;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.close(e)));
  }

  private evictIdle(): void {
    if (this.entries.size <= this.max) return;
    const idle = [...this.entries.values()]
      .filter((e) => e.refs === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const e of idle) {
      if (this.entries.size <= this.max) break;
      void this.close(e);
    }
  }

  private async close(e: Entry): Promise<void> {
    if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    try {
      const h = await e.ready;
      await h.close();
    } catch {
      // Opening failed; nothing to close.
    }
  }
}
