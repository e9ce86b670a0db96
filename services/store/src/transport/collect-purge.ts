import type { JetStreamManager } from "@nats-io/jetstream";
import { allEvents } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";

/**
 * Deletes committed collection pages from TL_COLLECT, so a large collection is not kept on disk
 * twice (in JetStream and in the warehouse) for the stream's max age. Only events the store is
 * declared to purge (`purgedBy: "store"`, the pages) go: other consumers of the stream (the
 * notifier reads poll completions) keep theirs. The collection consumer is ordered, so once a
 * message committed every message before it has too: a purge up to it is safe, and a purge that
 * fails (or a crash before it) is simply done later by the next one.
 */
export function collectPurger(deps: {
  jsm: JetStreamManager;
  log: Logger;
  /** At most one purge per interval. */
  intervalMs: number;
}): { committed(seq: number): void; stop(): Promise<void> } {
  const purged = allEvents.filter((e) => e.purgedBy === "store" && e.stream === "TL_COLLECT");
  let wanted = 0;
  let done = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const purge = async () => {
    timer = undefined;
    const upTo = wanted;
    if (upTo <= done) return;
    try {
      let removed = 0;
      for (const e of purged) {
        const filter = e.token ? `${e.subject}.*` : e.subject;
        const r = await deps.jsm.streams.purge("TL_COLLECT", { filter, seq: upTo + 1 });
        removed += r.purged;
      }
      done = upTo;
      deps.log.debug({ upToSeq: upTo, removed }, "committed collection pages purged from TL_COLLECT");
    } catch (err) {
      deps.log.warn({ err, upToSeq: upTo }, "could not purge committed pages from TL_COLLECT; retried later");
    }
  };
  return {
    committed(seq) {
      if (seq <= wanted) return;
      wanted = seq;
      if (purged.length === 0 || timer) return;
      timer = setTimeout(() => {
        running = running.then(purge);
      }, deps.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) {
        clearTimeout(timer);
        running = running.then(purge);
      }
      await running;
    },
  };
}
