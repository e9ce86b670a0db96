import {
  AppError,
  type ConsentComplete,
  type Integration,
  type IntegrationCreate,
  type IntegrationDelete,
  type IntegrationGet,
  type IntegrationList,
  type IntegrationUpdate,
  type RequestOf,
  type ResponseOf,
  type TokenGet,
} from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { AppCredentials, TokenSource } from "./adapters/entra-client.js";
import { type IntegrationStore, type Versioned, WriteConflict } from "./adapters/integration-store.js";
import { aadFor, CryptoError, type Keyring, needsReseal, open, seal } from "./domain/crypto.js";
import { classifyTokenFailure } from "./domain/entra-errors.js";
import {
  DISABLED_REASON,
  newIntegrationId,
  refusalReason,
  type StoredIntegration,
  toPublic,
  withChange,
} from "./domain/integration.js";
import { appRolesOf, noRolesReason } from "./domain/token-claims.js";

export type ChangeKind = "created" | "updated" | "deleted";

export interface AuthServiceDeps {
  store: IntegrationStore;
  ring: Keyring;
  tokens: TokenSource;
  publishChanged: (change: ChangeKind, integration: Integration) => Promise<void>;
  graphEndpoint: string;
  log: Logger;
  now?: () => Date;
}

type Verdict =
  | { kind: "ok"; accessToken: string; expiresAt: Date }
  | { kind: "broken"; reason: string }
  | { kind: "transient"; message: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_KIND = "client_secret";

/**
 * The verbs of the auth service. Every credential stays here: callers get integrations without
 * secrets and short-lived access tokens. Status changes are compare-and-set, so a failure is
 * announced once even when many token requests fail together.
 */
export class AuthService {
  private readonly inflight = new Map<string, Promise<ResponseOf<typeof TokenGet>>>();
  private readonly now: () => Date;

  constructor(private readonly deps: AuthServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async create(req: RequestOf<typeof IntegrationCreate>): Promise<ResponseOf<typeof IntegrationCreate>> {
    if (req.auth.mode === "delegated") {
      throw new AppError(
        "bad_request",
        "Delegated (sign-in and consent) integrations are not implemented yet: create an app-mode integration with a client id and secret.",
      );
    }
    if (!req.tenantId) throw new AppError("bad_request", "tenantId is required for app-mode integrations");
    const clientId = req.auth.clientId.trim();
    if (!GUID.test(clientId))
      throw new AppError("bad_request", "clientId must be the application (client) id: a GUID");
    const tenantId = req.tenantId.toLowerCase();
    const id = newIntegrationId();
    const creds: AppCredentials = {
      integrationId: id,
      tenantId,
      clientId,
      clientSecret: req.auth.clientSecret,
    };
    const verdict = await this.check(creds, true);
    if (verdict.kind === "transient") {
      this.deps.tokens.forget(id);
      throw new AppError(
        "unavailable",
        `Could not reach the identity platform to check the credentials (${verdict.message}); nothing was created, try again.`,
      );
    }
    const at = this.now().toISOString();
    const rec: StoredIntegration = {
      id,
      workspaceId: req.workspaceId,
      name: req.name,
      tenantId,
      authMode: "app",
      clientId,
      status: verdict.kind === "ok" ? "active" : "broken",
      statusReason: verdict.kind === "broken" ? verdict.reason : null,
      enabled: true,
      createdAt: at,
      updatedAt: at,
      clientSecret: seal(this.deps.ring.current, req.auth.clientSecret, aadFor(id, SECRET_KIND)),
    };
    await this.deps.store.create(rec);
    this.deps.log.info(
      { integrationId: id, workspaceId: rec.workspaceId, status: rec.status },
      "integration created",
    );
    await this.announce("created", rec);
    return { integration: toPublic(rec) };
  }

  async get(req: RequestOf<typeof IntegrationGet>): Promise<ResponseOf<typeof IntegrationGet>> {
    return toPublic((await this.scoped(req.workspaceId, req.id)).value);
  }

  async list(req: RequestOf<typeof IntegrationList>): Promise<ResponseOf<typeof IntegrationList>> {
    const all = await this.deps.store.list();
    // No workspace = every workspace (internal callers only; the gateway always passes one).
    const workspaceId = req.workspaceId;
    const mine = all.filter((s) => workspaceId === undefined || s.workspaceId === workspaceId);
    mine.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return { integrations: mine.map(toPublic) };
  }

  async update(req: RequestOf<typeof IntegrationUpdate>): Promise<ResponseOf<typeof IntegrationUpdate>> {
    const cur = await this.scoped(req.workspaceId, req.id);
    let next: StoredIntegration = { ...cur.value };
    let changed = false;
    if (req.name !== undefined && req.name !== next.name) {
      next.name = req.name;
      changed = true;
    }
    if (req.enabled === false && next.enabled) {
      next = { ...next, enabled: false, status: "disabled", statusReason: DISABLED_REASON };
      this.deps.tokens.forget(next.id);
      changed = true;
    }
    // Enabling, or any update of a broken integration, tries the credentials once more.
    const retry = next.enabled
      ? next.status === "broken" && (req.enabled === true || changed)
      : req.enabled === true;
    if (retry) {
      this.deps.tokens.forget(next.id);
      const verdict = await this.check(this.credentials(next), true);
      if (verdict.kind === "transient") {
        throw new AppError(
          "unavailable",
          `Could not reach the identity platform to check the credentials (${verdict.message}); nothing was changed, try again.`,
        );
      }
      next = {
        ...next,
        enabled: true,
        status: verdict.kind === "ok" ? "active" : "broken",
        statusReason: verdict.kind === "broken" ? verdict.reason : null,
      };
      changed = true;
    }
    if (!changed) return toPublic(cur.value);
    const saved = withChange(cur.value, next, this.now());
    try {
      await this.deps.store.update(saved, cur.revision);
    } catch (err) {
      if (err instanceof WriteConflict)
        throw new AppError("conflict", "The integration changed meanwhile; try again.");
      throw err;
    }
    this.deps.log.info(
      { integrationId: saved.id, status: saved.status, enabled: saved.enabled },
      "integration updated",
    );
    await this.announce("updated", saved);
    return toPublic(saved);
  }

  async remove(req: RequestOf<typeof IntegrationDelete>): Promise<ResponseOf<typeof IntegrationDelete>> {
    const cur = await this.scoped(req.workspaceId, req.id);
    await this.deps.store.remove(cur.value.id);
    this.deps.tokens.forget(cur.value.id);
    this.deps.log.info({ integrationId: cur.value.id }, "integration deleted");
    await this.announce("deleted", withChange(cur.value, {}, this.now()));
    return { deleted: true };
  }

  async token(req: RequestOf<typeof TokenGet>): Promise<ResponseOf<typeof TokenGet>> {
    const running = this.inflight.get(req.integrationId);
    if (running) return running;
    const p = this.tokenOnce(req.integrationId).finally(() => this.inflight.delete(req.integrationId));
    this.inflight.set(req.integrationId, p);
    return p;
  }

  async consentComplete(
    _req: RequestOf<typeof ConsentComplete>,
  ): Promise<ResponseOf<typeof ConsentComplete>> {
    throw new AppError(
      "bad_request",
      "Delegated consent is not implemented yet: create an app-mode integration with a client id and secret.",
    );
  }

  private async tokenOnce(id: string): Promise<ResponseOf<typeof TokenGet>> {
    const cur = await this.deps.store.get(id);
    if (!cur) throw new AppError("not_found", `integration ${id} does not exist`);
    const refusal = refusalReason(cur.value);
    if (refusal) throw new AppError("integration_broken", refusal);
    const creds = this.credentials(cur.value);
    const verdict = await this.check(creds, false);
    if (verdict.kind === "transient") {
      this.deps.log.warn(
        { integrationId: id, reason: verdict.message },
        "token request failed; will retry later",
      );
      throw new AppError("unavailable", `The identity platform could not be reached: ${verdict.message}`);
    }
    if (verdict.kind === "broken") {
      await this.markBroken(cur, verdict.reason);
      throw new AppError("integration_broken", verdict.reason);
    }
    await this.resealIfRotated(cur);
    return {
      accessToken: verdict.accessToken,
      expiresAt: verdict.expiresAt.toISOString(),
      tenantId: creds.tenantId,
      graphEndpoint: this.deps.graphEndpoint,
    };
  }

  /** Asks Entra for a token and judges the answer (including a token without any permission). */
  private async check(creds: AppCredentials, skipCache: boolean): Promise<Verdict> {
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
    return { kind: "ok", accessToken: res.accessToken, expiresAt: res.expiresAt };
  }

  /**
   * Compare-and-set against the revision the failing request started from: if anything changed the
   * integration meanwhile (another replica marked it, a user fixed it), this failure is not announced.
   */
  private async markBroken(cur: Versioned<StoredIntegration>, reason: string): Promise<void> {
    const next = withChange(cur.value, { status: "broken", statusReason: reason }, this.now());
    try {
      await this.deps.store.update(next, cur.revision);
    } catch (err) {
      if (err instanceof WriteConflict) return;
      throw err;
    }
    this.deps.log.warn({ integrationId: next.id, reason }, "integration is broken");
    await this.announce("updated", next);
  }

  private credentials(s: StoredIntegration): AppCredentials {
    if (!s.clientSecret || !s.tenantId || !s.clientId) {
      throw new AppError("integration_broken", "the integration has no credentials");
    }
    try {
      return {
        integrationId: s.id,
        tenantId: s.tenantId,
        clientId: s.clientId,
        clientSecret: open(this.deps.ring, s.clientSecret, aadFor(s.id, SECRET_KIND)),
      };
    } catch (err) {
      if (err instanceof CryptoError) {
        this.deps.log.error(
          { integrationId: s.id, err: err.message },
          "cannot open the stored client secret",
        );
        throw new AppError(
          "internal",
          `The stored client secret cannot be decrypted (${err.message}); check TENANTLENS_SECRET_KEY.`,
        );
      }
      throw err;
    }
  }

  /** After a key rotation, values sealed with an old key are re-sealed with the current one. */
  private async resealIfRotated(cur: Versioned<StoredIntegration>): Promise<void> {
    const sealed = cur.value.clientSecret;
    if (!sealed || !needsReseal(this.deps.ring, sealed)) return;
    const aad = aadFor(cur.value.id, SECRET_KIND);
    const fresh = seal(this.deps.ring.current, open(this.deps.ring, sealed, aad), aad);
    try {
      await this.deps.store.update({ ...cur.value, clientSecret: fresh }, cur.revision);
    } catch (err) {
      if (!(err instanceof WriteConflict)) throw err;
    }
  }

  private async scoped(workspaceId: string, id: string): Promise<Versioned<StoredIntegration>> {
    const cur = await this.deps.store.get(id);
    // Another workspace's integration is indistinguishable from a missing one.
    if (!cur || cur.value.workspaceId !== workspaceId)
      throw new AppError("not_found", `integration ${id} not found`);
    return cur;
  }

  private async announce(change: ChangeKind, s: StoredIntegration): Promise<void> {
    try {
      await this.deps.publishChanged(change, toPublic(s));
    } catch (err) {
      // The change is saved; consumers will see the next one. Failing the request would mislead the caller.
      this.deps.log.error({ err, integrationId: s.id, change }, "could not publish IntegrationChanged");
    }
  }
}
