import { z } from "zod";
import { IntegrationId, TenantId, Timestamp, WorkspaceId } from "./common.js";
import { defineEvent, defineRequest } from "./define.js";

/**
 * - `pending_consent`: a delegated integration waits for an administrator's consent.
 * - `active`: auth gets tokens for it and the poller collects it.
 * - `broken`: the identity platform refused its credentials or consent (wrong, expired or revoked
 *   secret, deleted app, revoked consent or sign-in; the OAuth `invalid_client`, `invalid_grant`,
 *   `unauthorized_client` answers). `statusReason` says what to fix and quotes Microsoft's message.
 *   New credentials, a new consent or enabling it again make auth try once more.
 * - `disabled`: turned off by a user.
 */
export const IntegrationStatus = z.enum(["pending_consent", "active", "broken", "disabled"]);
export type IntegrationStatus = z.infer<typeof IntegrationStatus>;

/** An integration as every service outside auth sees it: never a secret. */
export const Integration = z.object({
  id: IntegrationId,
  workspaceId: WorkspaceId,
  name: z.string().min(1).max(200),
  tenantId: TenantId.nullable(),
  authMode: z.enum(["app", "delegated"]),
  clientId: z.string().nullable(),
  status: IntegrationStatus,
  /** Why it is broken or pending, in words a user can act on. */
  statusReason: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /**
   * App mode: how the app proves itself, a client secret or a certificate (absent on integrations
   * created before certificates existed: a secret). Never the secret or key itself.
   */
  credential: z.enum(["secret", "certificate"]).optional(),
  /** Certificate credential: the thumbprint (hex) the app registration shows for it. */
  certificateThumbprint: z.string().nullable().optional(),
  /**
   * App mode: the outcome of the last admin consent that came back through the callback
   * (`connected`, `declined` or `failed`, with the reason); absent until one did.
   */
  adminConsent: z
    .object({
      outcome: z.enum(["connected", "declined", "failed"]),
      message: z.string().max(2000),
      at: Timestamp,
    })
    .nullable()
    .optional(),
});
export type Integration = z.infer<typeof Integration>;

/**
 * App mode: where an administrator of the tenant grants the app its application permissions (the
 * identity platform's v2 admin-consent endpoint, one-time state, back to `<PUBLIC_URL>/oauth/callback`)
 * and the exact Microsoft Graph application permissions the product reads with (least privileged
 * per table, from the catalog). The app registration must list them and that redirect URI.
 */
export const AdminConsentLink = z.object({
  adminConsentUrl: z.string().url(),
  requiredPermissions: z.array(z.string()),
});

/**
 * A certificate credential: the PEM private key (PKCS#8 or PKCS#1, RSA) and either the certificate
 * (PEM; its SHA-256 thumbprint is computed and the key checked against it) or the thumbprint the
 * app registration shows (hex SHA-1, or SHA-256). The key is sealed at rest and never returned.
 */
export const CertificateInput = z
  .object({
    privateKeyPem: z.string().min(1).max(20_000),
    certificatePem: z.string().min(1).max(20_000).optional(),
    thumbprint: z
      .string()
      .trim()
      .regex(/^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/, "expected a hex SHA-1 (40) or SHA-256 (64) thumbprint")
      .optional(),
  })
  .strict();
export type CertificateInput = z.infer<typeof CertificateInput>;

export const IntegrationAuthInput = z.discriminatedUnion("mode", [
  z
    .object({
      mode: z.literal("app"),
      clientId: z.string().min(1).max(100),
      /** One of `clientSecret` and `certificate`. */
      clientSecret: z.string().min(1).max(1000).optional(),
      certificate: CertificateInput.optional(),
    })
    .superRefine((a, ctx) => {
      if ((a.clientSecret === undefined) === (a.certificate === undefined))
        ctx.addIssue({
          code: "custom",
          path: ["clientSecret"],
          message: "app mode needs exactly one credential: clientSecret or certificate",
        });
    }),
  z.object({ mode: z.literal("delegated") }),
]);

export const CreateIntegrationInput = z.object({
  name: z.string().trim().min(1).max(200),
  tenantId: TenantId.optional(),
  auth: IntegrationAuthInput,
});
export type CreateIntegrationInput = z.infer<typeof CreateIntegrationInput>;

const Scoped = z.object({ workspaceId: WorkspaceId, id: IntegrationId });

export const IntegrationCreate = defineRequest({
  subject: "auth.integration.create",
  service: "auth",
  callers: ["gateway"],
  errors: [],
  request: CreateIntegrationInput.extend({ workspaceId: WorkspaceId }),
  response: z
    .object({ integration: Integration, consentUrl: z.string().url().optional() })
    .merge(AdminConsentLink.partial()),
});

export const IntegrationGet = defineRequest({
  subject: "auth.integration.get",
  service: "auth",
  callers: ["gateway", "poller", "provisioner"],
  errors: ["not_found"],
  request: Scoped,
  response: Integration,
});

