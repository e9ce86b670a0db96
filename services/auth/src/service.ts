import {
  AppError,
  type CertificateInput,
  type ConsentComplete,
  type IntegrationCreate,
  type IntegrationDelete,
  type IntegrationGet,
  type IntegrationList,
  type IntegrationUpdate,
  type RequestOf,
  type ResponseOf,
  type TokenGet,
} from "@tenantlens/contracts";
import { aadFor, CryptoError, type Keyring, open, type Sealed, seal } from "@tenantlens/secrets";
import type { Logger } from "@tenantlens/telemetry";
import type { AppCredentials, TokenSource } from "./adapters/entra-client.js";
import { type Versioned, WriteConflict } from "./adapters/integration-store.js";
import type { AdminConsentLinks } from "./admin-consent.js";
import type { DelegatedFlow, Verdict } from "./delegated-flow.js";
import { type ClientCertificate, parseCertificate } from "./domain/certificate.js";
import { classifyTokenFailure } from "./domain/entra-errors.js";
import {
  DISABLED_REASON,
  MISSING_SIGN_IN_REASON,
  newIntegrationId,
  PENDING_CONSENT_REASON,
  refusalReason,
  type StoredIntegration,
  toPublic,
  withChange,
} from "./domain/integration.js";
import { appRolesOf, noRolesReason } from "./domain/token-claims.js";
import type { IntegrationRecords } from "./records.js";
import { CERTIFICATE_KIND, resealClientSecret, SECRET_KIND } from "./reseal.js";

export interface AuthServiceDeps {
  records: IntegrationRecords;
  ring: Keyring;
  tokens: TokenSource;
  delegated: DelegatedFlow;
  adminConsent: AdminConsentLinks;
  graphEndpoint: string;
  log: Logger;
  /** Also purged with an integration (its provisioning grant and write-scoped sign-in). */
  onRemove?: (integrationId: string) => Promise<void>;
}

/** Entra can take a moment before a fresh admin consent shows in app-only tokens. */
const CONSENT_CHECKS = 4;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function unreachable(message: string, what: string): AppError {
  return new AppError(
    "unavailable",
    `Could not reach the identity platform to check the credentials (${message}); nothing was ${what}, try again.`,
  );
}

/**
 * The integration and token verbs of the auth service. Every credential stays here: callers get
 * integrations without secrets and short-lived access tokens. Status changes are compare-and-set,
 * so a failure is announced once even when many token requests fail together.
 */
export class AuthService {
  private readonly inflight = new Map<string, Promise<ResponseOf<typeof TokenGet>>>();
  private readonly records: IntegrationRecords;

  constructor(private readonly deps: AuthServiceDeps) {
    this.records = deps.records;
  }

  get graphEndpoint(): string {
    return this.deps.graphEndpoint;
  }

  async create(req: RequestOf<typeof IntegrationCreate>): Promise<ResponseOf<typeof IntegrationCreate>> {
    if (req.auth.mode === "delegated") return this.createDelegated(req);
    if (!req.tenantId) throw new AppError("bad_request", "tenantId is required for app-mode integrations");
    const clientId = req.auth.clientId.trim();
    if (!GUID.test(clientId))
      throw new AppError("bad_request", "clientId must be the application (client) id: a GUID");
    const tenantId = req.tenantId.toLowerCase();
    const id = newIntegrationId();
    const { clientSecret, certificate } = oneCredential(req.auth.clientSecret, req.auth.certificate);
    const verdict = await this.checkApp(
      {
        integrationId: id,
        tenantId,
        clientId,
        ...(clientSecret !== undefined ? { clientSecret } : {}),
        ...(certificate ? { certificate } : {}),
      },
      true,
    );
    if (verdict.kind === "transient") {
      this.deps.tokens.forget(id);
      throw unreachable(verdict.message, "created");
    }
    const at = this.records.now().toISOString();
    const rec: StoredIntegration = {
      id,
      workspaceId: req.workspaceId,
      name: req.name,
      tenantId,
      authMode: "app",
      clientId,
      ...statusOf(verdict),
      enabled: true,
      createdAt: at,
      updatedAt: at,
      ...this.sealCredential(id, clientSecret, certificate),
    };
    await this.records.store.create(rec);
    this.deps.log.info(
      { integrationId: id, workspaceId: rec.workspaceId, status: rec.status },
      "integration created",
    );
    await this.records.announce("created", rec);
    return { integration: toPublic(rec), ...(await this.deps.adminConsent.link(rec)) };
  }

