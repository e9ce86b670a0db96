import { randomUUID } from "node:crypto";
import { formatIssues } from "@tenantlens/contracts";
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { SimApp, TenantIdentity } from "../types.js";
import type { Identity } from "./identity.js";

/** Identity-side control API: /_sim/tenants and /_sim/identity/*. The admin-key guard sits in front. */
export function createIdentityControlApp(identity: Identity): Hono {
  const app = new Hono();
  const { state } = identity;

  app.get("/_sim/tenants", (c) => c.json({ tenants: state.tenants().map(tenantSummary) }));

  app.get("/_sim/identity/settings", (c) => c.json(settings(identity)));
  app.put("/_sim/identity/settings", async (c) => {
    const body = await parseBody(c, settingsSchema);
    if (!body.ok) return body.response;
    if (body.data.accessTokenLifetimeSeconds !== undefined) {
      state.accessTokenLifetimeSeconds = body.data.accessTokenLifetimeSeconds;
    }
    if (body.data.autoApprove !== undefined) identity.autoApprove = body.data.autoApprove;
    if (body.data.tokenDelayMs !== undefined) state.tokenDelayMs = body.data.tokenDelayMs;
    return c.json(settings(identity));
  });

  app.get("/_sim/identity/tenants/:tenantId", (c) => {
    const tenant = state.tenant(c.req.param("tenantId"));
    return tenant ? c.json(tenant) : notFound(c, `Tenant '${c.req.param("tenantId")}' does not exist.`);
  });

  app.put("/_sim/identity/tenants/:tenantId/licences", async (c) => {
    const tenant = state.tenant(c.req.param("tenantId"));
    if (!tenant) return notFound(c, `Tenant '${c.req.param("tenantId")}' does not exist.`);
    const body = await parseBody(c, licencesSchema);
    if (!body.ok) return body.response;
    return c.json(state.setLicences(tenant, body.data));
  });

  app.post("/_sim/identity/tenants/:tenantId/sessions/revoke", (c) => {
    const tenant = state.tenant(c.req.param("tenantId"));
    if (!tenant) return notFound(c, `Tenant '${c.req.param("tenantId")}' does not exist.`);
    return c.json({ tokensValidFrom: state.revokeSessions(tenant).toISOString() });
  });

  app.post("/_sim/identity/tenants/:tenantId/refresh-tokens/expire", (c) => {
    const tenant = state.tenant(c.req.param("tenantId"));
    if (!tenant) return notFound(c, `Tenant '${c.req.param("tenantId")}' does not exist.`);
    return c.json({ expired: identity.grants.expireRefreshTokens(tenant.tenantId) });
  });

  // App-level controls: the body names the app by clientId (default: the tenant's Tenantlens app).
  const appRoute = <S extends z.ZodType<{ clientId?: string }>>(
    path: string,
    schema: S,
    run: (ctx: {
      tenant: TenantIdentity;
      app: SimApp;
      body: z.infer<S>;
      c: Context;
    }) => Response | Promise<Response>,
  ) => {
    app.post(`/_sim/identity/tenants/:tenantId/${path}`, async (c) => {
      const tenant = state.tenant(c.req.param("tenantId"));
      if (!tenant) return notFound(c, `Tenant '${c.req.param("tenantId")}' does not exist.`);
      const body = await parseBody(c, schema);
      if (!body.ok) return body.response;
      const target = state.app(tenant, body.data.clientId);
      if (!target)
        return notFound(c, `App '${body.data.clientId}' does not exist in tenant '${tenant.tenantId}'.`);
      return run({ tenant, app: target, body: body.data, c });
    });
  };

  appRoute("consent/revoke", appOnly, ({ app: a, c }) => {
    state.setConsentRevoked(a, true);
    return c.json(a);
  });
  appRoute("consent/restore", appOnly, ({ app: a, c }) => {
    state.setConsentRevoked(a, false);
    return c.json(a);
  });
  appRoute("app/delete", appOnly, ({ app: a, c }) => {
    state.setDeleted(a, true);
    return c.json(a);
  });
  appRoute("app/restore", appOnly, ({ app: a, c }) => {
    state.setDeleted(a, false);
    return c.json(a);
  });
  appRoute("secrets", newSecretSchema, ({ app: a, body, c }) =>
    c.json(state.addSecret(a, { expiresInDays: body.expiresInDays, displayName: body.displayName }), 201),
  );
  appRoute("certificates", newCertificateSchema, ({ app: a, body, c }) => {
    try {
      return c.json(state.addCertificate(a, body.certificatePem, body.displayName), 201);
    } catch (err) {
      return badRequest(c, `certificatePem: not an X.509 certificate (${(err as Error).message})`);
    }
  });
  appRoute("secrets/rotate", newSecretSchema, ({ app: a, body, c }) =>
    c.json(state.rotateSecret(a, { expiresInDays: body.expiresInDays, displayName: body.displayName })),
  );
  appRoute("secrets/expire", expireSchema, ({ app: a, body, c }) => {
    if (body.keyId !== undefined && !a.secrets.some((s) => s.keyId === body.keyId)) {
      return notFound(c, `Secret '${body.keyId}' does not exist on app '${a.clientId}'.`);
    }
    return c.json({ expired: state.expireSecrets(a, body.keyId) });
  });
  appRoute("permissions", permissionSchema, ({ app: a, body, c }) => {
    state.setPermission(a, body.kind, body.permission, body.granted);
    return c.json(a);
  });
  appRoute("tokens", mintSchema, async ({ tenant, app: a, body, c }) => {
    const minted =
      body.kind === "delegated"
        ? await identity.mintDelegatedToken(tenant, a, {
            scopes: body.scopes,
            lifetimeSeconds: body.expiresInSeconds,
            audience: body.audience,
          })
        : await identity.mintAppToken(tenant, a, {
            roles: body.roles,
            lifetimeSeconds: body.expiresInSeconds,
            audience: body.audience,
          });
    return c.json({
      accessToken: minted.token,
      expiresOn: new Date(minted.claims.exp * 1000).toISOString(),
      claims: minted.claims,
    });
  });

  return app;
}

