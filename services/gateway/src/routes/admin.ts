import { AppError, AuthSecretsReseal, NotifierSecretsReseal, ResealReport } from "@tenantlens/contracts";
import { z } from "zod";
import { defineRoute } from "../http/route.js";
import {
  CreateKeyBody,
  CreateWorkspaceBody,
  KeyCreatedResponse,
  KeyListResponse,
  KeyParams,
  RevokedResponse,
  WhoAmIResponse,
  WorkspaceCreatedResponse,
} from "../schemas.js";

/** API keys and workspaces. Keys are always scoped to the caller's workspace. */

const tags = ["access"] as const;

export const whoAmI = defineRoute({
  method: "GET",
  path: "/api/whoami",
  summary: "The caller's workspace, key id and role",
  tags,
  access: "viewer",
  success: { status: 200, schema: WhoAmIResponse },
  handler: (_c, { principal }) => principal,
});

export const listKeys = defineRoute({
  method: "GET",
  path: "/api/keys",
  summary: "The workspace's API keys (never the keys themselves)",
  tags,
  access: "admin",
  success: { status: 200, schema: KeyListResponse },
  handler: async (_c, { principal }, { keys }) => ({ keys: await keys.list(principal.workspaceId) }),
});

export const createKey = defineRoute({
  method: "POST",
  path: "/api/keys",
  summary: "Create an API key (the key is shown once)",
  tags,
  access: "admin",
  body: CreateKeyBody,
  success: { status: 201, schema: KeyCreatedResponse },
  handler: (_c, { body, principal }, { keys }) => keys.create(principal.workspaceId, body.role, body.name),
});

export const revokeKey = defineRoute({
  method: "DELETE",
  path: "/api/keys/:keyId",
  summary: "Revoke an API key (not the one making the request)",
  tags,
  access: "admin",
  params: KeyParams,
  errors: ["conflict"],
  success: { status: 200, schema: RevokedResponse },
  handler: async (_c, { params, principal }, { keys }) => {
    if (params.keyId === principal.keyId)
      throw new AppError("conflict", "a key cannot revoke itself; use another admin key");
    await keys.revoke(principal.workspaceId, params.keyId);
    return { revoked: true as const };
  },
});

export const createWorkspace = defineRoute({
  method: "POST",
  path: "/api/workspaces",
  summary: "Create a workspace and its first admin key (admins of the default workspace)",
  tags,
  access: "operator",
  body: CreateWorkspaceBody,
  errors: ["conflict"],
  success: { status: 201, schema: WorkspaceCreatedResponse },
  handler: async (_c, { body }, { keys, workspaces }) => {
    const workspace = await workspaces.create(body.id, body.name ?? body.id);
    const apiKey = await keys.create(workspace.id, "admin", `first admin key of ${workspace.id}`);
    return { workspace, apiKey };
  },
});

/** Re-sealing reads and writes every record once. */
const RESEAL_TIMEOUT_MS = 120_000;

const ResealResponse = z.object({
  services: z.array(ResealReport.extend({ service: z.enum(["auth", "notifier"]) })),
});

/**
 * Key rotation, step 2 (docs/operations.md): with TENANTLENS_SECRET_KEY set to the new key and
 * the old one in TENANTLENS_SECRET_KEY_PREVIOUS, every stored secret is re-sealed under the new
 * key; afterwards the previous key can be dropped.
 */
export const resealSecrets = defineRoute({
  method: "POST",
  path: "/api/admin/secrets/reseal",
  summary: "Re-seal every stored secret and token cache under the current key (key rotation; operator)",
  tags,
  access: "operator",
  calls: [AuthSecretsReseal, NotifierSecretsReseal],
  success: { status: 200, schema: ResealResponse },
  handler: async (_c, _input, { bus }) => {
    const [auth, notifier] = await Promise.all([
      bus.request(AuthSecretsReseal, {}, { timeoutMs: RESEAL_TIMEOUT_MS }),
      bus.request(NotifierSecretsReseal, {}, { timeoutMs: RESEAL_TIMEOUT_MS }),
    ]);
    return {
      services: [
        { service: "auth" as const, ...auth },
        { service: "notifier" as const, ...notifier },
      ],
    };
  },
});

export const accessRoutes = [whoAmI, listKeys, createKey, revokeKey, createWorkspace, resealSecrets];