  /**
   * The admin-consent answer of an app-mode integration (its state already taken and checked): a
   * grant is proven by a fresh client-credentials token that carries application roles, never by
   * the callback's word; a decline or failure is recorded with the reason. One event either way.
   */
  async completeAdminConsent(
    cur: Versioned<StoredIntegration>,
    req: RequestOf<typeof ConsentComplete>,
  ): Promise<ResponseOf<typeof ConsentComplete>> {
    const rec = cur.value;
    const log = this.deps.log.child({ integrationId: rec.id });
    type Outcome = "connected" | "declined" | "failed";
    let outcome: Outcome;
    let message: string;
    let status: Pick<StoredIntegration, "status" | "statusReason"> | null = null;
    const granted = req.adminConsent?.toLowerCase() === "true";
    const tenant = req.tenant?.toLowerCase();
    if (req.error !== undefined) {
      outcome = req.error === "access_denied" || req.error === "consent_required" ? "declined" : "failed";
      message = adminConsentRefused(req.error, req.errorDescription);
    } else if (!granted) {
      outcome = "failed";
      message =
        "Entra sent neither admin_consent=True nor an error; nothing was changed. Get a new admin-consent link and try again.";
    } else if (tenant && rec.tenantId && tenant !== rec.tenantId) {
      outcome = "failed";
      message = `The administrator consented in tenant ${tenant}, but this integration is for tenant ${rec.tenantId}. Consent again as an administrator of tenant ${rec.tenantId}.`;
    } else if (!rec.enabled) {
      outcome = "connected";
      message = "Admin consent granted. The integration is disabled: enable it to collect.";
    } else {
      const verdict = await this.checkAfterConsent(rec);
      if (verdict.kind === "transient") throw unreachable(verdict.message, "changed");
      status = statusOf(verdict);
      outcome = verdict.kind === "ok" ? "connected" : "failed";
      message =
        verdict.kind === "ok"
          ? `Admin consent granted: connected to tenant ${rec.tenantId}.`
          : `Admin consent came back, but the app still cannot read: ${status.statusReason ?? "no token"}`;
    }
    // A decline or failure explains itself on an integration that cannot collect anyway.
    if (!status && rec.enabled && rec.status !== "active" && outcome !== "connected")
      status = { status: rec.status, statusReason: message };
    const at = this.records.now().toISOString();
    const saved = await this.records.patch(cur, () => ({
      adminConsent: { outcome, message, at },
      ...(status ?? {}),
    }));
    log.info({ outcome, status: saved.status }, "admin consent answered");
    await this.records.announce("updated", saved);
    return { integration: toPublic(saved), outcome, message };
  }