/** The per-tenant credentials a test or the demo launcher needs. */
export function tenantSummary(t: TenantIdentity) {
  const app = t.apps[0];
  const now = Date.now();
  const secret = app?.secrets.find((s) => Date.parse(s.endDateTime) > now) ?? app?.secrets[0];
  return {
    tenantId: t.tenantId,
    displayName: t.displayName,
    initialDomain: t.initialDomain,
    clientId: app?.clientId ?? "",
    clientSecret: secret?.value ?? "",
    licences: t.licences,
    adminUser: t.adminUser,
    apps: t.apps,
  };
}

function settings(identity: Identity) {
  return {
    accessTokenLifetimeSeconds: identity.state.accessTokenLifetimeSeconds,
    autoApprove: identity.autoApprove,
    tokenDelayMs: identity.state.tokenDelayMs,
  };
}

const clientId = z.guid("clientId must be a GUID").optional();
const appOnly = z.object({ clientId }).strict();
const newCertificateSchema = z
  .object({
    clientId,
    certificatePem: z.string().min(1).max(20_000).includes("-----BEGIN CERTIFICATE-----"),
    displayName: z.string().min(1).max(120).optional(),
  })
  .strict();
const newSecretSchema = z
  .object({
    clientId,
    expiresInDays: z.number().int().min(-3650).max(3650).optional(),
    displayName: z.string().min(1).max(120).optional(),
  })
  .strict();
const expireSchema = z.object({ clientId, keyId: z.string().min(1).optional() }).strict();
const permissionSchema = z
  .object({
    clientId,
    kind: z.enum(["application", "delegated"]),
    permission: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/, "permission must look like User.Read.All"),
    granted: z.boolean(),
  })
  .strict();
const mintSchema = z
  .object({
    clientId,
    kind: z.enum(["app", "delegated"]).default("app"),
    roles: z.array(z.string().min(1)).max(200).optional(),
    scopes: z.array(z.string().min(1)).max(200).optional(),
    // Negative lifetimes mint tokens that are already expired (for 401 tests without waiting).
    expiresInSeconds: z.number().int().min(-86_400).max(86_400).optional(),
    audience: z.string().min(1).max(200).optional(),
  })
  .strict();
const licencesSchema = z
  .object({ p1: z.boolean().optional(), p2: z.boolean().optional(), intune: z.boolean().optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, "give at least one of p1, p2, intune");
const settingsSchema = z
  .object({
    accessTokenLifetimeSeconds: z.number().int().min(1).max(86_400).optional(),
    autoApprove: z.boolean().optional(),
    tokenDelayMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict();

type Parsed<T> = { ok: true; data: T } | { ok: false; response: Response };

/** JSON body through a zod schema; an empty body counts as `{}`. */
async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<Parsed<z.infer<S>>> {
  const text = await c.req.text();
  let json: unknown = {};
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, response: badRequest(c, "The request body is not valid JSON.") };
    }
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, response: badRequest(c, formatIssues(result.error)) };
}

function badRequest(c: Context, message: string): Response {
  return c.json({ error: { code: "BadRequest", message, requestId: randomUUID() } }, 400);
}

function notFound(c: Context, message: string): Response {
  return c.json({ error: { code: "NotFound", message, requestId: randomUUID() } }, 404);
}
