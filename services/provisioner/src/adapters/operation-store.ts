import type { KV } from "@tenantlens/bus";
import { Operation, ProvisioningOperationsBucket, ProvisioningSettings } from "@tenantlens/contracts";
import { z } from "zod";

export const OPERATIONS_BUCKET = ProvisioningOperationsBucket.name;

/** `beatAt`: when the provisioner running the operation last renewed it (running records only). */
const Stored = z.object({ operation: Operation, fingerprint: z.string(), beatAt: z.string().optional() });
type Stored = z.infer<typeof Stored>;

const encoder = new TextEncoder();

/**
 * Operation records keyed `<workspace>.<operation id>`: the idempotency ledger (the id derives from
 * the request id, and `claim` creates the key only if it does not exist) and what the API lists.
 */
export class OperationStore {
  constructor(private readonly kv: KV) {}

  async get(workspaceId: string, id: string): Promise<Stored | null> {
    const e = await this.kv.get(`${workspaceId}.${id}`);
    if (e?.operation !== "PUT") return null;
    const parsed = Stored.safeParse(e.json());
    return parsed.success ? parsed.data : null;
  }

  /** Creates the record; false when the id was taken meanwhile (the same request id twice). */
  async claim(op: Operation, fingerprint: string): Promise<boolean> {
    try {
      await this.kv.create(
        `${op.workspaceId}.${op.id}`,
        encoder.encode(JSON.stringify({ operation: op, fingerprint })),
      );
      return true;
    } catch {
      return (await this.get(op.workspaceId, op.id)) === null
        ? Promise.reject(new Error("could not record the operation"))
        : false;
    }
  }

  /** Writes the record; a running one with `beatAt` = now (its runner is alive). */
  async save(op: Operation, fingerprint: string): Promise<void> {
    const beatAt = op.status === "running" ? { beatAt: new Date().toISOString() } : {};
    await this.kv.put(
      `${op.workspaceId}.${op.id}`,
      encoder.encode(JSON.stringify({ operation: op, fingerprint, ...beatAt })),
    );
  }

  /** Running records of every workspace, with the revision a compare-and-set needs. */
  async running(): Promise<(Stored & { key: string; revision: number })[]> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys(">")) keys.push(k);
    const out: (Stored & { key: string; revision: number })[] = [];
    for (const key of keys) {
      const e = await this.kv.get(key);
      if (e?.operation !== "PUT") continue;
      const parsed = Stored.safeParse(e.json());
      if (parsed.success && parsed.data.operation.status === "running")
        out.push({ ...parsed.data, key, revision: e.revision });
    }
    return out;
  }

  /** Replaces a record only if it is still at `revision`; false when someone wrote it meanwhile. */
  async replace(key: string, revision: number, op: Operation, fingerprint: string): Promise<boolean> {
    try {
      await this.kv.update(key, encoder.encode(JSON.stringify({ operation: op, fingerprint })), revision);
      return true;
    } catch {
      return false;
    }
  }

  async list(workspaceId: string): Promise<Operation[]> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys(`${workspaceId}.*`)) keys.push(k);
    const out: Operation[] = [];
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (e?.operation !== "PUT") continue;
      const parsed = Stored.safeParse(e.json());
      if (parsed.success) out.push(parsed.data.operation);
    }
    return out;
  }

  /** A deleted workspace's records; returns how many went. */
  async purge(workspaceId: string): Promise<number> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys(`${workspaceId}.*`)) keys.push(k);
    for (const k of keys) await this.kv.purge(k);
    return keys.length;
  }
}

/** Per-workspace provisioning settings (protected accounts), keyed by workspace id. */
export class SettingsStore {
  constructor(private readonly kv: KV) {}

  async get(workspaceId: string): Promise<ProvisioningSettings> {
    const e = await this.kv.get(workspaceId);
    if (e?.operation !== "PUT") return { protectedUsers: [] };
    const parsed = ProvisioningSettings.safeParse(e.json());
    return parsed.success ? parsed.data : { protectedUsers: [] };
  }

  async put(workspaceId: string, s: ProvisioningSettings): Promise<void> {
    await this.kv.put(workspaceId, encoder.encode(JSON.stringify(s)));
  }

  async purge(workspaceId: string): Promise<number> {
    const had = (await this.kv.get(workspaceId))?.operation === "PUT";
    await this.kv.purge(workspaceId);
    return had ? 1 : 0;
  }
}
