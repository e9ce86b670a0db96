import {
  AppError,
  PROVISIONING_PERMISSIONS,
  type ProvisioningDisable,
  type ProvisioningEnable,
  type ProvisioningGet,
  type ProvisioningState,
  type RequestOf,
  type ResponseOf,
  type TokenGet,
} from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { ProvisioningGrantStore } from "./adapters/provisioning-grant-store.js";
import type { DelegatedFlow } from "./delegated-flow.js";
import type { StoredIntegration } from "./domain/integration.js";
import { appRolesOf, scopesOf } from "./domain/token-claims.js";
import type { IntegrationRecords } from "./records.js";
import type { AuthService } from "./service.js";

const NEEDED: readonly string[] = PROVISIONING_PERMISSIONS;

function missingOf(granted: readonly string[] | undefined): string[] {
  if (granted === undefined) return [];
  const have = new Set(granted.map((g) => g.toLowerCase()));
  // Directory.ReadWrite.All covers both, as in Graph.
  if (have.has("directory.readwrite.all")) return [];
  return NEEDED.filter((p) => !have.has(p.toLowerCase()));
}

/**
 * The provisioning upgrade: a separate, explicit grant of the write permissions per integration.
 * Delegated integrations consent to the write scopes through a second consent link (its sign-in kept
 * apart from the read one); app-mode integrations need the application permissions granted to the
 * app in Entra, checked in the token's `roles`. Tokens for writes are only handed out while the
 * grant is on and the token carries the permissions; anything else is `provisioning_not_enabled`.
 */
export class ProvisioningService {
  constructor(
    private readonly deps: {
      records: IntegrationRecords;
      grants: ProvisioningGrantStore;
      delegated: DelegatedFlow;
      auth: AuthService;
      log: Logger;
    },
  ) {}

  async get(req: RequestOf<typeof ProvisioningGet>): Promise<ResponseOf<typeof ProvisioningGet>> {
    const cur = await this.deps.records.scoped(req.workspaceId, req.id);
    return this.state(cur.value);
  }

  async enable(req: RequestOf<typeof ProvisioningEnable>): Promise<ResponseOf<typeof ProvisioningEnable>> {
    const rec = (await this.deps.records.scoped(req.workspaceId, req.id)).value;
    const now = this.deps.records.now().toISOString();
    if (rec.authMode === "delegated") {
      if (rec.status !== "active")
        throw new AppError(
          "integration_broken",
          `The integration is ${rec.status}: connect it (read consent) before enabling provisioning.`,
        );
      const consentUrl = await this.deps.delegated.consentUrl(rec, "provision");
      const current = await this.deps.grants.get(rec.id);
      if (current?.status !== "on")
        await this.deps.grants.put(rec.id, { status: "pending_consent", updatedAt: now });
      this.deps.log.info({ integrationId: rec.id }, "provisioning consent link issued");
      return {
        ...(await this.state(rec)),
        consentUrl,
        message: `An administrator of the tenant must open consentUrl and consent to ${NEEDED.join(" and ")} (delegated). Until then provisioning stays ${current?.status === "on" ? "on with the earlier consent" : "off"}.`,
      };
    }
    // App mode: the administrator grants the application permissions in Entra; we check the token.
    const missing = await this.appMissing(rec, true);
    if (missing.length > 0) throw new AppError("provisioning_not_enabled", appMissingMessage(rec, missing));
    await this.deps.grants.put(rec.id, { status: "on", updatedAt: now });
    this.deps.log.info({ integrationId: rec.id }, "provisioning enabled (application permissions)");
    return this.state(rec);
  }

  async disable(req: RequestOf<typeof ProvisioningDisable>): Promise<ResponseOf<typeof ProvisioningDisable>> {
    const rec = (await this.deps.records.scoped(req.workspaceId, req.id)).value;
    await this.deps.grants.remove(rec.id);
    await this.deps.delegated.removeProvision(rec.id);
    this.deps.log.info({ integrationId: rec.id }, "provisioning disabled");
    return {
      ...(await this.state(rec)),
      message:
        rec.authMode === "delegated"
          ? "Provisioning is off and the write-scoped sign-in was deleted. To withdraw the consent in Entra as well, remove the write permissions from the Tenantlens enterprise application (Permissions)."
          : "Provisioning is off: Tenantlens will not ask for write tokens. To withdraw the permissions in Entra as well, remove User.ReadWrite.All and GroupMember.ReadWrite.All from the app's API permissions.",
    };
  }

