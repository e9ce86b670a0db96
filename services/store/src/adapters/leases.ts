import type { KV } from "@tenantlens/bus";
import { GENERATION_LEASES } from "@tenantlens/contracts";
import type { LeaseReader } from "./generation-gc.js";

/** Bucket where readers (the query service) hold generation leases, and how long an unrefreshed one lives. */
export const LEASES_BUCKET = GENERATION_LEASES.bucket;
export const LEASE_TTL_SECONDS = GENERATION_LEASES.ttlSeconds;

/**
 * Reads leases: key `<workspaceId>.<readerId>` → the oldest generation id that reader still reads.
 * Expired leases have left the bucket (its max age), so every key found is live.
 */
export function kvLeaseReader(kv: KV): LeaseReader {
  return {
    async oldestLeased(workspaceId) {
      let oldest: number | null = null;
      const keys = await kv.keys(`${workspaceId}.*`);
      for await (const key of keys) {
        const entry = await kv.get(key);
        if (entry?.operation !== "PUT") continue;
        const id = Number(entry.string());
        if (Number.isSafeInteger(id) && id > 0) oldest = oldest === null ? id : Math.min(oldest, id);
      }
      return oldest;
    },
  };
}