  /** A fresh token (skipping msal's cache), re-asked a few times while it carries no roles yet. */
  private async checkAfterConsent(rec: StoredIntegration): Promise<Verdict> {
    const wait = 3000;
    let verdict: Verdict = { kind: "pending" };
    for (let i = 0; i < CONSENT_CHECKS; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, wait));
      this.forget(rec);
      verdict = await this.check(rec, true);
      const noRoles =
        verdict.kind === "broken" &&
        rec.clientId !== null &&
        rec.tenantId !== null &&
        verdict.reason === noRolesReason(rec.clientId, rec.tenantId);
      if (!noRoles) return verdict;
    }
    return verdict;
  }

  /** Delegated: nothing to check yet; the integration waits for an administrator's consent. */
  private async createDelegated(
    req: RequestOf<typeof IntegrationCreate>,
  ): Promise<ResponseOf<typeof IntegrationCreate>> {
    const at = this.records.now().toISOString();
    const rec: StoredIntegration = {
      id: newIntegrationId(),
      workspaceId: req.workspaceId,
      name: req.name,
      tenantId: req.tenantId?.toLowerCase() ?? null,
      authMode: "delegated",
      clientId: this.deps.delegated.clientId,
      status: "pending_consent",
      statusReason: PENDING_CONSENT_REASON,
      enabled: true,
      createdAt: at,
      updatedAt: at,
      clientSecret: null,
    };
    await this.records.store.create(rec);
    const consentUrl = await this.deps.delegated.consentUrl(rec);
    this.deps.log.info(
      { integrationId: rec.id, workspaceId: rec.workspaceId },
      "delegated integration created",
    );
    await this.records.announce("created", rec);
    return { integration: toPublic(rec), consentUrl };
  }

  async get(req: RequestOf<typeof IntegrationGet>): Promise<ResponseOf<typeof IntegrationGet>> {
    return toPublic((await this.records.scoped(req.workspaceId, req.id)).value);
  }

  async list(req: RequestOf<typeof IntegrationList>): Promise<ResponseOf<typeof IntegrationList>> {
    const all = await this.records.store.list();
    // No workspace = every workspace (internal callers only; the gateway always passes one).
    const workspaceId = req.workspaceId;
    const mine = all.filter((s) => workspaceId === undefined || s.workspaceId === workspaceId);
    mine.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return { integrations: mine.map(toPublic) };
  }

  async update(req: RequestOf<typeof IntegrationUpdate>): Promise<ResponseOf<typeof IntegrationUpdate>> {
    const cur = await this.records.scoped(req.workspaceId, req.id);
    let next: StoredIntegration = { ...cur.value };
    let changed = false;
    if (req.name !== undefined && req.name !== next.name) {
      next.name = req.name;
      changed = true;
    }
    const newCredentials =
      req.clientId !== undefined || req.clientSecret !== undefined || req.certificate !== undefined;
    if (newCredentials) {
      next = this.withCredentials(next, req.clientId, req.clientSecret, req.certificate);
      changed = true;
    }
    if (req.enabled === false && next.enabled) {
      next = { ...next, enabled: false, status: "disabled", statusReason: DISABLED_REASON };
      this.forget(next);
      changed = true;
    }
    // Enabling, new credentials, or any update of a broken integration tries the credentials once
    // more; a disabled integration keeps new credentials unchecked until it is enabled.
    const retry = next.enabled
      ? newCredentials || (next.status === "broken" && (req.enabled === true || changed))
      : req.enabled === true;
    if (retry) {
      this.forget(next);
      const verdict = await this.check(next, true);
      if (verdict.kind === "transient") throw unreachable(verdict.message, "changed");
      next = { ...next, enabled: true, ...statusOf(verdict) };
      changed = true;
    }
    if (!changed) return toPublic(cur.value);
    const saved = await this.records.save(cur, next);
    this.deps.log.info(
      { integrationId: saved.id, status: saved.status, enabled: saved.enabled, newCredentials },
      "integration updated",
    );
    await this.records.announce("updated", saved);
    return toPublic(saved);
  }

  async remove(req: RequestOf<typeof IntegrationDelete>): Promise<ResponseOf<typeof IntegrationDelete>> {
    const cur = await this.records.scoped(req.workspaceId, req.id);
    await this.records.store.remove(cur.value.id);
    this.deps.tokens.forget(cur.value.id);
    await this.deps.delegated.remove(cur.value.id);
    await this.deps.onRemove?.(cur.value.id);
    const purgeData = req.purgeData === true;
    this.deps.log.info({ integrationId: cur.value.id, purgeData }, "integration deleted");
    await this.records.announce("deleted", withChange(cur.value, {}, this.records.now()), { purgeData });
    return { deleted: true, purgeData };
  }

  /**
   * A deleted workspace: every integration of it goes as a DELETE would take it (record, sealed
   * secret, token cache, consent), each announced as deleted. A repeat finds nothing left.
   */
  async purgeWorkspace(workspaceId: string): Promise<{ integrations: number }> {
    const doomed = (await this.records.store.list()).filter((s) => s.workspaceId === workspaceId);
    let removed = 0;
    for (const s of doomed) {
      try {
        await this.remove({ workspaceId, id: s.id });
        removed += 1;
      } catch (err) {
        // Deleted meanwhile (a user's DELETE, another replica's purge): nothing left to do.
        if (!(err instanceof AppError && err.code === "not_found")) throw err;
      }
    }
    return { integrations: removed };
  }

  /**
   * A token from msal's cache, or with `forceRefresh` (Graph refused the cached one) straight from
   * the identity platform, which then issues a new one or refuses the credentials: the integration
   * turns broken at once instead of replaying a dead token until it expires.
   */
  async token(req: RequestOf<typeof TokenGet>): Promise<ResponseOf<typeof TokenGet>> {
    // A forced request must not join a cached answer in flight (it could be the refused token).
    const key = `${req.integrationId}|${req.forceRefresh === true}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.tokenOnce(req.integrationId, req.forceRefresh === true).finally(() =>
      this.inflight.delete(key),
    );
    this.inflight.set(key, p);
    return p;
  }

  private async tokenOnce(id: string, forceRefresh: boolean): Promise<ResponseOf<typeof TokenGet>> {
    const cur = await this.records.store.get(id);
    if (!cur) throw new AppError("not_found", `integration ${id} does not exist`);
    const refusal = refusalReason(cur.value);
    if (refusal) throw new AppError("integration_broken", refusal);
    if (forceRefresh)
      this.deps.log.info({ integrationId: id }, "token refresh forced: Graph refused the last one");
    const verdict = await this.check(cur.value, forceRefresh);
    if (verdict.kind === "transient") {
      this.deps.log.warn(
        { integrationId: id, reason: verdict.message },
        "token request failed; will retry later",
      );
      throw new AppError("unavailable", `The identity platform could not be reached: ${verdict.message}`);
    }
    if (verdict.kind !== "ok") {
      const reason = verdict.kind === "broken" ? verdict.reason : MISSING_SIGN_IN_REASON;
      this.forget(cur.value);
      await this.records.markBroken(cur, reason);
      throw new AppError("integration_broken", reason);
    }
    await this.resealIfRotated(cur);
    return {
      accessToken: verdict.accessToken,
      expiresAt: verdict.expiresAt.toISOString(),
      tenantId: verdict.tenantId,
      graphEndpoint: this.deps.graphEndpoint,
    };
  }

  /** Asks Entra for a token the integration's way: client credentials or the stored sign-in. */
  private check(s: StoredIntegration, skipCache: boolean): Promise<Verdict> {
    if (s.authMode === "delegated") return this.deps.delegated.check(s, skipCache);
    return this.checkApp(this.credentials(s), skipCache);
  }

  /** Client credentials, judged (including an app-only token without any permission). */
  private async checkApp(creds: AppCredentials, skipCache: boolean): Promise<Verdict> {
    const res = await this.deps.tokens.acquire(creds, { skipCache });
    if (!res.ok) {
      const d = classifyTokenFailure(res.failure, { tenantId: creds.tenantId, clientId: creds.clientId });
      if (d.kind === "broken") this.deps.tokens.forget(creds.integrationId);
      return d;
    }
    if (!res.fromCache) {
      const roles = appRolesOf(res.accessToken);
      if (roles !== undefined && roles.length === 0) {
        this.deps.tokens.forget(creds.integrationId);
        return { kind: "broken", reason: noRolesReason(creds.clientId, creds.tenantId) };
      }
    }
    return { kind: "ok", accessToken: res.accessToken, expiresAt: res.expiresAt, tenantId: creds.tenantId };
  }

  /**
   * New app credentials: the secret or certificate key is sealed at once (never kept in clear); a
   * new secret replaces a certificate and the other way round. The caller checks them.
   */
  private withCredentials(
    s: StoredIntegration,
    clientId?: string,
    clientSecret?: string,
    certificate?: CertificateInput,
  ): StoredIntegration {
    if (s.authMode !== "app") {
      throw new AppError(
        "bad_request",
        "Delegated integrations use Tenantlens's own app registration: they have no client id, secret or certificate to change.",
      );
    }
    const id = clientId?.trim() ?? s.clientId;
    if (!id || !GUID.test(id))
      throw new AppError("bad_request", "clientId must be the application (client) id: a GUID");
    if (clientSecret === undefined && certificate === undefined) {
      // Only the client id changes: the stored credential stays as it is.
      return { ...s, clientId: id };
    }
    const fresh = oneCredential(clientSecret, certificate);
    return { ...s, clientId: id, ...this.sealCredential(s.id, fresh.clientSecret, fresh.certificate) };
  }

  /** The stored form of a credential: the secret or the certificate's private key sealed. */
  private sealCredential(
    id: string,
    clientSecret: string | undefined,
    certificate: ClientCertificate | undefined,
  ): Pick<StoredIntegration, "clientSecret" | "certificate"> {
    const key = this.deps.ring.current;
    if (certificate) {
      return {
        clientSecret: null,
        certificate: {
          privateKey: seal(key, certificate.privateKey, aadFor(id, CERTIFICATE_KIND)),
          thumbprint: certificate.thumbprint,
          kind: certificate.kind,
          x5c: certificate.x5c,
        },
      };
    }
    return { clientSecret: seal(key, clientSecret ?? "", aadFor(id, SECRET_KIND)), certificate: null };
  }

  /** Drops the in-memory msal app (and its cache) of either mode. */
  private forget(s: StoredIntegration): void {
    this.deps.tokens.forget(s.id);
    this.deps.delegated.forget(s.id);
  }

  private credentials(s: StoredIntegration): AppCredentials {
    if ((!s.clientSecret && !s.certificate) || !s.tenantId || !s.clientId) {
      throw new AppError("integration_broken", "the integration has no credentials");
    }
    const what = s.certificate ? "certificate key" : "client secret";
    try {
      const base = { integrationId: s.id, tenantId: s.tenantId, clientId: s.clientId };
      if (s.certificate) {
        const c = s.certificate;
        return {
          ...base,
          certificate: {
            thumbprint: c.thumbprint,
            kind: c.kind,
            x5c: c.x5c,
            privateKey: open(this.deps.ring, c.privateKey, aadFor(s.id, CERTIFICATE_KIND)),
          },
        };
      }
      return {
        ...base,
        clientSecret: open(this.deps.ring, s.clientSecret as Sealed, aadFor(s.id, SECRET_KIND)),
      };
    } catch (err) {
      if (err instanceof CryptoError) {
        this.deps.log.error({ integrationId: s.id, err: err.message }, `cannot open the stored ${what}`);
        throw new AppError(
          "internal",
          `The stored ${what} cannot be decrypted (${err.message}); check TENANTLENS_SECRET_KEY.`,
        );
      }
      throw err;
    }
  }

  /** After a key rotation, values sealed with an old key are re-sealed with the current one. */
  private async resealIfRotated(cur: Versioned<StoredIntegration>): Promise<void> {
    try {
      await resealClientSecret(this.records.store, this.deps.ring, cur);
    } catch (err) {
      if (!(err instanceof WriteConflict)) throw err;
    }
  }
}

/** Exactly one credential: a client secret, or a certificate (checked and normalised). */
function oneCredential(
  clientSecret: string | undefined,
  certificate: CertificateInput | undefined,
): { clientSecret?: string; certificate?: ClientCertificate } {
  if ((clientSecret === undefined) === (certificate === undefined))
    throw new AppError("bad_request", "give exactly one of clientSecret and certificate");
  return certificate ? { certificate: parseCertificate(certificate) } : { clientSecret };
}

/** Why an admin consent did not go through: Entra's error and the first line of its description. */
function adminConsentRefused(error: string, description?: string): string {
  const detail = (description ?? "").split(/\r?\n/)[0]?.trim().slice(0, 300) ?? "";
  const what =
    error === "access_denied" || error === "consent_required"
      ? "Admin consent was declined"
      : "Admin consent did not complete";
  return `${what} (${error}${detail ? `: ${detail}` : ""}). The app has no new permissions. Get a new admin-consent link (POST /api/integrations/:id/consent) and try again.`;
}

/** The status a finished check gives an enabled integration. */
function statusOf(
  v: Exclude<Verdict, { kind: "transient" }>,
): Pick<StoredIntegration, "status" | "statusReason"> {
  if (v.kind === "ok") return { status: "active", statusReason: null };
  if (v.kind === "pending") return { status: "pending_consent", statusReason: PENDING_CONSENT_REASON };
  return { status: "broken", statusReason: v.reason };
}
