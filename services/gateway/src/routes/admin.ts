import { AppError, DEFAULT_WORKSPACE } from "@tenantlens/contracts";
import { Hono } from "hono";
import type { ApiKeyStore } from "../auth/key-store.js";
import { requireAdmin } from "../auth/middleware.js";
import type { WorkspaceStore } from "../auth/workspace-store.js";
import type { AppEnv } from "../env.js";
import { readJson } from "../http/body.js";
import { CreateKeyBody, CreateWorkspaceBody } from "../schemas.js";

/** API keys and workspaces. Keys are always scoped to the caller's workspace. */
export function adminRoutes(keys: ApiKeyStore, workspaces: WorkspaceStore): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/whoami", (c) => c.json(c.get("principal")));

  app.get("/keys", requireAdmin, async (c) =>
    c.json({ keys: await keys.list(c.get("principal").workspaceId) }),
  );

  app.post("/keys", requireAdmin, async (c) => {
    const body = await readJson(c, CreateKeyBody);
    return c.json(await keys.create(c.get("principal").workspaceId, body.role, body.name), 201);
  });

  app.delete("/keys/:keyId", requireAdmin, async (c) => {
    const { workspaceId, keyId } = c.get("principal");
    const target = c.req.param("keyId");
    if (target === keyId) throw new AppError("conflict", "a key cannot revoke itself; use another admin key");
    await keys.revoke(workspaceId, target);
    return c.json({ revoked: true });
  });

  // Workspaces are created by the operator: an admin of the default workspace.
  app.post("/workspaces", requireAdmin, async (c) => {
    if (c.get("principal").workspaceId !== DEFAULT_WORKSPACE) {
      throw new AppError("forbidden", "only an admin key of the default workspace can create workspaces");
    }
    const body = await readJson(c, CreateWorkspaceBody);
    const workspace = await workspaces.create(body.id, body.name ?? body.id);
    const apiKey = await keys.create(workspace.id, "admin", `first admin key of ${workspace.id}`);
    return c.json({ workspace, apiKey }, 201);
  });

  return app;
}
