import type { Bus } from "@tenantlens/bus";
import { DEFAULT_WORKSPACE } from "@tenantlens/contracts";
import { ApiKeyStore } from "./key-store.js";
import { WorkspaceStore } from "./workspace-store.js";

/**
 * At start: the default workspace exists and, when TENANTLENS_API_KEY is set, it is an admin key of
 * that workspace. Idempotent, so every gateway replica can run it.
 */
export async function bootstrapAccess(
  bus: Bus,
  apiKey: string | undefined,
): Promise<{ keyId: string | null }> {
  await new WorkspaceStore(bus).ensure(DEFAULT_WORKSPACE, "Default workspace");
  if (!apiKey) return { keyId: null };
  const keyId = await new ApiKeyStore(bus).seed(apiKey, DEFAULT_WORKSPACE, "TENANTLENS_API_KEY");
  return { keyId };
}
