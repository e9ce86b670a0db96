import type { KV } from "@tenantlens/bus";
import { ProvisioningGrantsBucket } from "@tenantlens/contracts";
import { z } from "zod";

export const PROVISIONING_GRANTS_BUCKET = ProvisioningGrantsBucket.name;

/** Whether an integration's administrator upgraded it for provisioning (no secret in here). */
export const ProvisioningGrant = z.object({
  status: z.enum(["pending_consent", "on"]),
  updatedAt: z.string(),
});
export type ProvisioningGrant = z.infer<typeof ProvisioningGrant>;

const encoder = new TextEncoder();

/** Provisioning grants keyed by integration id; no entry means provisioning is off. */
export class ProvisioningGrantStore {
  constructor(private readonly kv: KV) {}

  async get(integrationId: string): Promise<ProvisioningGrant | null> {
    const e = await this.kv.get(integrationId);
    if (e?.operation !== "PUT") return null;
    const parsed = ProvisioningGrant.safeParse(e.json());
    return parsed.success ? parsed.data : null;
  }

  async put(integrationId: string, grant: ProvisioningGrant): Promise<void> {
    await this.kv.put(integrationId, encoder.encode(JSON.stringify(grant)));
  }

  async remove(integrationId: string): Promise<void> {
    await this.kv.purge(integrationId);
  }
}
