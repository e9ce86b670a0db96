import type { Bus } from "@tenantlens/bus";
import { IntegrationGet, PollStart } from "@tenantlens/contracts";
import type { PollManager } from "../poll-manager.js";

/** PollStart: the integration is fetched through auth first, so another workspace's id is not_found. */
export function servePoller(bus: Bus, manager: PollManager): void {
  bus.serve(PollStart, async (req) => {
    const integration = await bus.request(IntegrationGet, {
      workspaceId: req.workspaceId,
      id: req.integrationId,
    });
    return manager.start({ integration, resources: req.resources, full: req.full, reason: req.reason });
  });
}
