import type { KV } from "@tenantlens/bus";
import { AppError, SavedQueriesBucket, SavedQuery } from "@tenantlens/contracts";
import {
  applyPatch,
  duplicateNameMessage,
  nameToken,
  newSavedQueryId,
  normalizeName,
  type SavedQueryPatch,
} from "../domain/saved-queries.js";

export const SAVED_QUERIES_BUCKET = SavedQueriesBucket.name;

/**
 * Saved queries in NATS KV: `q.<workspace>.<id>` holds the query, `n.<workspace>.<name hash>` the id
 * that owns a name. Creating the name key with `create` (fails when it exists) makes names unique even
 * when two replicas save the same name at once.
 */
export class SavedQueryStore {
  constructor(private readonly kv: KV) {}

  async create(input: {
    workspaceId: string;
    actor: string;
    name: string;
    description: string;
    sql: string;
  }): Promise<SavedQuery> {
    const now = new Date().toISOString();
    const q: SavedQuery = {
      id: newSavedQueryId(),
      workspaceId: input.workspaceId,
      name: input.name,
      description: input.description,
      sql: input.sql,
      createdBy: input.actor,
      createdAt: now,
      updatedAt: now,
    };
    await this.claimName(q.workspaceId, q.name, q.id);
    await this.kv.put(queryKey(q.workspaceId, q.id), JSON.stringify(q));
    return q;
  }

  async list(workspaceId: string): Promise<SavedQuery[]> {
    const keys = await this.kv.list(`q.${workspaceId}.*`);
    const found = await Promise.all(keys.map((k) => this.read(k)));
    return found
      .filter((q): q is SavedQuery => q !== null)
      .sort((a, b) => normalizeName(a.name).localeCompare(normalizeName(b.name)));
  }

  async get(workspaceId: string, id: string): Promise<SavedQuery> {
    const q = await this.read(queryKey(workspaceId, id));
    if (!q) throw new AppError("not_found", `No saved query ${id} in this workspace.`);
    return q;
  }

  async update(workspaceId: string, id: string, patch: SavedQueryPatch): Promise<SavedQuery> {
    const current = await this.get(workspaceId, id);
    const next = applyPatch(current, patch, new Date().toISOString());
    const renamed = nameToken(next.name) !== nameToken(current.name);
    if (renamed) await this.claimName(workspaceId, next.name, id);
    await this.kv.put(queryKey(workspaceId, id), JSON.stringify(next));
    if (renamed) await this.releaseName(workspaceId, current.name, id);
    return next;
  }

  async delete(workspaceId: string, id: string): Promise<void> {
    const current = await this.get(workspaceId, id);
    await this.kv.delete(queryKey(workspaceId, id));
    await this.releaseName(workspaceId, current.name, id);
  }

  /** Every saved query of a deleted workspace and its name claims, no revision left; returns how many queries. */
  async purgeWorkspace(workspaceId: string): Promise<number> {
    let queries = 0;
    for (const prefix of ["q", "n"]) {
      for (const k of await this.kv.list(`${prefix}.${workspaceId}.*`)) {
        if (prefix === "q" && (await this.read(k))) queries += 1;
        await this.kv.purge(k);
      }
    }
    return queries;
  }

  private async read(key: string): Promise<SavedQuery | null> {
    const e = await this.kv.get(key);
    if (e?.operation !== "PUT") return null;
    const parsed = SavedQuery.safeParse(e.json());
    return parsed.success ? parsed.data : null;
  }

  private async claimName(workspaceId: string, name: string, id: string): Promise<void> {
    const key = nameKey(workspaceId, name);
    try {
      await this.kv.create(key, id);
      return;
    } catch {
      // The name is taken, unless its owner is gone (a crash between the two writes): then take it over.
    }
    const owner = await this.kv.get(key);
    if (owner && owner.operation === "PUT") {
      const ownerId = owner.string();
      if (ownerId === id) return;
      if (await this.read(queryKey(workspaceId, ownerId))) {
        throw new AppError("conflict", duplicateNameMessage(name));
      }
      try {
        await this.kv.update(key, id, owner.revision);
        return;
      } catch {
        throw new AppError("conflict", duplicateNameMessage(name));
      }
    }
    try {
      await this.kv.create(key, id);
    } catch {
      throw new AppError("conflict", duplicateNameMessage(name));
    }
  }

  private async releaseName(workspaceId: string, name: string, id: string): Promise<void> {
    const key = nameKey(workspaceId, name);
    const owner = await this.kv.get(key);
    if (owner && owner.operation === "PUT" && owner.string() === id) {
      await this.kv.delete(key, { previousSeq: owner.revision }).catch(() => undefined);
    }
  }
}

function queryKey(workspaceId: string, id: string): string {
  return `q.${workspaceId}.${id}`;
}

function nameKey(workspaceId: string, name: string): string {
  return `n.${workspaceId}.${nameToken(name)}`;
}
