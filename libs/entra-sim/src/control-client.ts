import { SIM_KEY_HEADER } from "./control-auth.js";
import type { ChangeEntry, DirectoryStats, JsonObject, Kind } from "./directory/index.js";
import type { FaultRule } from "./graph/faults.js";
import type { Latency, LoggedRequest } from "./graph/request-log.js";
import type { ThrottleConfig } from "./graph/throttle.js";
import type {
  AccessTokenClaims,
  SimApp,
  SimCertificate,
  SimSecret,
  TenantIdentity,
  TenantLicences,
} from "./types.js";

export interface SimTenantSummary {
  tenantId: string;
  displayName: string;
  initialDomain: string;
  clientId: string;
  clientSecret: string;
  licences: TenantLicences;
  adminUser: TenantIdentity["adminUser"];
  apps: SimApp[];
}

export interface IdentitySettings {
  accessTokenLifetimeSeconds: number;
  autoApprove: boolean;
  /** Every token request is answered this much later (a slow identity platform). */
  tokenDelayMs: number;
}

export interface MintTokenRequest {
  clientId?: string;
  /** "app" (roles) or "delegated" (scp, as the tenant's admin). Default "app". */
  kind?: "app" | "delegated";
  roles?: string[];
  scopes?: string[];
  /** Negative values give an already-expired token. */
  expiresInSeconds?: number;
  audience?: string;
}

export interface MintedTokenResponse {
  accessToken: string;
  expiresOn: string;
  claims: AccessTokenClaims & Record<string, unknown>;
}

export interface DirectoryObjectResult {
  kind: Kind;
  id: string;
  state?: string;
  object?: JsonObject;
}

export interface DeltaSettingsView {
  replays: boolean;
  tokenMaxAgeSeconds: number;
  resyncEpoch: number;
  expiryEpoch: number;
}

export interface LiveStatus {
  enabled: boolean;
  changesPerMinute: number;
  changesMade: number;
}

export interface AppSelector {
  /** Defaults to the tenant's Tenantlens app. */
  clientId?: string;
}

/** A non-2xx answer from /_sim/: `code` and `message` come from `{"error":{code,message}}`. */
export class SimControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = "SimControlError";
  }
}

export interface SimControlClientOptions {
  /** The simulator's base URL (graphEndpoint). */
  baseUrl: string;
  adminKey: string;
  /** Defaults to global fetch (trusting the CA through NODE_EXTRA_CA_CERTS). */
  fetch?: typeof fetch;
}

/** Typed client for the simulator's control API under /_sim/ (see libs/entra-sim/README.md). */
export class SimControlClient {
  private readonly baseUrl: string;
  private readonly adminKey: string;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: SimControlClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.adminKey = opts.adminKey;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  // --- identity side ---

  async listTenants(): Promise<SimTenantSummary[]> {
    return (await this.request<{ tenants: SimTenantSummary[] }>("GET", "/_sim/tenants")).tenants;
  }

  getTenantIdentity(tenantId: string): Promise<TenantIdentity> {
    return this.request("GET", `/_sim/identity/tenants/${enc(tenantId)}`);
  }

  getIdentitySettings(): Promise<IdentitySettings> {
    return this.request("GET", "/_sim/identity/settings");
  }

  updateIdentitySettings(patch: Partial<IdentitySettings>): Promise<IdentitySettings> {
    return this.request("PUT", "/_sim/identity/settings", patch);
  }

  setTokenLifetime(seconds: number): Promise<IdentitySettings> {
    return this.updateIdentitySettings({ accessTokenLifetimeSeconds: seconds });
  }

  setLicences(tenantId: string, licences: Partial<TenantLicences>): Promise<TenantLicences> {
    return this.request("PUT", `/_sim/identity/tenants/${enc(tenantId)}/licences`, licences);
  }

  revokeConsent(tenantId: string, app: AppSelector = {}): Promise<SimApp> {
    return this.tenantPost(tenantId, "consent/revoke", app);
  }

  restoreConsent(tenantId: string, app: AppSelector = {}): Promise<SimApp> {
    return this.tenantPost(tenantId, "consent/restore", app);
  }

  deleteApp(tenantId: string, app: AppSelector = {}): Promise<SimApp> {
    return this.tenantPost(tenantId, "app/delete", app);
  }

  restoreApp(tenantId: string, app: AppSelector = {}): Promise<SimApp> {
    return this.tenantPost(tenantId, "app/restore", app);
  }

  /** Adds a secret next to the existing ones and returns it (value included). */
  addSecret(
    tenantId: string,
    opts: AppSelector & { expiresInDays?: number; displayName?: string } = {},
  ): Promise<SimSecret> {
    return this.tenantPost(tenantId, "secrets", opts);
  }

