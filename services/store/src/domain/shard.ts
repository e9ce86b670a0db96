/**
 * Store sharding: `STORE_SHARD=<index>/<count>` makes this store one of `count` processes, each the
 * single writer of the workspaces that hash to its index (FNV-1a of the workspace id, mod count),
 * with a data directory of its own. Every shard reads the whole collection and system streams with
 * durable consumers of its own and applies only its workspaces' messages (their subjects carry the
 * integration, not the workspace, so no subject filter can split them); requests are answered by the
 * shard that owns their workspace. `0/1` (the default) owns everything under the unsharded names.
 */
export interface Shard {
  index: number;
  count: number;
}

export const UNSHARDED: Shard = { index: 0, count: 1 };

/** FNV-1a (32 bit) of the workspace id: stable across processes, runtimes and restarts. */
export function workspaceHash(workspaceId: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(workspaceId)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The shard index that owns `workspaceId` among `count`. */
export function shardOf(workspaceId: string, count: number): number {
  return workspaceHash(workspaceId) % count;
}

export function owns(shard: Shard, workspaceId: string): boolean {
  return shard.count === 1 || shardOf(workspaceId, shard.count) === shard.index;
}

/** Durable consumer or queue group name of this shard: `store-collect` → `store-collect-s0of2`. */
export function shardName(shard: Shard, name: string): string {
  return shard.count === 1 ? name : `${name}-s${shard.index}of${shard.count}`;
}

/** Parses `<index>/<count>`; throws with the reason. */
export function parseShard(raw: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  if (!m) throw new Error("expected <index>/<count>, e.g. 0/2");
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 64) throw new Error("expected a count from 1 to 64");
  if (index >= count) throw new Error(`expected an index from 0 to ${count - 1}`);
  return { index, count };
}

/**
 * The workspace a message belongs to: its `workspaceId`, or that of the object it carries
 * (`integration`, `rule`, `suppression`). Undefined when it names none.
 */
export function workspaceOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  if (typeof p.workspaceId === "string") return p.workspaceId;
  for (const v of Object.values(p)) {
    const ws = (v as { workspaceId?: unknown } | null)?.workspaceId;
    if (typeof v === "object" && typeof ws === "string") return ws;
  }
  return undefined;
}
