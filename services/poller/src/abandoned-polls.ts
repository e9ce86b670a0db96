import type { Logger } from "@tenantlens/telemetry";
import type { CollectEvents } from "./adapters/collect-events.js";
import type { RunningPolls } from "./adapters/running-polls.js";

export const ABANDONED_REASON =
  "The poller stopped before this poll finished (killed or cut off from NATS); the next poll reads what it missed.";

/**
 * At start, before any new poll: every poll a previous life of the poller left running is closed
 * with a failed PollCompleted, so none stays `running`. If that life had published its own
 * PollCompleted just before dying, this one carries the same message id and changes nothing.
 */
export async function closeAbandonedPolls(deps: {
  running: RunningPolls;
  events: Pick<CollectEvents, "pollCompleted">;
  log: Logger;
  now?: () => Date;
}): Promise<number> {
  const now = deps.now ?? (() => new Date());
  const abandoned = await deps.running.list();
  for (const p of abandoned) {
    await deps.events.pollCompleted({
      ...p,
      outcome: "failed",
      error: ABANDONED_REASON,
      completedAt: now().toISOString(),
      resources: [],
    });
    await deps.running.closed(p.pollId);
    deps.log.warn(
      { pollId: p.pollId, integrationId: p.integrationId },
      "closed a poll left running by a stopped poller",
    );
  }
  return abandoned.length;
}
