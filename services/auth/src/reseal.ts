import type { ResealReport } from "@tenantlens/contracts";
import { aadFor, type Keyring, resealed } from "@tenantlens/secrets";
import { type IntegrationStore, type Versioned, WriteConflict } from "./adapters/integration-store.js";
import type { TokenCacheStore } from "./adapters/token-cache-store.js";
import type { StoredIntegration } from "./domain/integration.js";

/** AAD kind of an integration's client secret: `<integrationId>|client_secret`. */
export const SECRET_KIND = "client_secret";
/** AAD kind of an integration's certificate private key (counted with the client secrets): `<integrationId>|client_certificate_key`. */
export const CERTIFICATE_KIND = "client_certificate_key";

/**
 * Re-seals one integration's client secret or certificate private key under the current key;
 * false when it already was.
 */
export async function resealClientSecret(
  store: IntegrationStore,
  ring: Keyring,
  cur: Versioned<StoredIntegration>,
): Promise<boolean> {
  const v = cur.value;
  const secret = v.clientSecret ? resealed(ring, v.clientSecret, aadFor(v.id, SECRET_KIND)) : null;
  const key = v.certificate ? resealed(ring, v.certificate.privateKey, aadFor(v.id, CERTIFICATE_KIND)) : null;
  if (!secret && !key) return false;
  await store.update(
    {
      ...v,
      ...(secret ? { clientSecret: secret } : {}),
      ...(key && v.certificate ? { certificate: { ...v.certificate, privateKey: key } } : {}),
    },
    cur.revision,
  );
  return true;
}

/**
 * Key rotation, all at once: every client secret (whatever the integration's status, disabled and
 * broken ones included) and every delegated token cache is re-sealed under the current key, so
 * the previous key can be dropped afterwards. A record changed meanwhile is read again.
 */
export async function resealAll(d: {
  store: IntegrationStore;
  caches: TokenCacheStore;
  /** The write-scoped (provisioning) sign-ins: counted with the delegated token caches. */
  provisionCaches?: TokenCacheStore;
  ring: Keyring;
}): Promise<ResealReport> {
  let total = 0;
  let done = 0;
  for (const { id } of await d.store.list()) {
    for (let attempt = 0; ; attempt++) {
      const cur = await d.store.get(id);
      if (!cur?.value.clientSecret && !cur?.value.certificate) break;
      if (attempt === 0) total += 1;
      try {
        if (await resealClientSecret(d.store, d.ring, cur)) done += 1;
        break;
      } catch (err) {
        if (!(err instanceof WriteConflict) || attempt >= 5) throw err;
      }
    }
  }
  const read = await d.caches.resealAll();
  const write = (await d.provisionCaches?.resealAll()) ?? { total: 0, resealed: 0 };
  const caches = { total: read.total + write.total, resealed: read.resealed + write.resealed };
  return {
    keyId: d.ring.current.id,
    kinds: [
      { kind: "integration client secrets", total, resealed: done },
      { kind: "delegated token caches", ...caches },
    ],
  };
}
