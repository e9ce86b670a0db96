import type { Bus } from "@tenantlens/bus";
import { IntegrationGet, PollProgress, PollStart } from "@tenantlens/contracts";
import type { Coordinator } from "../coordinator.js";

/**
 * PollStart: the integration is fetched through auth first, so another workspace's id is not_found.
 * PollProgress: any replica answers from the shared state.
 */
export function servePoller(bus: Bus, coordinator: Coordinator): void {
  bus.serve(PollStart, async (req) => {
    const integration = await bus.request(IntegrationGet, {
      workspaceId: req.workspaceId,
      id: req.integrationId,
    });
    return coordinator.start({ integration, resources: req.resources, full: req.full, reason: req.reason });
  });
  bus.serve(PollProgress, async (req) => {
    return { progress: await coordinator.progress(req.workspaceId, req.integrationId) };
  });
}
