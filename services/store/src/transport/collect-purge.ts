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
 *
 * Deleting pages alone does not give the disk back: nats-server frees a message block's file only
 * when every message in it is gone, and the small poll events between the pages (kept for the
 * notifier) leave a few in every block, so the deleted pages' bytes stayed on disk for the stream's
 * whole max age (measured by bench/disk-growth.ts: the stream's directory grew by a day's pages
 * every day). So after the pages, everything that every durable consumer of the stream has
 * acknowledged is purged too (as an interest-retention stream would), up to what the store
 * committed: whole blocks then empty and their files go. Only when every service the contracts
 * declare as a consumer of the stream has its durable (`<service>-…`), so a service not started yet
 * does not lose the events it would read; otherwise the events stay for the stream's max age.
 */
export function collectPurger(deps: {
  jsm: JetStreamManager;
  log: Logger;
  /** At most one purge per interval. */
  intervalMs: number;
}): { committed(seq: number): void; stop(): Promise<void> } {
  const purged = allEvents.filter((e) => e.purgedBy === "store" && e.stream === "TL_COLLECT");
  const readers = [
    ...new Set(allEvents.filter((e) => e.stream === "TL_COLLECT").flatMap((e) => e.consumers ?? [])),
  ].filter((s) => s !== "store"); // the store's own progress is `committed`
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
      return;
    }
    try {
      const floor = await acknowledgedByAll(deps.jsm, readers, upTo);
      if (floor > 0) {
        const r = await deps.jsm.streams.purge("TL_COLLECT", { seq: floor + 1 });
        deps.log.debug({ upToSeq: floor, removed: r.purged }, "acknowledged collection events purged");
      }
    } catch (err) {
      deps.log.warn(
        { err, upToSeq: upTo },
        "could not purge acknowledged events from TL_COLLECT; retried later",
      );
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

/**
 * The highest TL_COLLECT sequence that every durable consumer of the stream has acknowledged (and
 * at most `committed`), or 0 when a declared reader has no durable yet.
 */
async function acknowledgedByAll(
  jsm: JetStreamManager,
  readers: readonly string[],
  committed: number,
): Promise<number> {
  let floor = committed;
  const durables: string[] = [];
  for await (const c of jsm.consumers.list("TL_COLLECT")) {
    if (!c.config.durable_name) continue;
    durables.push(c.config.durable_name);
    floor = Math.min(floor, c.ack_floor.stream_seq);
  }
  const missing = readers.some((s) => !durables.some((d) => d.startsWith(`${s}-`)));
  return missing ? 0 : floor;
}
