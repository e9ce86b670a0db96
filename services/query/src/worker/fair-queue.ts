/** Who a job runs for: the workspace and the caller inside it (an API key id, or a service). */
export interface Owner {
  workspaceId: string;
  actor: string;
}

export interface FairLimits {
  /** Jobs of one workspace running at once. */
  perWorkspace: number;
  /** Jobs of one actor running at once. */
  perActor: number;
}

interface Entry<T> {
  item: T;
  owner: Owner;
}

/**
 * Waiting jobs, one line per workspace, served round-robin: the next free worker goes to the
 * workspace after the one served last that has a job allowed to start (below its workspace and
 * actor limits). A workspace with many long queries therefore never holds every worker, and never
 * makes another workspace wait behind its own queue.
 */
export class FairQueue<T> {
  private readonly lines = new Map<string, Entry<T>[]>();
  private readonly running = new Map<string, number>();
  private order: string[] = [];
  private cursor = 0;

  constructor(private readonly limits: FairLimits) {}

  get size(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.length;
    return n;
  }

  push(item: T, owner: Owner): void {
    const line = this.lines.get(owner.workspaceId);
    if (line) line.push({ item, owner });
    else {
      this.lines.set(owner.workspaceId, [{ item, owner }]);
      this.order.push(owner.workspaceId);
    }
  }

  /** Removes a waiting item (it gave up); false when it is not waiting. */
  remove(item: T): boolean {
    for (const [ws, line] of this.lines) {
      const i = line.findIndex((e) => e.item === item);
      if (i < 0) continue;
      line.splice(i, 1);
      if (line.length === 0) this.dropLine(ws);
      return true;
    }
    return false;
  }

  /** Takes the next job allowed to start and counts it as running; undefined when none may. */
  take(): { item: T; owner: Owner } | undefined {
    for (let step = 0; step < this.order.length; step++) {
      const i = (this.cursor + step) % this.order.length;
      const ws = this.order[i] as string;
      const line = this.lines.get(ws) ?? [];
      if (this.count(`w:${ws}`) >= this.limits.perWorkspace) continue;
      const k = line.findIndex((e) => this.count(actorKey(e.owner)) < this.limits.perActor);
      if (k < 0) continue;
      const [entry] = line.splice(k, 1) as [Entry<T>];
      this.cursor = i + 1;
      if (line.length === 0) this.dropLine(ws);
      this.bump(`w:${ws}`, 1);
      this.bump(actorKey(entry.owner), 1);
      return entry;
    }
    return undefined;
  }

  /** A job taken earlier finished (or died): its workspace and actor may start another. */
  finished(owner: Owner): void {
    this.bump(`w:${owner.workspaceId}`, -1);
    this.bump(actorKey(owner), -1);
  }

  /** Everything still waiting (shutdown). */
  drain(): T[] {
    const all = [...this.lines.values()].flat().map((e) => e.item);
    this.lines.clear();
    this.order = [];
    this.cursor = 0;
    return all;
  }

  private dropLine(ws: string): void {
    this.lines.delete(ws);
    const i = this.order.indexOf(ws);
    this.order.splice(i, 1);
    if (i < this.cursor) this.cursor -= 1;
  }

  private count(key: string): number {
    return this.running.get(key) ?? 0;
  }

  private bump(key: string, by: number): void {
    const n = this.count(key) + by;
    if (n <= 0) this.running.delete(key);
    else this.running.set(key, n);
  }
}

function actorKey(o: Owner): string {
  return `a:${o.workspaceId}:${o.actor}`;
}
