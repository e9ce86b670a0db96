import { requiredApplicationPermissions } from "@tenantlens/graph";
import type { ConsentStore } from "./adapters/consent-store.js";
import { adminConsentUrl, newConsentState } from "./domain/consent.js";
import type { StoredIntegration } from "./domain/integration.js";

export interface AdminConsentDeps {
  consents: ConsentStore;
  authorityHost: string;
  graphEndpoint: string;
  /** `<PUBLIC_URL>/oauth/callback` */
  redirectUri: string;
  now: () => Date;
}

/**
 * Admin-consent links of app-mode integrations: the v2 `adminconsent` endpoint for the integration's
 * own app registration and tenant, with a one-time state (sealed in the consent bucket like a
 * delegated one, 10 minutes) that brings the answer back to this integration.
 */
export class AdminConsentLinks {
  readonly requiredPermissions = requiredApplicationPermissions();

  constructor(private readonly deps: AdminConsentDeps) {}

  async link(rec: StoredIntegration): Promise<{ adminConsentUrl: string; requiredPermissions: string[] }> {
    if (!rec.clientId || !rec.tenantId) throw new Error("an app-mode integration has a client id and tenant");
    const s = newConsentState(
      {
        kind: "admin",
        integrationId: rec.id,
        workspaceId: rec.workspaceId,
        redirectUri: this.deps.redirectUri,
        tenant: rec.tenantId,
      },
      this.deps.now(),
    );
    await this.deps.consents.put(s);
    return {
      adminConsentUrl: adminConsentUrl(this.deps.authorityHost, rec.clientId, this.deps.graphEndpoint, s),
      requiredPermissions: [...this.requiredPermissions],
    };
  }
}
