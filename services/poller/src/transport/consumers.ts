import { type Bus, on } from "@tenantlens/bus";
import { IntegrationChanged } from "@tenantlens/contracts";
import type { DeltaLinks } from "../adapters/delta-links.js";
import type { PollManager } from "../poll-manager.js";

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
