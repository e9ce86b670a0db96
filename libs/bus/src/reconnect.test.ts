import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createLogger } from "@tenantlens/telemetry";
import { startNats, stopAll, waitFor } from "@tenantlens/testkit";
import { connectBus } from "./bus.js";
import { on } from "./consume.js";
import { testContracts } from "./testing.js";

after(stopAll);

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