  /**
   * Registers a certificate (PEM) on the app: client assertions signed with its key then get tokens.
   * Answers the stored credential with its SHA-1 and SHA-256 thumbprints (hex).
   */
  addCertificate(
    tenantId: string,
    opts: AppSelector & { certificatePem: string; displayName?: string },
  ): Promise<SimCertificate> {
    return this.tenantPost(tenantId, "certificates", opts);
  }

  /** Replaces all secrets with one new secret: the old values fail with AADSTS7000215. */
  rotateSecret(
    tenantId: string,
    opts: AppSelector & { expiresInDays?: number; displayName?: string } = {},
  ): Promise<SimSecret> {
    return this.tenantPost(tenantId, "secrets/rotate", opts);
  }

  /** Expires one secret (keyId) or all: they fail with AADSTS7000222. */
  expireSecrets(
    tenantId: string,
    opts: AppSelector & { keyId?: string } = {},
  ): Promise<{ expired: string[] }> {
    return this.tenantPost(tenantId, "secrets/expire", opts);
  }

  setPermission(
    tenantId: string,
    opts: AppSelector & { kind: "application" | "delegated"; permission: string; granted: boolean },
  ): Promise<SimApp> {
    return this.tenantPost(tenantId, "permissions", opts);
  }

  mintToken(tenantId: string, opts: MintTokenRequest = {}): Promise<MintedTokenResponse> {
    return this.tenantPost(tenantId, "tokens", opts);
  }

  /** Refresh tokens issued before now answer AADSTS50173. */
  revokeSessions(tenantId: string): Promise<{ tokensValidFrom: string }> {
    return this.tenantPost(tenantId, "sessions/revoke", {});
  }

  /** Every outstanding refresh token of the tenant expires (AADSTS70008). */
  expireRefreshTokens(tenantId: string): Promise<{ expired: number }> {
    return this.tenantPost(tenantId, "refresh-tokens/expire", {});
  }

  // --- directory side (routes owned by src/graph/control.ts) ---

  /** New directory audit or sign-in entries at `at` (default now); an earlier time makes a late arrival. */
  addLogEntries(
    tenantId: string,
    log: "directoryAudits" | "signIns",
    opts: { count?: number; at?: string } = {},
  ): Promise<{ entries: Record<string, unknown>[] }> {
    return this.request("POST", `${dir(tenantId)}/logs/${log}`, opts);
  }

  stats(tenantId: string): Promise<DirectoryStats> {
    return this.request("GET", `${dir(tenantId)}/stats`);
  }

  /** The change log after `after` (up to 1000 entries per call). */
  changes(tenantId: string, after = 0): Promise<{ seq: number; changes: ChangeEntry[] }> {
    return this.request("GET", `${dir(tenantId)}/changes?after=${after}`);
  }

  createObject(tenantId: string, kind: Kind, properties: JsonObject = {}): Promise<DirectoryObjectResult> {
    return this.request("POST", `${dir(tenantId)}/objects`, { kind, properties });
  }

  getObject(tenantId: string, id: string): Promise<DirectoryObjectResult> {
    return this.request("GET", `${dir(tenantId)}/objects/${enc(id)}`);
  }

  updateObject(tenantId: string, id: string, properties: JsonObject): Promise<DirectoryObjectResult> {
    return this.request("PATCH", `${dir(tenantId)}/objects/${enc(id)}`, properties);
  }

  /** Soft delete (restorable, delta `@removed: changed`) or, with `permanent`, hard delete. */
  deleteObject(
    tenantId: string,
    id: string,
    opts: { permanent?: boolean } = {},
  ): Promise<DirectoryObjectResult> {
    const q = opts.permanent ? "?permanent=true" : "";
    return this.request("DELETE", `${dir(tenantId)}/objects/${enc(id)}${q}`);
  }

  restoreObject(tenantId: string, id: string): Promise<DirectoryObjectResult> {
    return this.request("POST", `${dir(tenantId)}/objects/${enc(id)}/restore`);
  }

  async addMember(tenantId: string, groupId: string, memberId: string): Promise<void> {
    await this.request("POST", `${dir(tenantId)}/objects/${enc(groupId)}/members`, { memberId });
  }

  async removeMember(tenantId: string, groupId: string, memberId: string): Promise<void> {
    await this.request("DELETE", `${dir(tenantId)}/objects/${enc(groupId)}/members/${enc(memberId)}`);
  }

  /** A new password credential on a directory application or service principal (not the Tenantlens app's login secret). */
  addObjectSecret(
    tenantId: string,
    id: string,
    opts: { displayName?: string; endDateTime?: string } = {},
  ): Promise<JsonObject> {
    return this.request("POST", `${dir(tenantId)}/objects/${enc(id)}/secrets`, opts);
  }

