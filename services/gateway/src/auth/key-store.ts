import type { Bus } from "@tenantlens/bus";
import { ApiKeysBucket, AppError, WorkspaceId } from "@tenantlens/contracts";
import { z } from "zod";
import type { Principal } from "../env.js";
import { BOOTSTRAP_KEY_ID, generateApiKey, hashApiKey, keyIdOf, sameHash } from "./api-key.js";

export const KEYS_BUCKET = ApiKeysBucket.name;

/**
 * What a key may do in its workspace: `viewer` reads, `analyst` also queries and keeps saved
 * queries, rules and alerts, `admin` also manages integrations, channels and keys.
 */
export const Role = z.enum(["admin", "analyst", "viewer"]);
export type Role = z.infer<typeof Role>;

/** A role as given: `member`, the analyst's former name, is still understood. */
export const RoleInput = z
  .enum(["admin", "analyst", "viewer", "member"])
  .transform((r): Role => (r === "member" ? "analyst" : r));

const StoredKey = z.object({
  hash: z.string().regex(/^[a-f0-9]{64}$/),
  workspaceId: WorkspaceId,
  role: RoleInput,
  name: z.string(),
  createdAt: z.string(),
});
type StoredKey = z.infer<typeof StoredKey>;

/** What the API shows about a key: never the hash. */
export interface KeyInfo {
  id: string;
  workspaceId: string;
  role: Role;
  name: string;
  createdAt: string;
}

type Kv = Awaited<ReturnType<Bus["kv"]>>;

/** API keys in NATS KV, hashed with SHA-256; the plaintext exists only in the creation response. */
export class ApiKeyStore {
  /** `workspaceDeleted`: keys of a deleted workspace stop working at once, before they are purged. */
  constructor(
    private readonly bus: Bus,
    private readonly workspaceDeleted: (workspaceId: string) => Promise<boolean> = async () => false,
  ) {}

  // The bus opens each bucket once per connection (creating it when missing).
  private kv(): Promise<Kv> {
    return this.bus.kv(KEYS_BUCKET);
  }

  /** Resolves a presented key to its principal, or null when it is unknown or revoked. */
  async verify(key: string): Promise<Principal | null> {
    const keyId = keyIdOf(key);
    const stored = await this.read(keyId);
    const presented = hashApiKey(key);
    // Compare against a dummy when the id is unknown so both paths do the same work.
    const ok = sameHash(presented, stored?.hash ?? "0".repeat(64));
    if (!stored || !ok) return null;
    if (await this.workspaceDeleted(stored.workspaceId)) return null;
    return { workspaceId: stored.workspaceId, keyId, role: stored.role };
  }

  /** The principal of a stored key by its id (sessions remember the id, never the key). */
  async principalOf(keyId: string): Promise<Principal | null> {
    const stored = await this.read(keyId);
    if (!stored || (await this.workspaceDeleted(stored.workspaceId))) return null;
    return { workspaceId: stored.workspaceId, keyId, role: stored.role };
  }

  /** Stores `key` as an admin key of `workspaceId` unless it is already there (idempotent). */
  async seed(key: string, workspaceId: string, name: string): Promise<string> {
    const keyId = keyIdOf(key);
    const hash = hashApiKey(key);
    const stored = await this.read(keyId);
    if (stored && sameHash(stored.hash, hash) && stored.workspaceId === workspaceId) return keyId;
    // A different bootstrap key replaces the previous one: changing TENANTLENS_API_KEY revokes the old.
    await this.write(keyId, { hash, workspaceId, role: "admin", name, createdAt: new Date().toISOString() });
    return keyId;
  }

  async create(workspaceId: string, role: Role, name: string): Promise<KeyInfo & { key: string }> {
    const { keyId, key } = generateApiKey();
    const record: StoredKey = {
      hash: hashApiKey(key),
      workspaceId,
      role,
      name,
      createdAt: new Date().toISOString(),
    };
    const kv = await this.kv();
    await kv.create(keyId, JSON.stringify(record));
    return { id: keyId, key, ...info(record) };
  }

  async list(workspaceId: string): Promise<KeyInfo[]> {
    return (await this.listAll()).filter((k) => k.workspaceId === workspaceId);
  }

  /** Every workspace's keys (the operator's overview). */
  async listAll(): Promise<KeyInfo[]> {
    const kv = await this.kv();
    const ids = await kv.list();
    const out: KeyInfo[] = [];
    for (const id of ids.sort()) {
      const stored = await this.read(id);
      if (stored) out.push({ id, ...info(stored) });
    }
    return out;
  }

  /** Removes every key of a deleted workspace, leaving no revision behind; returns how many. */
  async purgeWorkspace(workspaceId: string): Promise<number> {
    const kv = await this.kv();
    const doomed = await this.list(workspaceId);
    for (const k of doomed) await kv.purge(k.id);
    return doomed.length;
  }

  /** Revokes a key of the caller's workspace; another workspace's key is "not found". */
  async revoke(workspaceId: string, keyId: string): Promise<void> {
    const stored = await this.read(keyId);
    if (!stored || stored.workspaceId !== workspaceId) throw new AppError("not_found", `no API key ${keyId}`);
    const kv = await this.kv();
    await kv.delete(keyId);
  }

  private async read(keyId: string): Promise<StoredKey | null> {
    if (!/^[a-z0-9]{1,64}$/.test(keyId) && keyId !== BOOTSTRAP_KEY_ID) return null;
    const kv = await this.kv();
    const entry = await kv.get(keyId);
    if (entry?.operation !== "PUT") return null;
    const parsed = StoredKey.safeParse(entry.json());
    return parsed.success ? parsed.data : null;
  }

  private async write(keyId: string, record: StoredKey): Promise<void> {
    const kv = await this.kv();
    await kv.put(keyId, JSON.stringify(record));
  }
}

function info(s: StoredKey): Omit<KeyInfo, "id"> {
  return { workspaceId: s.workspaceId, role: s.role, name: s.name, createdAt: s.createdAt };
}