export const IntegrationList = defineRequest({
  subject: "auth.integration.list",
  service: "auth",
  callers: ["gateway", "poller"],
  errors: [],
  /** Without a workspace: every workspace's integrations (internal callers such as the poller only). */
  request: z.object({ workspaceId: WorkspaceId.optional() }),
  response: z.object({ integrations: z.array(Integration) }),
});

export const IntegrationUpdate = defineRequest({
  subject: "auth.integration.update",
  service: "auth",
  callers: ["gateway"],
  errors: ["not_found", "conflict", "integration_broken"],
  request: Scoped.extend({
    enabled: z.boolean().optional(),
    name: z.string().trim().min(1).max(200).optional(),
    /** App mode only: new credentials; auth re-seals the secret and checks them at once. */
    clientId: z.string().trim().min(1).max(100).optional(),
    clientSecret: z.string().min(1).max(1000).optional(),
    /** App mode: a certificate credential instead of (replacing) the client secret. */
    certificate: CertificateInput.optional(),
  }),
  response: Integration,
});

export const IntegrationDelete = defineRequest({
  subject: "auth.integration.delete",
  service: "auth",
  callers: ["gateway"],
  errors: ["not_found", "conflict"],
  /**
   * `purgeData`: the store also removes the integration's collected rows, their change history,
   * polls and rule results from the warehouse (next generation); without it only the current
   * tables lose its rows and its history stays until retention.
   */
  request: Scoped.extend({ purgeData: z.boolean().optional() }),
  response: z.object({ deleted: z.literal(true), purgeData: z.boolean().optional() }),
});

/** Internal: the poller (reads) and the provisioner (writes) ask for a Graph access token; never exposed over REST. */
export const TokenGet = defineRequest({
  subject: "auth.token.get",
  service: "auth",
  callers: ["poller", "provisioner"],
  errors: ["not_found", "integration_broken", "provisioning_not_enabled"],
  request: z.object({
    integrationId: IntegrationId,
    /**
     * Graph refused the last token (401): skip auth's token cache and ask the identity platform,
     * which either issues a new token or refuses the credentials (the integration turns `broken`).
     * Callers send it at most once per backoff step.
     */
    forceRefresh: z.boolean().optional(),
    /**
     * `provision`: a token that carries the write permissions (User.ReadWrite.All,
     * GroupMember.ReadWrite.All). Auth answers `provisioning_not_enabled`, naming what is missing,
     * unless provisioning was enabled for the integration and the token carries them. Default `read`.
     */
    purpose: z.enum(["read", "provision"]).optional(),
  }),
  response: z.object({
    accessToken: z.string().min(1),
    expiresAt: Timestamp,
    tenantId: TenantId,
    graphEndpoint: z.string().url(),
  }),
});

/**
 * Delegated mode: a fresh consent link (one-time state, PKCE) for an integration that waits for
 * consent, was declined, or lost its consent; the previous links of the integration keep expiring.
 * App mode: a fresh admin-consent link for the integration's own app registration.
 */
export const ConsentStart = defineRequest({
  subject: "auth.consent.start",
  service: "auth",
  callers: ["gateway"],
  errors: ["not_found"],
  request: Scoped,
  /** App mode: `consentUrl` is the admin-consent link, also given as `adminConsentUrl`. */
  response: z
    .object({ integration: Integration, consentUrl: z.string().url() })
    .merge(AdminConsentLink.partial()),
});

/** Completes a delegated / admin consent from the OAuth redirect (GET /oauth/callback). */
export const ConsentComplete = defineRequest({
  subject: "auth.consent.complete",
  service: "auth",
  callers: ["gateway"],
  errors: ["not_found", "conflict"],
  request: z.object({
    state: z.string().min(1).max(200),
    code: z.string().max(10_000).optional(),
    error: z.string().max(200).optional(),
    errorDescription: z.string().max(2000).optional(),
    adminConsent: z.string().max(10).optional(),
    tenant: z.string().max(100).optional(),
  }),
  response: z.object({
    integration: Integration,
    /**
     * What this callback did: `connected` (the integration is active), `declined` (an administrator
     * said no) or `failed` (the code could not be redeemed); `message` says it in words.
     */
    outcome: z.enum(["connected", "declined", "failed"]).optional(),
    message: z.string().max(2000).optional(),
    /** `provision`: the consent to the write scopes (provisioning); the integration itself is unchanged. */
    purpose: z.enum(["read", "provision"]).optional(),
  }),
});

/** Every create, update (status, enable/disable, rename) and delete of an integration. */
export const IntegrationChanged = defineEvent({
  subject: "auth.integration.changed",
  stream: "TL_AUTH",
  publishers: ["auth"],
  consumers: ["poller", "store", "notifier"],
  schema: z.object({
    change: z.enum(["created", "updated", "deleted"]),
    integration: Integration,
    at: Timestamp,
    /** Deleted with `purgeData`: the store removes every warehouse row of the integration. */
    purgeData: z.boolean().optional(),
  }),
  token: (p) => p.integration.id,
  msgId: (p) => `${p.integration.id}:${p.change}:${p.integration.updatedAt}:${p.integration.status}`,
});