  /** Fault rules for one tenant, or for every tenant when `tenantId` is omitted. */
  getFaults(tenantId?: string): Promise<{ rules: FaultRule[] }> {
    return this.request("GET", faultsPath(tenantId));
  }

  setFaults(rules: FaultRule[], tenantId?: string): Promise<{ rules: FaultRule[] }> {
    return this.request("PUT", faultsPath(tenantId), { rules });
  }

  async clearFaults(tenantId?: string): Promise<void> {
    await this.request("DELETE", faultsPath(tenantId));
  }

  getThrottling(tenantId?: string): Promise<ThrottleConfig> {
    return this.request("GET", tenantId === undefined ? "/_sim/throttling" : `${dir(tenantId)}/throttling`);
  }

  setThrottling(patch: Partial<ThrottleConfig>, tenantId?: string): Promise<ThrottleConfig> {
    return this.request(
      "PUT",
      tenantId === undefined ? "/_sim/throttling" : `${dir(tenantId)}/throttling`,
      patch,
    );
  }

  /** Drops a tenant's throttling override (back to the global settings). */
  async resetThrottling(tenantId: string): Promise<void> {
    await this.request("DELETE", `${dir(tenantId)}/throttling`);
  }

  getDelta(tenantId: string): Promise<DeltaSettingsView> {
    return this.request("GET", `${dir(tenantId)}/delta`);
  }

  /** Replays on/off, token max age, force a 410 resync, or expire outstanding delta tokens. */
  setDelta(
    tenantId: string,
    opts: { replays?: boolean; tokenMaxAgeSeconds?: number; resync?: boolean; expireTokens?: boolean },
  ): Promise<DeltaSettingsView> {
    return this.request("POST", `${dir(tenantId)}/delta`, opts);
  }

  getLive(tenantId: string): Promise<LiveStatus> {
    return this.request("GET", `${dir(tenantId)}/live`);
  }

  /** Starts or stops live mode; `tick` makes that many changes at once (deterministic tests). */
  setLive(
    tenantId: string,
    opts: { enabled: boolean; changesPerMinute?: number; tick?: number },
  ): Promise<LiveStatus> {
    return this.request("POST", `${dir(tenantId)}/live`, opts);
  }

  /** The Graph requests the simulator answered for a tenant (after `after`), and peak concurrency per path. */
  requests(
    tenantId: string,
    after = 0,
  ): Promise<{ requests: LoggedRequest[]; maxConcurrent: Record<string, number> }> {
    return this.request("GET", `${dir(tenantId)}/requests?after=${after}`);
  }

  async clearRequests(tenantId: string): Promise<void> {
    await this.request("DELETE", `${dir(tenantId)}/requests`);
  }

  /** Latency added to every Graph request (uniform in [minMs, maxMs]); null removes it. */
  async setLatency(latency: Latency | null, tenantId?: string): Promise<void> {
    const path = tenantId === undefined ? "/_sim/latency" : `${dir(tenantId)}/latency`;
    if (latency === null) await this.request("DELETE", path);
    else await this.request("PUT", path, latency);
  }

  // --- generic ---

  /** Any /_sim/ route (e.g. the directory half's) with the admin key; throws SimControlError on non-2xx. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { [SIM_KEY_HEADER]: this.adminKey, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await this.fetchImpl(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const err = errorOf(parsed);
      throw new SimControlError(res.status, err.code, err.message, parsed);
    }
    return parsed as T;
  }

  private tenantPost<T>(tenantId: string, path: string, body: unknown): Promise<T> {
    return this.request("POST", `/_sim/identity/tenants/${enc(tenantId)}/${path}`, body);
  }
}

function dir(tenantId: string): string {
  return `/_sim/tenants/${enc(tenantId)}`;
}

function faultsPath(tenantId: string | undefined): string {
  return tenantId === undefined ? "/_sim/faults" : `${dir(tenantId)}/faults`;
}

function enc(value: string): string {
  return encodeURIComponent(value);
}

function errorOf(body: unknown): { code: string; message: string } {
  if (typeof body === "object" && body !== null && "error" in body) {
    const e = (body as { error: unknown }).error;
    if (typeof e === "object" && e !== null) {
      const rec = e as Record<string, unknown>;
      return {
        code: typeof rec.code === "string" ? rec.code : "Error",
        message: typeof rec.message === "string" ? rec.message : JSON.stringify(e),
      };
    }
    if (typeof e === "string") return { code: e, message: e };
  }
  return { code: "Error", message: typeof body === "string" ? body : JSON.stringify(body) };
}
