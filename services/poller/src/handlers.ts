import { type Bus, on } from "@tenantlens/bus";
import { IntegrationChanged, IntegrationGet, PollStart } from "@tenantlens/contracts";
import type { DeltaLinks } from "./adapters/delta-links.js";
import type { PollManager } from "./poll-manager.js";

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

/** Integration lifecycle, durably and in order; a deleted integration's delta links go with it. */
export function followIntegrations(bus: Bus, manager: PollManager, deltaLinks: DeltaLinks) {
  return bus.consume({
    durable: "poller-integrations",
    stream: IntegrationChanged.stream,
    ordered: true,
    startAt: "new",
    handlers: [
      on(IntegrationChanged, async ({ change, integration }) => {
        manager.changed(change, integration);
        if (change === "deleted") await deltaLinks.discardAll(integration.id);
      }),
    ],
  });
}
