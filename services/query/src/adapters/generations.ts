import type { Generation } from "@tenantlens/contracts";

interface Known {
  generation: Generation | null;
  /** When the store was last asked (events keep entries fresh without asking). */
  checkedAt: number;
}

export interface GenerationTrackerOptions {
  /** Asks the store for the workspace's current generation. */
  fetch(workspaceId: string): Promise<Generation | null>;
  /** Asks the store for one generation by number (null: it does not exist or was collected). */
  fetchById?(workspaceId: string, generationId: number): Promise<Generation | null>;
  /** Ask the store again when the cached answer is older than this (0 = trust events only). */
  recheckMs: number;
  /** Called when a workspace moves to a newer generation. */
  onSwap?(workspaceId: string, generation: Generation): void;
  now?(): number;
}

/**
 * The current generation of each workspace: learned from the store on first use and from
 * GenerationCommitted events afterwards. Only newer generations replace older ones, so a late or
 * replayed event never moves a workspace back; the swap is a single map write, so every query after it
 * sees the new generation and queries already running keep the one they started with.
 */
/** Generations remembered per workspace besides the current one, for queries that pin one. */
const RECENT_PER_WORKSPACE = 8;

export class GenerationTracker {
  private readonly known = new Map<string, Known>();
  private readonly recent = new Map<string, Map<number, Generation>>();
  private readonly inflight = new Map<string, Promise<Generation | null>>();
  private readonly now: () => number;

  constructor(private readonly opts: GenerationTrackerOptions) {
    this.now = opts.now ?? Date.now;
  }

  async current(workspaceId: string): Promise<Generation | null> {
    const k = this.known.get(workspaceId);
    const stale = !k || (this.opts.recheckMs > 0 && this.now() - k.checkedAt > this.opts.recheckMs);
    if (!stale) return k.generation;
    try {
      return await this.refresh(workspaceId);
    } catch (err) {
      // The store is briefly unreachable: a known generation is still a correct answer.
      if (k) return k.generation;
      throw err;
    }
  }

  /** A committed generation announced by the store. */
  offer(generation: Generation): void {
    this.remember(generation);
    this.accept(generation.workspaceId, generation, false);
  }

  /**
   * One generation by number (rules and alerts judge exactly the generation that was committed):
   * from what this replica has seen, else from the store. Null when the store no longer has it.
   */
  async byId(workspaceId: string, generationId: number): Promise<Generation | null> {
    const current = this.known.get(workspaceId)?.generation;
    if (current?.generationId === generationId) return current;
    const seen = this.recent.get(workspaceId)?.get(generationId);
    if (seen) return seen;
    if (!this.opts.fetchById) {
      const latest = await this.current(workspaceId);
      return latest?.generationId === generationId ? latest : null;
    }
    const g = await this.opts.fetchById(workspaceId, generationId);
    if (g) this.remember(g);
    return g;
  }

  private remember(generation: Generation): void {
    const byId = this.recent.get(generation.workspaceId) ?? new Map<number, Generation>();
    byId.set(generation.generationId, generation);
    // Bounded: oldest numbers go first.
    for (const id of [...byId.keys()].sort((a, b) => a - b)) {
      if (byId.size <= RECENT_PER_WORKSPACE) break;
      byId.delete(id);
    }
    this.recent.set(generation.workspaceId, byId);
  }

  /** A deleted workspace: nothing of it is remembered (the store no longer has any generation of it). */
  forget(workspaceId: string): void {
    this.known.delete(workspaceId);
    this.recent.delete(workspaceId);
  }

  /** Workspaces seen so far with their generation ids (for leases). */
  workspaces(): Array<{ workspaceId: string; generationId: number | null }> {
    return [...this.known].map(([workspaceId, k]) => ({
      workspaceId,
      generationId: k.generation?.generationId ?? null,
    }));
  }

  private refresh(workspaceId: string): Promise<Generation | null> {
    let p = this.inflight.get(workspaceId);
    if (!p) {
      p = this.opts
        .fetch(workspaceId)
        .then((g) => {
          if (g) this.remember(g);
          this.accept(workspaceId, g, true);
          return this.known.get(workspaceId)?.generation ?? null;
        })
        .finally(() => this.inflight.delete(workspaceId));
      this.inflight.set(workspaceId, p);
    }
    return p;
  }

  private accept(workspaceId: string, generation: Generation | null, fromStore: boolean): void {
    const k = this.known.get(workspaceId);
    const currentId = k?.generation?.generationId ?? 0;
    const checkedAt = fromStore || !k ? this.now() : k.checkedAt;
    if (generation && generation.generationId > currentId) {
      this.known.set(workspaceId, { generation, checkedAt });
      if (k) this.opts.onSwap?.(workspaceId, generation);
    } else {
      this.known.set(workspaceId, { generation: k?.generation ?? null, checkedAt });
    }
  }
}
