import { readdir, rm } from "node:fs/promises";
import type { Generation } from "@tenantlens/contracts";
import type { GenerationKind } from "./adapters/bookkeeping.js";
import { collectGenerations, type LeaseReader, workspacesWithGenerations } from "./adapters/generation-gc.js";
import { workspaceGenerationsDir, writeGeneration } from "./adapters/generation-writer.js";
import { workspaceDeleted } from "./adapters/workspace-purge.js";
import type { Warehouse } from "./warehouse.js";

export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface GenerationServiceOptions {
  warehouse: Warehouse;
  dataDir: string;
  /** Announces a committed generation (GenerationCommitted); may throw, it is retried later. */
  publish(generation: Generation): Promise<void>;
  leases: LeaseReader;
  /**
   * Generations for system-table changes (query history, rule results, integrations) wait until
   * none came for this long, and at most `MAX_WAIT_DEBOUNCES` times this long after the first.
   */
  debounceMs: number;
  /** Newest generations always kept per workspace. */
  keep: number;
  /** A superseded generation stays at least this long (a reader may be about to lease it). */
  graceMs: number;
  log: Log;
}

/**
 * Turns committed generation requests into Parquet generations: right away after a completed
 * poll, debounced after system-table changes. One workspace's generations are written one at a
 * time; writes go through the warehouse's single writer, so each sees a consistent snapshot.
 */
/**
 * How many debounce periods a system-table change waits at most: changes that keep coming (a rules
 * run records each rule's result as it finishes, an analyst runs query after query) are batched
 * into one generation when they stop, but never held back longer than this.
 */
export const MAX_WAIT_DEBOUNCES = 5;

export class GenerationService {
  /** Per workspace: the pending generation's timer, whether a poll asked for it, and since when. */
  private readonly timers = new Map<string, { first: number; poll: boolean; timer: NodeJS.Timeout }>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private stopped = false;

  constructor(private readonly o: GenerationServiceOptions) {}

  /** Called after a commit that requested a generation. */
  requested(workspaceId: string, kind: GenerationKind): void {
    if (this.stopped) return;
    const now = Date.now();
    const existing = this.timers.get(workspaceId);
    // A generation for a completed poll is about to be written: it includes this change too.
    if (existing?.poll) return;
    const first = existing?.first ?? now;
    // A completed poll goes at once; a system-table change waits for the changes to stop (each
    // one postpones it), within the cap counted from the first.
    const due =
      kind === "poll"
        ? now
        : Math.min(now + this.o.debounceMs, first + MAX_WAIT_DEBOUNCES * this.o.debounceMs);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(workspaceId);
        void this.generate(workspaceId).catch((err: unknown) =>
          this.o.log.error({ err, workspaceId }, "generation failed; it stays requested and is retried"),
        );
      },
      Math.max(0, due - now),
    );
    this.timers.set(workspaceId, { first, poll: kind === "poll", timer });
  }

  /** Writes, publishes and cleans up a workspace's next generation now (null if none was due). */
  generate(workspaceId: string): Promise<Generation | null> {
    const prev = this.chains.get(workspaceId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.generateNow(workspaceId));
    this.chains.set(workspaceId, next);
    return next;
  }

  private async generateNow(workspaceId: string): Promise<Generation | null> {
    const { warehouse, dataDir } = this.o;
    const started = performance.now();
    const generation = await warehouse.db.transaction(async (sql) => {
      if (await workspaceDeleted(sql, workspaceId)) {
        await sql.run(`DELETE FROM "_tl_generation_requests" WHERE workspace_id = $ws`, { ws: workspaceId });
        return null;
      }
      return writeGeneration(sql, { dataDir, schema: warehouse.schema, workspaceId });
    });
    if (!generation) return null;
    this.o.log.info(
      {
        workspaceId,
        generationId: generation.generationId,
        written: generation.tables.filter((t) => t.changed).length,
        reused: generation.tables.filter((t) => !t.changed).length,
        durationMs: Math.round(performance.now() - started),
      },
      "generation committed",
    );
    await this.publishPending(workspaceId);
    await this.collect(workspaceId);
    return generation;
  }

  /**
   * A deleted workspace, after any generation of it in progress: its rows and generation
   * bookkeeping go in one transaction (from then on GenerationGet knows no generation of it and
   * nothing new is exported), then its Parquet files. A repeat finds nothing and removes nothing.
   */
  purgeWorkspace(workspaceId: string, deletedAt: string): Promise<Record<string, number>> {
    const pending = this.timers.get(workspaceId);
    if (pending) clearTimeout(pending.timer);
    this.timers.delete(workspaceId);
    const prev = this.chains.get(workspaceId) ?? Promise.resolve();
    const next = prev
      .catch(() => undefined)
      .then(async () => {
        const r = await this.o.warehouse.purgeWorkspace(workspaceId, deletedAt);
        const dir = workspaceGenerationsDir(this.o.dataDir, workspaceId);
        const onDisk = (await readdir(dir).catch(() => [])).length;
        await rm(dir, { recursive: true, force: true });
        this.o.log.info(
          { workspaceId, ...r, directories: onDisk },
          "deleted workspace purged from the warehouse",
        );
        return { rows: r.rows, bookkeeping: r.bookkeeping, generations: Math.max(r.generations, onDisk) };
      });
    this.chains.set(workspaceId, next);
    return next;
  }

  /** Publishes committed generations not yet announced (oldest first). */
  async publishPending(workspaceId?: string): Promise<void> {
    const rows = await this.o.warehouse.db.read().all(
      `SELECT workspace_id, generation_id, CAST(manifest AS VARCHAR) AS manifest FROM "_tl_generations"
         WHERE NOT published AND ($ws IS NULL OR workspace_id = $ws) ORDER BY workspace_id, generation_id`,
      { ws: workspaceId ?? null },
    );
    for (const r of rows) {
      const generation = JSON.parse(String(r.manifest)) as Generation;
      try {
        await this.o.publish(generation);
      } catch (err) {
        this.o.log.warn(
          { err, workspaceId: r.workspace_id, generationId: r.generation_id },
          "publish failed; will retry",
        );
        return;
      }
      await this.o.warehouse.db.exclusive((sql) =>
        sql.run(
          `UPDATE "_tl_generations" SET published = true WHERE workspace_id = $ws AND generation_id = $id`,
          {
            ws: String(r.workspace_id),
            id: Number(r.generation_id),
          },
        ),
      );
    }
  }

  /** Removes generations nobody can be reading any more. */
  async collect(workspaceId?: string): Promise<void> {
    const { warehouse, dataDir } = this.o;
    const workspaces = workspaceId ? [workspaceId] : await workspacesWithGenerations(warehouse.db, dataDir);
    for (const ws of workspaces) {
      try {
        const r = await collectGenerations(warehouse.db, ws, {
          dataDir,
          keep: this.o.keep,
          graceMs: this.o.graceMs,
          leases: this.o.leases,
        });
        if (r.dropped.length > 0)
          this.o.log.info({ workspaceId: ws, dropped: r.dropped }, "old generations removed");
      } catch (err) {
        // Without the leases we cannot know who reads what: keep everything until next time.
        this.o.log.warn({ err, workspaceId: ws }, "generation cleanup skipped");
      }
    }
  }

  /** At start: write what was requested before a crash, announce what was never announced. */
  async recover(): Promise<void> {
    const rows = await this.o.warehouse.db
      .read()
      .all(`SELECT DISTINCT workspace_id FROM "_tl_generation_requests" ORDER BY 1`);
    await this.publishPending();
    for (const r of rows) await this.generate(String(r.workspace_id));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.chains.values()]);
  }
}
