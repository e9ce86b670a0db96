import { type Bus, type Consumer, on, onWorkspaceDeleted } from "@tenantlens/bus";
import { PURGING_SERVICES, WorkspaceDeleted, WorkspacePurged } from "@tenantlens/contracts";
import type { ApiKeyStore } from "./key-store.js";
import type { SessionStore } from "./session-store.js";
import type { WorkspaceStore } from "./workspace-store.js";

/**
 * Durable consumer `gateway-workspaces` over TL_WORKSPACE: on a deletion, the workspace's API keys
 * and console sessions are purged (they already stopped working when it was marked deleted); every
 * service's purge event is recorded on the workspace, which is what GET /api/workspaces/:id shows.
 */
export function consumeWorkspaceLifecycle(
  bus: Bus,
  stores: { keys: ApiKeyStore; sessions: SessionStore; workspaces: WorkspaceStore },
): Promise<Consumer> {
  return bus.consume({
    durable: "gateway-workspaces",
    stream: WorkspaceDeleted.stream,
    handlers: [
      onWorkspaceDeleted(bus, {
        service: "gateway",
        purge: async (workspaceId) => ({
          apiKeys: await stores.keys.purgeWorkspace(workspaceId),
          sessions: await stores.sessions.purgeWorkspace(workspaceId),
        }),
      }),
      ...PURGING_SERVICES.map((s) => on(WorkspacePurged[s], (p) => stores.workspaces.recordPurge(p))),
    ],
  });
}
