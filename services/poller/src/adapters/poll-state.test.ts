import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import { connectTestBus, type NatsServer, startNats, waitFor } from "@tenantlens/testkit";
import { PollState, PROGRESS_BUCKET, PROGRESS_MAX_AGE_SECONDS } from "./poll-state.js";

/**
 * `tl_poll_progress` is bounded: every poll removes its resources' entries when it closes, and each
 * removal leaves a purge marker in the bucket's stream. Real nats-server (2.9 here: no per-marker
 * TTL), connected as the poller with its derived permissions.
 */
describe("poll progress bucket", { timeout: 120_000 }, () => {
  let nats: NatsServer;
  const buses: Bus[] = [];
  const connect = async () => {
    const bus = await connectTestBus(nats, { service: "poller", label: "poll-state-test", level: "warn" });
    buses.push(bus);
    return bus;
  };
  const stream = `KV_${PROGRESS_BUCKET}`;

  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    for (const b of buses) await b.drain().catch(() => {});
    await nats?.stop();
  });

  it("gives a bucket created without a max age its max age (an upgraded deployment)", async () => {
    const old = await connect();
    await old.kv(PROGRESS_BUCKET);
    assert.equal((await old.jsm.streams.info(stream)).config.max_age, 0, "created unbounded");
    const bus = await connect();
    await PollState.open(bus);
    const info = await bus.jsm.streams.info(stream);
    assert.equal(info.config.max_age, PROGRESS_MAX_AGE_SECONDS * 1e9);
    // Opening again changes nothing.
    await PollState.open(await connect());
    assert.equal((await bus.jsm.streams.info(stream)).config.max_age, PROGRESS_MAX_AGE_SECONDS * 1e9);
  });

  it("drops the purge markers of closed polls after the max age", async () => {
    const bus = await connect();
    // A short max age, so that the test sees the server remove what the default removes after days.
    const state = await PollState.open(bus, { progressMaxAgeSeconds: 2 });
    const key = state.progressKey("poll-1", "users");
    await state.progress.put(key, {
      state: "done",
      attempts: 1,
      mode: "full",
      nextUrl: null,
      resyncs: 0,
      streams: [{ resource: "users", page: 3, objectCount: 60, removedCount: 0 }],
      estimate: null,
      cost: { requests: 3, throttled: 0, retries: 0, bytes: 100, units: 3, durationMs: 10 },
    });
    await state.progress.remove(key);
    // The entry is gone at once; its purge marker stays a message of the stream until the max age.
    assert.equal(await state.progress.get(key), null);
    const marker = await bus.jsm.streams.info(stream, { subjects_filter: ">" });
    assert.equal(marker.state.messages, 1, "one purge marker");
    await waitFor(async () => (await bus.jsm.streams.info(stream)).state.messages === 0, {
      what: "the purge marker to age out",
      timeoutMs: 30_000,
      intervalMs: 200,
    });
  });
});
