import type { KV } from "@tenantlens/bus";
import { Operation, ProvisioningOperationsBucket, ProvisioningSettings } from "@tenantlens/contracts";
import { z } from "zod";

export const OPERATIONS_BUCKET = ProvisioningOperationsBucket.name;

/** `beatAt`: when the provisioner running the operation last renewed it (running records only). */
const Stored = z.object({ operation: Operation, fingerprint: z.string(), beatAt: z.string().optional() });
type Stored = z.infer<typeof Stored>;

const encoder = new TextEncoder();

/**
 * Marks a running operation: `_running.<workspace>.<operation id>`, empty. Workspace ids never start
 * with `_`, so markers never show among a workspace's records.
 */
const MARKER = "_running";
/** A marker without a record is the moment between `claim`'s two writes until it is this old. */
const ORPHAN_MARKER_MS = 60_000;
const markerOf = (recordKey: string) => `${MARKER}.${recordKey}`;

/**
 * Operation records keyed `<workspace>.<operation id>`: the idempotency ledger (the id derives from
 * the request id, and `claim` creates the key only if it does not exist) and what the API lists.
 * Each running record also has a marker key, so looking for interrupted operations reads the
 * operations that run, not the whole history.
 */
export class OperationStore {
  /** Set once this process has given every running record a marker (records of an older version). */
  private marked = false;

  constructor(private readonly kv: KV) {}

  async get(workspaceId: string, id: string): Promise<Stored | null> {
    return this.read(`${workspaceId}.${id}`);
  }

  /** Creates the record; false when the id was taken meanwhile (the same request id twice). */
  async claim(op: Operation, fingerprint: string): Promise<boolean> {
    // The marker first: a provisioner that dies between the two writes leaves a marker without a
    // running record (cleared by the next sweep), never a running record nobody would find.
    await this.kv.put(markerOf(`${op.workspaceId}.${op.id}`), new Uint8Array());
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
    const key = `${op.workspaceId}.${op.id}`;
    await this.kv.put(key, encoder.encode(JSON.stringify({ operation: op, fingerprint, ...beatAt })));
    if (op.status !== "running") await this.kv.delete(markerOf(key));
  }

  /**
   * Running records of every workspace, with the revision a compare-and-set needs. Reads the records
   * that have a marker; markers whose record has finished (or is gone) are removed on the way. The
   * first call of a process also marks running records written before markers existed.
   */
  async running(): Promise<(Stored & { key: string; revision: number })[]> {
    if (!this.marked) {
      for (const key of await this.keysOf(">")) {
        if (key.startsWith(`${MARKER}.`)) continue;
        const stored = await this.read(key);
        if (stored?.operation.status === "running") await this.kv.put(markerOf(key), new Uint8Array());
      }
      this.marked = true;
    }
    const out: (Stored & { key: string; revision: number })[] = [];
    for (const marker of await this.keysOf(`${MARKER}.>`)) {
      const key = marker.slice(MARKER.length + 1);
      const stored = await this.read(key);
      if (stored?.operation.status === "running") out.push({ ...stored, key });
      else if (stored || (await this.orphaned(marker))) await this.kv.delete(marker);
    }
    return out;
  }

  private async orphaned(marker: string): Promise<boolean> {
    const e = await this.kv.get(marker);
    return e !== null && Date.now() - e.created.getTime() > ORPHAN_MARKER_MS;
  }

  private keysOf(filter: string): Promise<string[]> {
    return this.kv.list(filter);
  }

  private async read(key: string): Promise<(Stored & { revision: number }) | null> {
    const e = await this.kv.get(key);
    if (e?.operation !== "PUT") return null;
    const parsed = Stored.safeParse(e.json());
    return parsed.success ? { ...parsed.data, revision: e.revision } : null;
  }

  /** Replaces a record only if it is still at `revision`; false when someone wrote it meanwhile. */
  async replace(key: string, revision: number, op: Operation, fingerprint: string): Promise<boolean> {
    try {
      await this.kv.update(key, encoder.encode(JSON.stringify({ operation: op, fingerprint })), revision);
    } catch {
      return false;
    }
    if (op.status !== "running") await this.kv.delete(markerOf(key));
    return true;
  }

  async list(workspaceId: string): Promise<Operation[]> {
    const out: Operation[] = [];
    for (const key of await this.keysOf(`${workspaceId}.*`)) {
      const stored = await this.read(key);
      if (stored) out.push(stored.operation);
    }
    return out;
  }

  /** A deleted workspace's records (and their markers); returns how many records went. */
  async purge(workspaceId: string): Promise<number> {
    const keys = await this.keysOf(`${workspaceId}.*`);
    for (const k of [...keys, ...(await this.keysOf(`${MARKER}.${workspaceId}.*`))]) await this.kv.purge(k);
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
