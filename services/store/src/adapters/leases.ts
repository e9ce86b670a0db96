import type { Bus, KV } from "@tenantlens/bus";
import { GENERATION_LEASES } from "@tenantlens/contracts";
import type { LeaseReader } from "./generation-gc.js";

/** Bucket where readers (the query service) hold generation leases, and how long an unrefreshed one lives. */
export const LEASES_BUCKET = GENERATION_LEASES.bucket;
export const LEASE_TTL_SECONDS = GENERATION_LEASES.ttlSeconds;

/**
 * Reads leases: key `<workspaceId>.<readerId>` → the oldest generation id that reader still reads.
 * Expired leases have left the bucket (its max age), so every key found is live.
 *
 * The keys come from the bucket's stream info (its subjects under the workspace), one request, not
 * from the KV key listing: that listing runs a consumer that only ends once it has caught up, and
 * while a busy query service rewrites its lease every few milliseconds (a rules run pins
 * generations, query after query) it may never catch up, which stalled generation writing.
 */
export function kvLeaseReader(kv: KV, jsm: Pick<Bus["jsm"], "streams">): LeaseReader {
  const bucket = LEASES_BUCKET;
  const prefix = `$KV.${bucket}.`;
  return {
    async oldestLeased(workspaceId) {
      const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${workspaceId}.*` });
      let oldest: number | null = null;
      for (const subject of Object.keys(info.state.subjects ?? {})) {
        const entry = await kv.get(subject.slice(prefix.length));
        if (entry?.operation !== "PUT") continue;
        const id = Number(entry.string());
        if (Number.isSafeInteger(id) && id > 0) oldest = oldest === null ? id : Math.min(oldest, id);
      }
      return oldest;
    },
  };
}
