import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { AckPolicy, jetstream } from "@nats-io/jetstream";
import { type Bus, connectBus } from "@tenantlens/bus";
import { createLogger } from "@tenantlens/telemetry";
import { type NatsServer, startNats, waitFor } from "@tenantlens/testkit";
import { collectPurger } from "./transport/collect-purge.js";

/** Bytes of the files under `dir`. */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return total;
}

const PAGE = new Uint8Array(200_000).fill(97);
const PAGES = 150;
const EVERY = 10; // a small poll event after every 10 pages, as resources end and polls complete

describe("committed collection pages leave TL_COLLECT, and so does their disk space", () => {
  let nats: NatsServer;
  let bus: Bus;
  /** The store's own connection: the purger runs with the store's derived permissions. */
  let storeBus: Bus;
  const log = createLogger("store", {}, { level: "warn" });

  before(async () => {
    nats = await startNats();
    bus = await connectBus({ ...nats.client("test"), service: "store", logger: log });
    await bus.ensureStreams();
    storeBus = await connectBus({ ...nats.client("store"), service: "store", logger: log });
  });
  after(async () => {
    await storeBus?.drain();
    await bus?.drain();
    await nats?.stop();
  });

  /** Publishes pages with a completed-poll event after every EVERY pages; returns the last sequence. */
  async function publishPoll(): Promise<number> {
    const js = jetstream(bus.nc);
    let last = 0;
    for (let i = 1; i <= PAGES; i++) {
      last = (await js.publish("poller.page.collected.i1", PAGE)).seq;
      if (i % EVERY === 0) last = (await js.publish("poller.poll.completed.i1", new Uint8Array(200))).seq;
    }
    return last;
  }
  const state = async () => (await bus.jsm.streams.info("TL_COLLECT")).state;
  const streamDisk = () => bytesUnder(path.join(nats.dir, "jetstream", "$G", "streams", "TL_COLLECT"));
  const purgeUpTo = async (seq: number) => {
    const purger = collectPurger({ jsm: storeBus.jsm, log, intervalMs: 100 });
    purger.committed(seq);
    await purger.stop();
  };

  it("keeps the poll events while a declared reader (the notifier) has no durable yet", async () => {
    const last = await publishPoll();
    await purgeUpTo(last);
    const s = await state();
    assert.equal(s.messages, PAGES / EVERY, "only the pages went");
    assert.ok(streamDisk() > (PAGES * PAGE.length) / 2, "so their blocks, and the bytes, stay on disk");
  });

  it("purges what every durable reader acknowledged, and the blocks' files go with it", async () => {
    const notifier = await bus.jsm.consumers.add("TL_COLLECT", {
      durable_name: "notifier-collect",
      filter_subject: "poller.poll.completed.>",
      ack_policy: AckPolicy.Explicit,
    });
    const last = await publishPoll();
    // Not acknowledged by the notifier yet: the events it still has to read stay.
    await purgeUpTo(last);
    assert.equal((await state()).messages, (2 * PAGES) / EVERY);
    // The notifier reads and acknowledges every completion.
    await ackAll(notifier.name, (2 * PAGES) / EVERY);
    await waitAcked(notifier.name, last);
    await purgeUpTo(last);
    assert.equal((await state()).messages, 0);
    // The server removes emptied blocks' files on its own time: wait for it (or fail after 30 s).
    await waitFor(() => streamDisk() < PAGE.length, {
      timeoutMs: 30_000,
      what: `TL_COLLECT's emptied blocks to leave the disk (${2 * PAGES * PAGE.length} bytes published)`,
    });
  });

  it("never purges past what the store committed, whatever the readers acknowledged", async () => {
    const before = (await state()).last_seq;
    const last = await publishPoll();
    await ackAll("notifier-collect", PAGES / EVERY);
    await waitAcked("notifier-collect", last);
    await purgeUpTo(before + 5);
    const s = await state();
    assert.equal(s.first_seq, before + 6);
    assert.equal(s.messages, last - before - 5);
  });

  async function ackAll(durable: string, count: number): Promise<void> {
    const consumer = await jetstream(bus.nc).consumers.get("TL_COLLECT", durable);
    const batch = await consumer.fetch({ max_messages: count, expires: 5_000 });
    for await (const m of batch) m.ack();
  }

  async function waitAcked(durable: string, upTo: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = await bus.jsm.consumers.info("TL_COLLECT", durable);
      if (c.num_ack_pending === 0 && c.ack_floor.stream_seq >= upTo - EVERY) return;
      if (Date.now() > deadline) throw new Error(`acks not seen: ${JSON.stringify(c.ack_floor)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