  /** A token for writes (auth.token.get with purpose `provision`). */
  async token(req: RequestOf<typeof TokenGet>): Promise<ResponseOf<typeof TokenGet>> {
    const cur = await this.deps.records.store.get(req.integrationId);
    if (!cur) throw new AppError("not_found", `integration ${req.integrationId} does not exist`);
    const rec = cur.value;
    const grant = await this.deps.grants.get(rec.id);
    if (grant?.status !== "on")
      throw new AppError(
        "provisioning_not_enabled",
        `Provisioning is not enabled for integration ${rec.id}: it needs ${NEEDED.join(" and ")} (${rec.authMode === "delegated" ? "delegated consent" : "application permissions"}); an admin enables it with POST /api/integrations/${rec.id}/provisioning/enable.`,
      );
    if (rec.authMode === "app") {
      let tok = await this.deps.auth.token({ integrationId: rec.id, forceRefresh: req.forceRefresh });
      let missing = missingOf(appRolesOf(tok.accessToken));
      // A cached token may predate a grant: ask the identity platform once before refusing.
      if (missing.length > 0 && !req.forceRefresh) {
        tok = await this.deps.auth.token({ integrationId: rec.id, forceRefresh: true });
        missing = missingOf(appRolesOf(tok.accessToken));
      }
      if (missing.length > 0) throw new AppError("provisioning_not_enabled", appMissingMessage(rec, missing));
      return tok;
    }
    if (!rec.enabled || rec.status !== "active")
      throw new AppError("integration_broken", rec.statusReason ?? `the integration is ${rec.status}`);
    const verdict = await this.deps.delegated.checkProvision(rec, req.forceRefresh === true);
    if (verdict.kind === "transient")
      throw new AppError("unavailable", `The identity platform could not be reached: ${verdict.message}`);
    if (verdict.kind !== "ok") {
      const why = verdict.kind === "broken" ? verdict.reason : "no write-scoped sign-in is stored";
      throw new AppError(
        "provisioning_not_enabled",
        `The provisioning consent of integration ${rec.id} cannot be used (${why}); enable provisioning again to get a new consent link.`,
      );
    }
    const missing = missingOf(scopesOf(verdict.accessToken));
    if (missing.length > 0)
      throw new AppError(
        "provisioning_not_enabled",
        `The delegated token of integration ${rec.id} lacks ${missing.join(" and ")}: the consent was withdrawn; enable provisioning again to consent.`,
      );
    return {
      accessToken: verdict.accessToken,
      expiresAt: verdict.expiresAt.toISOString(),
      tenantId: verdict.tenantId,
      graphEndpoint: this.deps.auth.graphEndpoint,
    };
  }

  /** Purge with the integration (delete, workspace deletion). */
  async forget(integrationId: string): Promise<void> {
    await this.deps.grants.remove(integrationId);
    await this.deps.delegated.removeProvision(integrationId);
  }

  private async appMissing(rec: StoredIntegration, fresh: boolean): Promise<string[]> {
    const tok = await this.deps.auth.token({ integrationId: rec.id, forceRefresh: fresh });
    return missingOf(appRolesOf(tok.accessToken));
  }

  private async state(rec: StoredIntegration): Promise<ProvisioningState> {
    const grant = await this.deps.grants.get(rec.id);
    const status = grant?.status ?? "off";
    return {
      integrationId: rec.id,
      status,
      permissions: [...NEEDED],
      kind: rec.authMode === "delegated" ? "delegated" : "application",
      updatedAt: grant?.updatedAt ?? null,
      message:
        status === "on"
          ? "Provisioning is enabled."
          : status === "pending_consent"
            ? "Waiting for an administrator to consent to the write scopes."
            : `Provisioning is off. Enabling it needs ${NEEDED.join(" and ")}.`,
    };
  }
}

function appMissingMessage(rec: StoredIntegration, missing: readonly string[]): string {
  return `App ${rec.clientId} lacks the application permission${missing.length > 1 ? "s" : ""} ${missing.join(" and ")} in tenant ${rec.tenantId}: an administrator must add ${missing.length > 1 ? "them" : "it"} (API permissions → Microsoft Graph → Application permissions) and grant admin consent, then enable provisioning.`;
}
