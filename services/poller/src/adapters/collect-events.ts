import type { Bus } from "@tenantlens/bus";
import {
  type EventPayload,
  PageCollected,
  PollCompleted,
  PollStarted,
  ResourceCollected,
} from "@tenantlens/contracts";

/** Where a poll's results go: the TL_COLLECT stream. Each call resolves once JetStream stored it. */
export interface CollectEvents {
  pollStarted(p: EventPayload<typeof PollStarted>): Promise<void>;
  pageCollected(p: EventPayload<typeof PageCollected>): Promise<void>;
  resourceCollected(p: EventPayload<typeof ResourceCollected>): Promise<void>;
  pollCompleted(p: EventPayload<typeof PollCompleted>): Promise<void>;
  /** Largest message the server accepts. */
  maxPayload(): number;
}

export function busCollectEvents(bus: Bus): CollectEvents {
  return {
    pollStarted: async (p) => void (await bus.publish(PollStarted, p)),
    pageCollected: async (p) => void (await bus.publish(PageCollected, p)),
    resourceCollected: async (p) => void (await bus.publish(ResourceCollected, p)),
    pollCompleted: async (p) => void (await bus.publish(PollCompleted, p)),
    maxPayload: () => bus.maxPayload(),
  };
}
