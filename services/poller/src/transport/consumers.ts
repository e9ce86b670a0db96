import { type Bus, consumeWorkspaceDeletions, on } from "@tenantlens/bus";
import { IntegrationChanged, PollIngestFailed } from "@tenantlens/contracts";
import type { DeltaLinks } from "../adapters/delta-links.js";
import type { Coordinator } from "../coordinator.js";

/**
 * Integration lifecycle, durably and in order; a deleted integration's delta links go with it. The
 * replicas share the durable consumer (one of them handles each event): what it decides is in KV.
 */
export function followIntegrations(bus: Bus, manager: Coordinator, deltaLinks: DeltaLinks) {
  return bus.consume({
    durable: "poller-integrations",
    stream: IntegrationChanged.stream,
    ordered: true,
    startAt: "new",
    handlers: [
      on(IntegrationChanged, async ({ change, integration }) => {
        await manager.changed(change, integration);
        if (change === "deleted") await deltaLinks.discardAll(integration.id);
      }),
    ],
  });
}

/**
 * Polls the store could not ingest: the integration's delta links are dropped and its next poll
 * reads everything, so what the failed poll carried is not skipped by the next delta round.
 */
export function followIngestFailures(bus: Bus, manager: Coordinator, deltaLinks: DeltaLinks) {
  return bus.consume({
    durable: "poller-ingest-failures",
    stream: PollIngestFailed.stream,
    handlers: [
      on(PollIngestFailed, async ({ integrationId, pollId, reason }) => {
        await manager.requireFullRead(integrationId);
        await deltaLinks.discardAll(integrationId);
        bus.logger.warn(
          { integrationId, pollId, reason },
          "the store failed a poll; the next one reads everything",
        );
      }),
    ],
  });
}

/**
 * A deleted workspace: its schedules stop, its running polls are cancelled, its delta links go
 * (its poll records are the store's to purge).
 */
export function followWorkspaceDeletions(bus: Bus, manager: Coordinator, deltaLinks: DeltaLinks) {
  return consumeWorkspaceDeletions(bus, {
    service: "poller",
    purge: async (workspaceId) => {
      const ids = await manager.forgetWorkspace(workspaceId);
      for (const id of ids) await deltaLinks.discardAll(id);
      return { integrations: ids.length };
    },
  });
}
