import type { KV } from "@tenantlens/bus";
import { DeltaLinksBucket } from "@tenantlens/contracts";

export const DELTA_BUCKET = DeltaLinksBucket.name;

export interface DeltaLinks {
  get(integrationId: string, resource: string): Promise<string | null>;
  set(integrationId: string, resource: string, link: string): Promise<void>;
  discard(integrationId: string, resource: string): Promise<void>;
  discardAll(integrationId: string): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Delta links per integration and resource in a KV bucket (`<integrationId>.<resource>`). */
export class KvDeltaLinks implements DeltaLinks {
  constructor(private readonly kv: KV) {}

  async get(integrationId: string, resource: string): Promise<string | null> {
    const e = await this.kv.get(key(integrationId, resource));
    if (e?.operation !== "PUT" || e.value.length === 0) return null;
    return decoder.decode(e.value);
  }

  async set(integrationId: string, resource: string, link: string): Promise<void> {
    await this.kv.put(key(integrationId, resource), encoder.encode(link));
  }

  async discard(integrationId: string, resource: string): Promise<void> {
    await this.kv.purge(key(integrationId, resource));
  }

  async discardAll(integrationId: string): Promise<void> {
    for (const k of await this.kv.list(`${integrationId}.>`)) await this.kv.purge(k);
  }
}

function key(integrationId: string, resource: string): string {
  return `${integrationId}.${resource}`;
}
