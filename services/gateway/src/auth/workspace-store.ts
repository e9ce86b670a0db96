import type { Bus } from "@tenantlens/bus";
import {
  AppError,
  PURGING_SERVICES,
  Timestamp,
  WorkspaceId,
  type WorkspacePurgedPayload,
  WorkspacesBucket,
} from "@tenantlens/contracts";
import { z } from "zod";

export const WORKSPACES_BUCKET = WorkspacesBucket.name;

/** One service's purge of a deleted workspace. */
export const PurgeRecord = z.object({
  purgedAt: Timestamp,
  removed: z.record(z.string(), z.number().int().nonnegative()),
});

export const Workspace = z.object({
  id: WorkspaceId,
  name: z.string(),
  createdAt: z.string(),
  /** Set once when an operator deletes it: its keys stop working at once; the id is never reused. */
  deletedAt: z.string().optional(),
  deletedBy: z.string().optional(),
  /** Services that purged it (from their `<service>.workspace.purged` events). */
  purged: z.partialRecord(z.enum(PURGING_SERVICES), PurgeRecord).optional(),
});
export type Workspace = z.infer<typeof Workspace>;

type Kv = Awaited<ReturnType<Bus["kv"]>>;

/** Workspaces in NATS KV (id → {id, name, createdAt, deletedAt?, purged?}). */
export class WorkspaceStore {
  constructor(private readonly bus: Bus) {}

  // The bus opens each bucket once per connection (creating it when missing).
  private kv(): Promise<Kv> {
    return this.bus.kv(WORKSPACES_BUCKET);
  }

  /** The workspace, deleted ones included. */
  async get(id: string): Promise<Workspace | null> {
    return (await this.read(id))?.value ?? null;
  }

  /** Whether the workspace was deleted (its keys and sessions no longer count). */
  async isDeleted(id: string): Promise<boolean> {
    return (await this.get(id))?.deletedAt !== undefined;
  }

  async list(): Promise<Workspace[]> {
    const kv = await this.kv();
    const ids = await kv.list();
    const out: Workspace[] = [];
    for (const id of ids.sort()) {
      const ws = await this.get(id);
      if (ws) out.push(ws);
    }
    return out;
  }

  /** Creates a workspace; conflict when the id is taken (or was, by a deleted workspace). */
  async create(id: string, name: string): Promise<Workspace> {
    const ws: Workspace = { id, name, createdAt: new Date().toISOString() };
    try {
      await (await this.kv()).create(id, JSON.stringify(ws));
    } catch (err) {
      const existing = await this.get(id);
      if (existing?.deletedAt)
        throw new AppError("conflict", `workspace ${id} was deleted; workspace ids are not reused`);
      if (existing) throw new AppError("conflict", `workspace ${id} already exists`);
      throw err;
    }
    return ws;
  }

  /** Makes sure a workspace exists (the default one at start); idempotent. */
  async ensure(id: string, name: string): Promise<Workspace> {
    return (
      (await this.get(id)) ??
      this.create(id, name).catch(async (err) => (await this.get(id)) ?? Promise.reject(err))
    );
  }

  /** Marks it deleted (once: a second call returns the first deletion); not_found when unknown. */
  markDeleted(id: string, by: string): Promise<Workspace> {
    return this.change(id, (ws) =>
      ws.deletedAt ? ws : { ...ws, deletedAt: new Date().toISOString(), deletedBy: by },
    );
  }

  /** Records one service's purge of a deleted workspace. */
  async recordPurge(p: WorkspacePurgedPayload): Promise<void> {
    await this.change(p.workspaceId, (ws) => ({
      ...ws,
      purged: { ...ws.purged, [p.service]: { purgedAt: p.purgedAt, removed: p.removed } },
    })).catch((err: unknown) => {
      // A purge of a workspace this gateway never knew (another installation's stream): nothing to record.
      if (!(err instanceof AppError && err.code === "not_found")) throw err;
    });
  }

  private async read(id: string): Promise<{ value: Workspace; revision: number } | null> {
    if (!WorkspaceId.safeParse(id).success) return null;
    const entry = await (await this.kv()).get(id);
    if (entry?.operation !== "PUT") return null;
    const parsed = Workspace.safeParse(entry.json());
    return parsed.success ? { value: parsed.data, revision: entry.revision } : null;
  }

  /** Compare-and-set on the entry's revision, re-read and retried when another writer won. */
  private async change(id: string, fn: (ws: Workspace) => Workspace): Promise<Workspace> {
    const kv = await this.kv();
    for (let attempt = 0; attempt < 20; attempt++) {
      const cur = await this.read(id);
      if (!cur) throw new AppError("not_found", `no workspace ${id}`);
      const next = fn(cur.value);
      if (next === cur.value) return next;
      try {
        await kv.update(id, JSON.stringify(next), cur.revision);
        return next;
      } catch (err) {
        if (!/wrong last sequence|key exists/i.test(String(err))) throw err;
      }
    }
    throw new AppError("conflict", `workspace ${id} kept changing; try again`);
  }
}
