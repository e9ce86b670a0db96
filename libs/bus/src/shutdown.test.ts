import assert from "node:assert/strict";
import path from "node:path";
import { after, test } from "node:test";
import { startNats, startService, stopAll, waitFor } from "@tenantlens/testkit";
import { testBus, testContracts } from "./testing.js";

after(stopAll);

test("SIGTERM drains: the in-flight handler finishes, is acked, and the process exits 0", async () => {
  const nats = await startNats();
  const c = testContracts("signal");
  const svc = await startService(
    "signal-fixture",
    { ...nats.env("test"), TAG: "signal" },
    { entry: path.join("libs", "bus", "src", "fixtures", "signal-service.ts") },
  );
  const bus = await testBus(nats.client(), c);
  try {
    await bus.publish(c.Noted, { id: "n1", text: "x" });
    await waitFor(() => svc.logs().includes('"msg":"handling"'), { what: "the handler to start" });
    assert.equal(await svc.stop(), 0, svc.logs());
    const logs = svc.logs();
    assert.ok(logs.indexOf('"msg":"handled"') < logs.indexOf('"msg":"stopped"'), logs);
    const info = await bus.jsm.consumers.info(c.stream.name, "signal");
    assert.equal(info.ack_floor.stream_seq, 1);
    assert.equal(info.num_ack_pending, 0);
  } finally {
    await bus.drain();
  }
});
