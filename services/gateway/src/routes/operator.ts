import {
  AppError,
  DEFAULT_WORKSPACE,
  IntegrationList,
  PURGING_SERVICES,
  WorkspaceDeleted,
} from "@tenantlens/contracts";
import type { z } from "zod";
import type { Workspace } from "../auth/workspace-store.js";
import { defineRoute, type RouteDeps } from "../http/route.js";
import {
  KeyListResponse,
  RevokedResponse,
  WorkspaceKeyParams,
  WorkspaceListResponse,
  WorkspaceParams,
  WorkspaceView,
} from "../schemas.js";

/**
 * The operator (an admin key of the default workspace) runs the installation: every workspace with
 * its key and integration counts, any key of any workspace revoked, a workspace deleted. Deleting
 * marks the workspace deleted (its keys and sessions stop working at once) and publishes
 * `gateway.workspace.deleted`; every service then purges what it keeps of it and says so with its
 * `<service>.workspace.purged` event, which the gateway records on the workspace (`purged`).
 */

const tags = ["operator"] as const;

interface Counts {
  keys: Map<string, number>;
  /** Null when auth did not answer (a deletion must not fail for it). */
  integrations: Map<string, number> | null;
}

function tally(ids: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

async function counts(deps: RouteDeps): Promise<Counts> {
  const [keys, integrations] = await Promise.all([
    deps.keys.listAll(),
    deps.bus.request(IntegrationList, {}).then(
      (r) => tally(r.integrations.map((i) => i.workspaceId)),
      (err: unknown) => {
        deps.logger.warn({ err }, "auth did not list integrations; counts left out");
        return null;
      },
    ),
  ]);
  return { keys: tally(keys.map((k) => k.workspaceId)), integrations };
}

export function workspaceView(ws: Workspace, c: Counts): z.input<typeof WorkspaceView> {
  const purged = ws.purged ?? {};
  const awaiting = ws.deletedAt ? PURGING_SERVICES.filter((s) => !purged[s]) : [];
  return {
    id: ws.id,
    name: ws.name,
    createdAt: ws.createdAt,
    status: !ws.deletedAt ? "active" : awaiting.length > 0 ? "deleting" : "deleted",
    deletedAt: ws.deletedAt ?? null,
    deletedBy: ws.deletedBy ?? null,
    keys: c.keys.get(ws.id) ?? 0,
    integrations: c.integrations ? (c.integrations.get(ws.id) ?? 0) : null,
    purged,
    awaiting: [...awaiting],
  };
}

async function loadWorkspace(deps: RouteDeps, id: string): Promise<Workspace> {
  const ws = await deps.workspaces.get(id);
  if (!ws) throw new AppError("not_found", `no workspace ${id}`);
  return ws;
}

export const listWorkspaces = defineRoute({
  method: "GET",
  path: "/api/workspaces",
  summary: "Every workspace with its key and integration counts and, once deleted, its purge (operator)",
  tags,
  access: "operator",
  calls: [IntegrationList],
  success: { status: 200, schema: WorkspaceListResponse },
  handler: async (_c, _input, deps) => {
    const [all, c] = await Promise.all([deps.workspaces.list(), counts(deps)]);
    return { workspaces: all.map((ws) => workspaceView(ws, c)) };
  },
});

export const getWorkspace = defineRoute({
  method: "GET",
  path: "/api/workspaces/:workspaceId",
  summary: "One workspace; after a deletion, which services purged it and which are still awaited (operator)",
  tags,
  access: "operator",
  params: WorkspaceParams,
  calls: [IntegrationList],
  success: { status: 200, schema: WorkspaceView },
  handler: async (_c, { params }, deps) =>
    workspaceView(await loadWorkspace(deps, params.workspaceId), await counts(deps)),
});

export const deleteWorkspace = defineRoute({
  method: "DELETE",
  path: "/api/workspaces/:workspaceId",
  summary: "Delete a workspace and purge everything it owns (operator; not the default workspace)",
  description:
    "Its keys and console sessions stop working at once; every service then purges its integrations, tokens, " +
    "polls, rules, violations, suppressions, channels, alerts, notifications, saved queries, query history, " +
    "warehouse rows and Parquet generations, also a service that is down at the time once it is back. " +
    "`GET /api/workspaces/:workspaceId` shows the progress. Deleting a deleted workspace again changes nothing.",
  tags,
  access: "operator",
  params: WorkspaceParams,
  errors: ["conflict"],
  calls: [IntegrationList],
  success: { status: 202, schema: WorkspaceView },
  handler: async (_c, { params, principal }, deps) => {
    if (params.workspaceId === DEFAULT_WORKSPACE || params.workspaceId === principal.workspaceId) {
      throw new AppError("conflict", "the default workspace holds the operator's keys and cannot be deleted");
    }
    await loadWorkspace(deps, params.workspaceId);
    const ws = await deps.workspaces.markDeleted(params.workspaceId, principal.keyId);
    // Published on every call: a deletion whose event was lost (the gateway died in between) is
    // announced again; the same deletion within the stream's duplicate window is deduplicated.
    await deps.bus.publish(WorkspaceDeleted, {
      workspaceId: ws.id,
      deletedAt: ws.deletedAt ?? new Date().toISOString(),
      deletedBy: ws.deletedBy ?? principal.keyId,
    });
    deps.logger.info({ workspaceId: ws.id, by: principal.keyId }, "workspace deleted");
    return workspaceView(ws, await counts(deps));
  },
});

export const listWorkspaceKeys = defineRoute({
  method: "GET",
  path: "/api/workspaces/:workspaceId/keys",
  summary: "Any workspace's API keys (never the keys themselves; operator)",
  tags,
  access: "operator",
  params: WorkspaceParams,
  success: { status: 200, schema: KeyListResponse },
  handler: async (_c, { params }, deps) => {
    await loadWorkspace(deps, params.workspaceId);
    return { keys: await deps.keys.list(params.workspaceId) };
  },
});

export const revokeWorkspaceKey = defineRoute({
  method: "DELETE",
  path: "/api/workspaces/:workspaceId/keys/:keyId",
  summary: "Revoke any API key of any workspace (operator; not the key making the request)",
  tags,
  access: "operator",
  params: WorkspaceKeyParams,
  errors: ["conflict"],
  success: { status: 200, schema: RevokedResponse },
  handler: async (_c, { params, principal }, deps) => {
    if (params.keyId === principal.keyId)
      throw new AppError("conflict", "a key cannot revoke itself; use another admin key");
    await deps.keys.revoke(params.workspaceId, params.keyId);
    deps.logger.info(
      { workspaceId: params.workspaceId, keyId: params.keyId, by: principal.keyId },
      "API key revoked by the operator",
    );
    return { revoked: true as const };
  },
});

export const operatorRoutes = [
  listWorkspaces,
  getWorkspace,
  deleteWorkspace,
  listWorkspaceKeys,
  revokeWorkspaceKey,
];
