import {
  AppError,
  type ConsentComplete,
  type ConsentStart,
  type Integration,
  type RequestOf,
  type ResponseOf,
} from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { Versioned } from "./adapters/integration-store.js";
import type { ProvisioningGrantStore } from "./adapters/provisioning-grant-store.js";
import type { AdminConsentLinks } from "./admin-consent.js";
import type { DelegatedFlow } from "./delegated-flow.js";
import { type ConsentState, checkConsentState } from "./domain/consent.js";
import {
  DISABLED_REASON,
  declinedReason,
  PENDING_CONSENT_REASON,
  type StoredIntegration,
  toPublic,
} from "./domain/integration.js";
import type { IntegrationRecords } from "./records.js";

const NO_CODE =
  "Entra sent neither a code nor an error back (an admin-consent answer to a sign-in link?); nothing was stored. Get a new consent link and try again.";

/**
 * The consent verbs of delegated mode: a new consent link, and the OAuth callback. The one-time
 * state names the integration (never the callback's `tenant` parameter); the code is redeemed and
 * the tenant learned from the tokens. A declined or failed consent leaves the integration waiting.
 */
export class ConsentService {
  constructor(
    private readonly records: IntegrationRecords,
    private readonly delegated: DelegatedFlow,
    private readonly log: Logger,
    /** App mode: admin-consent links, and what an admin-consent answer does to the integration. */
    private readonly admin: {
      links: AdminConsentLinks;
      complete: (
        cur: Versioned<StoredIntegration>,
        req: RequestOf<typeof ConsentComplete>,
      ) => Promise<ResponseOf<typeof ConsentComplete>>;
    },
    private readonly grants?: ProvisioningGrantStore,
  ) {}

  /**
   * A fresh consent link (the first one came with create): delegated, a sign-in and consent link;
   * app mode, the admin-consent link of the integration's own app registration.
   */
  async start(req: RequestOf<typeof ConsentStart>): Promise<ResponseOf<typeof ConsentStart>> {
    const cur = await this.records.scoped(req.workspaceId, req.id);
    if (!cur.value.enabled)
      throw new AppError("bad_request", "The integration is disabled: enable it first.");
    if (cur.value.authMode === "app") {
      const link = await this.admin.links.link(cur.value);
      this.log.info({ integrationId: cur.value.id }, "admin-consent link issued");
      return { integration: toPublic(cur.value), consentUrl: link.adminConsentUrl, ...link };
    }
    const consentUrl = await this.delegated.consentUrl(cur.value);
    this.log.info({ integrationId: cur.value.id }, "consent link issued");
    return { integration: toPublic(cur.value), consentUrl };
  }

  async complete(req: RequestOf<typeof ConsentComplete>): Promise<ResponseOf<typeof ConsentComplete>> {
    const s = await this.delegated.takeState(req.state);
    const valid = checkConsentState(s, req.state, this.records.now());
    if (!valid.ok || !s) {
      throw new AppError(
        "bad_request",
        `${valid.ok ? "unknown consent state" : valid.reason}. Nothing was changed.`,
      );
    }
    const cur = await this.records.store.get(s.integrationId);
    const mode = s.kind === "admin" ? "app" : "delegated";
    if (!cur || cur.value.workspaceId !== s.workspaceId || cur.value.authMode !== mode) {
      throw new AppError(
        "not_found",
        "The integration this consent was for no longer exists; nothing was changed.",
      );
    }
    if (s.kind === "admin") return this.admin.complete(cur, req);
    const log = this.log.child({ integrationId: cur.value.id });
    if (s.purpose === "provision") return this.completeProvisioning(cur.value, s, req, log);
    if (req.error !== undefined || req.code === undefined) {
      const reason = req.error !== undefined ? declinedReason(req.error, req.errorDescription) : NO_CODE;
      log.info({ error: req.error }, "consent not granted");
      return {
        integration: await this.keepWaiting(cur, reason),
        outcome: req.error !== undefined ? "declined" : "failed",
        message: reason,
      };
    }
    const verdict = await this.delegated.redeem(cur.value, s, req.code);
    if (verdict.kind === "transient") {
      throw new AppError(
        "unavailable",
        `Could not reach the identity platform to redeem the consent (${verdict.message}); nothing was changed. Get a new consent link and try again.`,
      );
    }
    if (verdict.kind !== "ok") {
      const reason = verdict.kind === "broken" ? verdict.reason : PENDING_CONSENT_REASON;
      log.warn({ reason }, "consent could not be redeemed");
      return { integration: await this.keepWaiting(cur, reason), outcome: "failed", message: reason };
    }
    const saved = await this.records.patch(cur, (v) => ({
      tenantId: verdict.tenantId,
      status: v.enabled ? "active" : "disabled",
      statusReason: v.enabled ? null : DISABLED_REASON,
    }));
    log.info({ tenantId: verdict.tenantId, status: saved.status }, "consent completed");
    await this.records.announce("updated", saved);
    return {
      integration: toPublic(saved),
      outcome: "connected",
      message: `Connected to tenant ${verdict.tenantId}.`,
    };
  }

  /**
   * The provisioning consent (write scopes): the integration itself is unchanged; on success the
   * write-scoped sign-in is stored and provisioning is on. Declined: provisioning stays as it was.
   */
  private async completeProvisioning(
    rec: StoredIntegration,
    s: ConsentState,
    req: RequestOf<typeof ConsentComplete>,
    log: Logger,
  ): Promise<ResponseOf<typeof ConsentComplete>> {
    if (req.error !== undefined || req.code === undefined) {
      const reason = req.error !== undefined ? declinedReason(req.error, req.errorDescription) : NO_CODE;
      log.info({ error: req.error }, "provisioning consent not granted");
      return {
        integration: toPublic(rec),
        outcome: req.error !== undefined ? "declined" : "failed",
        message: `Provisioning was not enabled. ${reason}`,
        purpose: "provision",
      };
    }
    const verdict = await this.delegated.redeem(rec, s, req.code);
    if (verdict.kind !== "ok") {
      const reason =
        verdict.kind === "broken"
          ? verdict.reason
          : verdict.kind === "transient"
            ? verdict.message
            : PENDING_CONSENT_REASON;
      log.warn({ reason }, "provisioning consent could not be redeemed");
      return {
        integration: toPublic(rec),
        outcome: "failed",
        message: `Provisioning was not enabled: ${reason}`,
      };
    }
    await this.grants?.put(rec.id, { status: "on", updatedAt: this.records.now().toISOString() });
    log.info("provisioning consent completed");
    return {
      integration: toPublic(rec),
      outcome: "connected",
      message: "Provisioning enabled: Tenantlens may now create, change and offboard users of this tenant.",
      purpose: "provision",
    };
  }

  /** A consent that did not go through: a waiting integration keeps waiting, with the reason. */
  private async keepWaiting(cur: Versioned<StoredIntegration>, reason: string): Promise<Integration> {
    if (cur.value.status !== "pending_consent") return toPublic(cur.value);
    const saved = await this.records.patch(cur, (v) =>
      v.status === "pending_consent" ? { statusReason: reason } : {},
    );
    if (saved !== cur.value) await this.records.announce("updated", saved);
    return toPublic(saved);
  }
}
