import type { KV } from "@tenantlens/bus";
import { ProvisionTokenCachesBucket, TokenCachesBucket } from "@tenantlens/contracts";
import { aadFor, type Keyring, needsReseal, open, Sealed, seal } from "@tenantlens/secrets";

export const TOKEN_CACHE_BUCKET = TokenCachesBucket.name;
/** The write-scoped (provisioning) sign-ins, sealed the same way in a bucket of their own. */
export const PROVISION_TOKEN_CACHE_BUCKET = ProvisionTokenCachesBucket.name;
const KIND = "token_cache";

const encoder = new TextEncoder();

/**
 * msal token caches of delegated integrations (they hold refresh tokens), sealed with AES-256-GCM
 * and AAD `<integrationId>|token_cache`, keyed by integration id. Apart from the integration record
 * so that a refresh (every hour or so) never races a user's update of the integration.
 */
export class TokenCacheStore {
  constructor(
    private readonly kv: KV,
    private readonly ring: Keyring,
  ) {}

  async get(integrationId: string): Promise<string | null> {
    const e = await this.kv.get(integrationId);
    if (e?.operation !== "PUT") return null;
    const sealed = Sealed.parse(e.json());
    const plain = open(this.ring, sealed, aadFor(integrationId, KIND));
    // After a key rotation the cache is re-sealed with the current key on its next read.
    if (needsReseal(this.ring, sealed)) await this.put(integrationId, plain);
    return plain;
  }

  async put(integrationId: string, cache: string): Promise<void> {
    const sealed = seal(this.ring.current, cache, aadFor(integrationId, KIND));
    await this.kv.put(integrationId, encoder.encode(JSON.stringify(sealed)));
  }

  /** Every cache read once, so each one sealed with an older key is re-sealed (key rotation). */
  async resealAll(): Promise<{ total: number; resealed: number }> {
    const ids = await this.kv.list();
    let resealed = 0;
    for (const id of ids) {
      const e = await this.kv.get(id);
      if (e?.operation !== "PUT") continue;
      if (needsReseal(this.ring, Sealed.parse(e.json()))) {
        await this.get(id);
        resealed += 1;
      }
    }
    return { total: ids.length, resealed };
  }

  /** Purge: no revision of the refresh token stays behind. */
  async remove(integrationId: string): Promise<void> {
    await this.kv.purge(integrationId);
  }
}
