import { randomBytes, randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { jwtVerify, SignJWT } from "jose";
import {
  createDirectory,
  type Directory,
  DirectoryRegistry,
  type DirectorySizes,
} from "../directory/index.js";
import type {
  AccessTokenClaims,
  IdentityPort,
  TenantIdentity,
  TenantLicences,
  TokenCheck,
} from "../types.js";
import { createGraphApp } from "./app.js";
import { PERMS } from "./permissions.js";

/**
 * Test fixture for the Graph half: an in-process IdentityPort that signs and verifies HS256 tokens
 * with jose, one or more seeded tenants, and the Graph app driven through `app.request()`.
 */

export const ALL_READ_ROLES = [
  "User.Read.All",
  "Group.Read.All",
  "GroupMember.Read.All",
  "Application.Read.All",
  "Directory.Read.All",
  "Domain.Read.All",
  "Device.Read.All",
  "OrgContact.Read.All",
  "AdministrativeUnit.Read.All",
  "Policy.Read.All",
  "RoleManagement.Read.Directory",
  "RoleEligibilitySchedule.Read.Directory",
  "IdentityProvider.Read.All",
  "AuditLog.Read.All",
  "Organization.Read.All",
  "AccessReview.Read.All",
  "DelegatedPermissionGrant.Read.All",
  "User.ReadWrite.All",
  "GroupMember.ReadWrite.All",
];

/** Every permission any route accepts: the default token of the fixture holds all of them. */
export const EVERY_PERMISSION = [...new Set(Object.values(PERMS).flat())];

export interface TestTenant {
  tenantId: string;
  directory: Directory;
  identity: TenantIdentity;
}

export interface GraphFixture {
  app: Hono;
  registry: DirectoryRegistry;
  tenants: TestTenant[];
  identity: IdentityPort;
  /** App-only token for a tenant with the given application permissions (default: every permission). */
  token(
    tenantId: string,
    opts?: { roles?: string[]; scp?: string; oid?: string; appId?: string; expiresIn?: number },
  ): Promise<string>;
  /** GET/POST through app.request with a bearer token; returns status, headers and parsed JSON (or text). */
  call(
    pathAndQuery: string,
    opts?: { token?: string; method?: string; headers?: Record<string, string>; body?: unknown },
  ): Promise<CallResult>;
  /** Control API call (no admin key: the assembly adds the guard in front of this app). */
  control(method: string, path: string, body?: unknown): Promise<CallResult>;
  stop(): void;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export function tenantIdentity(
  tenantId: string,
  i: number,
  licences: Partial<TenantLicences> = {},
): TenantIdentity {
  return {
    tenantId,
    displayName: `Tenant ${i}`,
    initialDomain: `tenant${i}.onmicrosoft.com`,
    licences: { p1: true, p2: true, intune: true, ...licences },
    apps: [
      {
        clientId: randomUUID(),
        displayName: "Tenantlens",
        secrets: [{ keyId: randomUUID(), value: "s3cr3t-value", endDateTime: "2099-01-01T00:00:00Z" }],
        redirectUris: ["http://localhost/oauth/callback"],
        applicationPermissions: ["User.Read.All", "Directory.Read.All"],
        delegatedScopes: ["User.Read"],
        deleted: false,
        consentRevoked: false,
      },
    ],
    adminUser: {
      id: randomUUID(),
      userPrincipalName: `admin@tenant${i}.onmicrosoft.com`,
      displayName: "Tenant Admin",
    },
  };
}

export async function graphFixture(
  opts: {
    tenants?: { sizes?: DirectorySizes; licences?: Partial<TenantLicences>; seed?: number }[];
    referenceTime?: number;
  } = {},
): Promise<GraphFixture> {
  const key = randomBytes(32);
  const specs = opts.tenants ?? [{}];
  const identities = new Map<string, TenantIdentity>();
  const identity: IdentityPort = {
    async verifyAccessToken(token: string): Promise<TokenCheck> {
      try {
        const { payload } = await jwtVerify(token, key, { audience: "https://graph.microsoft.com" });
        return { ok: true, claims: payload as unknown as AccessTokenClaims };
      } catch (err) {
        const expired = (err as { code?: string }).code === "ERR_JWT_EXPIRED";
        return {
          ok: false,
          code: "InvalidAuthenticationToken",
          message: expired
            ? "Lifetime validation failed, the token is expired."
            : "Access token validation failure. Invalid audience.",
        };
      }
    },
    tenant: (tid) => identities.get(tid),
  };
  const registry = new DirectoryRegistry();
  const tenants: TestTenant[] = specs.map((spec, i) => {
    const tenantId = randomUUID();
    const ti = tenantIdentity(tenantId, i, spec.licences);
    identities.set(tenantId, ti);
    const directory = createDirectory({
      tenantId,
      tenantName: ti.displayName,
      initialDomain: ti.initialDomain,
      seed: spec.seed ?? 1000 + i,
      sizes: spec.sizes ?? { users: 60 },
      identity,
      referenceTime: opts.referenceTime,
    });
    registry.add(directory);
    return { tenantId, directory, identity: ti };
  });
  const app = createGraphApp({ identity, directories: registry });
  const token: GraphFixture["token"] = async (tenantId, o = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      tid: tenantId,
      appid: o.appId ?? identities.get(tenantId)?.apps[0]?.clientId ?? randomUUID(),
    };
    if (o.scp !== undefined) {
      claims.scp = o.scp;
      claims.oid = o.oid ?? identities.get(tenantId)?.adminUser.id;
    } else claims.roles = o.roles ?? EVERY_PERMISSION;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setAudience("https://graph.microsoft.com")
      .setIssuer(`https://sts.windows.net/${tenantId}/`)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (o.expiresIn ?? 3600))
      .sign(key);
  };
  const toResult = async (res: Response): Promise<CallResult> => {
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = {};
    }
    return { status: res.status, headers: res.headers, text, json: parsed };
  };
  const defaultToken = await token(tenants[0]!.tenantId);
  return {
    app,
    registry,
    tenants,
    identity,
    token,
    async call(pathAndQuery, o = {}) {
      const url = pathAndQuery.startsWith("http") ? pathAndQuery : `https://graph.test${pathAndQuery}`;
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token !== "") headers.authorization = `Bearer ${o.token ?? defaultToken}`;
      if (o.body !== undefined) headers["content-type"] = "application/json";
      const res = await app.request(url, {
        method: o.method ?? "GET",
        headers,
        body: o.body === undefined ? undefined : typeof o.body === "string" ? o.body : JSON.stringify(o.body),
      });
      return toResult(res);
    },
    async control(method, path, body) {
      const res = await app.request(`https://graph.test${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      return toResult(res);
    },
    stop() {
      for (const t of tenants) t.directory.stop();
    },
  };
}

/** Follows @odata.nextLink until absent (bounded), returning every page. */
export async function pages(
  f: GraphFixture,
  first: string,
  opts: { token?: string; headers?: Record<string, string>; maxPages?: number } = {},
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let url: string | undefined = first;
  for (let i = 0; url && i < (opts.maxPages ?? 10_000); i++) {
    const r = await f.call(url, { token: opts.token, headers: opts.headers });
    if (r.status !== 200) throw new Error(`GET ${url} → ${r.status} ${r.text.slice(0, 300)}`);
    out.push(r.json);
    url = r.json["@odata.nextLink"] as string | undefined;
  }
  return out;
}
