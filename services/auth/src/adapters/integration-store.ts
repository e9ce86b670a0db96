import type { KV } from "@tenantlens/bus";
import { IntegrationsBucket } from "@tenantlens/contracts";
import { StoredIntegration } from "../domain/integration.js";

export const INTEGRATIONS_BUCKET = IntegrationsBucket.name;

export interface Versioned<T> {
  value: T;
  revision: number;
}

/** Thrown when a compare-and-set write lost against another writer; re-read and decide again. */
export class WriteConflict extends Error {
  override name = "WriteConflict";
}

const encoder = new TextEncoder();

/**
 * Integrations in a KV bucket keyed by integration id. Writes are compare-and-set on the revision,
 * so two replicas (or two concurrent requests) cannot both flip a status and both announce it.
 */
export class IntegrationStore {
  constructor(private readonly kv: KV) {}

  async get(id: string): Promise<Versioned<StoredIntegration> | null> {
    const e = await this.kv.get(id);
    if (e?.operation !== "PUT") return null;
    return { value: StoredIntegration.parse(e.json()), revision: e.revision };
  }

  async create(s: StoredIntegration): Promise<number> {
    return this.kv.create(s.id, encoder.encode(JSON.stringify(s)));
  }

  async update(s: StoredIntegration, revision: number): Promise<number> {
    try {
      return await this.kv.update(s.id, encoder.encode(JSON.stringify(s)), revision);
    } catch (err) {
      if (/wrong last sequence|key exists/i.test(String(err)))
        throw new WriteConflict(`integration ${s.id} changed meanwhile`);
      throw err;
    }
  }

  /** Purge, not delete: no revision of the sealed secret stays behind. */
  async remove(id: string): Promise<void> {
    await this.kv.purge(id);
  }

  async list(): Promise<StoredIntegration[]> {
    const out: StoredIntegration[] = [];
    for (const k of await this.kv.list()) {
      const v = await this.get(k);
      if (v) out.push(v.value);
    }
    return out;
  }
}
