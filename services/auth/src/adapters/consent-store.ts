import type { KV } from "@tenantlens/bus";
import { ConsentStatesBucket } from "@tenantlens/contracts";
import { aadFor, type Keyring, open, Sealed, seal } from "@tenantlens/secrets";
import { z } from "zod";
import { CONSENT_TTL_SECONDS, ConsentState, stateKey } from "../domain/consent.js";

export const CONSENT_BUCKET = ConsentStatesBucket.name;
/** The bucket's max age: entries vanish on their own shortly after a state expires. */
export const CONSENT_BUCKET_TTL_SECONDS = CONSENT_TTL_SECONDS + 60;
const KIND = "consent_state";

const Entry = z.object({ integrationId: z.string().min(1), sealed: Sealed });

const encoder = new TextEncoder();

/**
 * Pending consents in a KV bucket with a TTL, keyed by the SHA-256 of the state; the state record
 * (PKCE verifier, nonce) is sealed with AAD `<integrationId>|consent_state`. `take` is one-time:
 * a purge conditioned on the revision read, so two callbacks with one state cannot both win.
 */
export class ConsentStore {
  constructor(
    private readonly kv: KV,
    private readonly ring: Keyring,
  ) {}

  async put(s: ConsentState): Promise<void> {
    const entry = {
      integrationId: s.integrationId,
      sealed: seal(this.ring.current, JSON.stringify(s), aadFor(s.integrationId, KIND)),
    };
    await this.kv.create(stateKey(s.state), encoder.encode(JSON.stringify(entry)));
  }

  /** The state's record, removed so it cannot be used again; null when unknown, used or expired. */
  async take(state: string): Promise<ConsentState | null> {
    const key = stateKey(state);
    const e = await this.kv.get(key);
    if (e?.operation !== "PUT") return null;
    try {
      await this.kv.purge(key, { previousSeq: e.revision });
    } catch {
      // Another callback took it first.
      return null;
    }
    const entry = Entry.safeParse(e.json());
    if (!entry.success) return null;
    const parsed = ConsentState.safeParse(
      JSON.parse(open(this.ring, entry.data.sealed, aadFor(entry.data.integrationId, KIND))),
    );
    return parsed.success && parsed.data.integrationId === entry.data.integrationId ? parsed.data : null;
  }
}
