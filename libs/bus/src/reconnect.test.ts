import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, test } from "node:test";
import { createLogger } from "@tenantlens/telemetry";
import { type NatsClusterNode, startNats, startNatsCluster, stopAll, waitFor } from "@tenantlens/testkit";
import { connectBus } from "./bus.js";
import { on } from "./consume.js";
import { testContracts } from "./testing.js";

after(stopAll);

/** A log destination that keeps every line written to it. */
function logLines() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

test("a consumer and a server survive a nats-server restart", async () => {
  const nats = await startNats();
  const c = testContracts("reconnect");
  const bus = await connectBus({
    ...nats.client(),
    service: "store",
    logger: createLogger("reconnect-test", {}, { level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    streams: c.streams,
    events: c.events,
  });
  try {
    await bus.ensureStreams();
    const seen: string[] = [];
    await bus.consume({
      durable: "reconnect",
      stream: c.stream.name,
      ordered: true,
      ackWaitSeconds: 2,
      handlers: [
        on(c.Noted, async (p) => {
          seen.push(p.id);
        }),
      ],
    });
    bus.serve(c.Echo, async (req) => ({ text: req.text }));
    await bus.publish(c.Noted, { id: "before", text: "" });
    // Kill only after the ack landed: an unconfirmed ack means a redelivery after ack_wait.
    await waitFor(
      async () => (await bus.jsm.consumers.info(c.stream.name, "reconnect")).ack_floor.stream_seq === 1,
      {
        what: "the first message acked",
      },
    );

    await nats.kill();
    await nats.restart();
    await waitFor(() => bus.status().connected, { what: "the bus to reconnect", timeoutMs: 20_000 });
    await waitFor(async () => (await bus.publish(c.Noted, { id: "after", text: "" })).seq > 0, {
      what: "a publish after the restart",
      timeoutMs: 20_000,
    });
    await waitFor(() => seen.includes("after"), { what: "the message after the restart", timeoutMs: 40_000 });
    // SIGKILL can lose the server's record of the ack (it syncs to disk lazily), so "before" may come
    // again: at-least-once, which is why sinks are idempotent. Order holds either way.
    assert.equal(seen[0], "before");
    assert.equal(seen.at(-1), "after");
    assert.ok(seen.every((s) => s === "before" || s === "after"));
    assert.deepEqual(await bus.request(c.Echo, { text: "still here", mode: "ok" }), { text: "still here" });
  } finally {
    await bus.drain();
  }
});

test("a publish and a KV write made while the server is down are retried and land once it is back", async () => {
  const nats = await startNats();
  const c = testContracts("outage");
  const { lines, destination } = logLines();
  const bus = await connectBus({
    ...nats.client(),
    service: "store",
    logger: createLogger("outage-test", {}, { level: "warn", destination }),
    streams: c.streams,
    events: c.events,
  });
  let down = false;
  try {
    await bus.ensureStreams();
    const kv = await bus.kv("outage");
    await nats.kill();
    down = true;
    const pending = bus.publish(c.Noted, { id: "during", text: "" });
    const written = kv.put("k", "during");
    // Awaited below; a rejection before then is the test's failure, not a crash.
    pending.catch(() => {});
    written.catch(() => {});
    // The first attempts went unanswered (the client's own 5 s timeout, the publish's and the
    // KV write's alike) and both go on trying.
    await waitFor(() => lines.some((l) => l.includes("retrying")), {
      what: "a failed first attempt",
      timeoutMs: 30_000,
    });
    await nats.restart();
    down = false;
    const ack = await pending;
    assert.equal(ack.duplicate, false);
    assert.equal((await bus.jsm.streams.info(c.stream.name)).state.messages, 1);
    await written;
    assert.equal((await kv.get("k"))?.string(), "during");
  } finally {
    if (down) await nats.restart(); // a drain waits for the server
    await bus.drain();
  }
});

test("a service starting while a cluster has no JetStream quorum sets up its stream, consumer and bucket once it is back", async () => {
  const cluster = await startNatsCluster({ size: 3 });
  const c = testContracts("quorum");
  const { lines, destination } = logLines();
  const [first, ...others] = cluster.nodes as [NatsClusterNode, ...NatsClusterNode[]];
  for (const n of others) await n.kill();
  const bus = await connectBus({
    ...cluster.client(),
    url: first.url,
    service: "store",
    logger: createLogger("quorum-test", {}, { level: "warn", destination }),
    streams: c.streams,
    events: c.events,
    replicas: 3,
  });
  try {
    const seen: string[] = [];
    const ready = (async () => {
      await bus.ensureStreams();
      await bus.consume({
        durable: "quorum",
        stream: c.stream.name,
        ordered: true,
        handlers: [on(c.Noted, async (p) => void seen.push(p.id))],
      });
      return bus.kv("quorum");
    })();
    ready.catch(() => {}); // awaited below
    // One server of three is no majority: JetStream's API answers 503 or nothing at all. A setup
    // that gives up on the first such answer rejects `ready` here.
    await Promise.race([
      ready,
      waitFor(() => lines.some((l) => l.includes("retrying")), {
        what: "a setup call JetStream could not take",
        timeoutMs: 30_000,
      }),
    ]);
    for (const n of others) await n.restart();
    const kv = await ready;
    assert.equal((await bus.jsm.streams.info(c.stream.name)).config.num_replicas, 3);
    await kv.put("k", "v");
    await bus.publish(c.Noted, { id: "after", text: "" });
    await waitFor(() => seen.includes("after"), { what: "the consumer's first message", timeoutMs: 30_000 });
  } finally {
    await bus.drain();
    await cluster.stop();
  }
});
