import type { EventPayload, PollIngestFailed } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { markAnnounced, unannouncedFailures } from "./adapters/dead-letters.js";
import type { Warehouse } from "./warehouse.js";

/**
 * Announces polls failed at ingest (PollIngestFailed) from the dead letters committed with them:
 * an outbox, so a store that stops between the commit and the publish announces at its next start.
 * Concurrent calls share one run; a call during a run makes it look again.
 */
export function pollFailureAnnouncer(deps: {
  warehouse: Warehouse;
  publish(failure: EventPayload<typeof PollIngestFailed>): Promise<void>;
  log: Logger;
}): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const run = async () => {
    do {
      again = false;
      for (const { key, failure } of await unannouncedFailures(deps.warehouse.db.read())) {
        await deps.publish(failure);
        await deps.warehouse.db.transaction((sql) => markAnnounced(sql, key));
      }
    } while (again);
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = run()
      .catch((err: unknown) => deps.log.error({ err }, "could not announce a failed poll; retried later"))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}
