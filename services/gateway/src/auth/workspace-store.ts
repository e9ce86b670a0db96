import type { Bus } from "@tenantlens/bus";
import { AppError, WorkspaceId, WorkspacesBucket } from "@tenantlens/contracts";
import { z } from "zod";

export const WORKSPACES_BUCKET = WorkspacesBucket.name;

export const Workspace = z.object({ id: WorkspaceId, name: z.string(), createdAt: z.string() });
export type Workspace = z.infer<typeof Workspace>;

type Kv = Awaited<ReturnType<Bus["kv"]>>;

/** Workspaces in NATS KV (id → {id, name, createdAt}). */
export class WorkspaceStore {
  constructor(private readonly bus: Bus) {}

  // The bus opens each bucket once per connection (creating it when missing).
  private kv(): Promise<Kv> {
    return this.bus.kv(WORKSPACES_BUCKET);
  }

  async get(id: string): Promise<Workspace | null> {
    const entry = await (await this.kv()).get(id);
    if (entry?.operation !== "PUT") return null;
    const parsed = Workspace.safeParse(entry.json());
    return parsed.success ? parsed.data : null;
  }

  /** Creates a workspace; conflict when the id is taken. */
  async create(id: string, name: string): Promise<Workspace> {
    const ws: Workspace = { id, name, createdAt: new Date().toISOString() };
    try {
      await (await this.kv()).create(id, JSON.stringify(ws));
    } catch (err) {
      if (await this.get(id)) throw new AppError("conflict", `workspace ${id} already exists`);
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
}
