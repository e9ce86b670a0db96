import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AppError } from "@tenantlens/contracts";
import { startNats, stopAll } from "@tenantlens/testkit";
import type { Bus } from "./bus.js";
import { testBus, testContracts } from "./testing.js";

let bus: Bus;
const c = testContracts("big");

before(async () => {
  const nats = await startNats({ maxPayload: 4096 });
  bus = await testBus(nats.client(), c);
  await bus.ensureStreams();
});
after(async () => {
  await bus.drain();
  await stopAll();
});

test("reads max_payload from the server", () => {
  assert.equal(bus.maxPayload(), 4096);
});

test("an event above max_payload is refused before it is sent", async () => {
  await bus.publish(c.Noted, { id: "small", text: "x".repeat(3000) });
  await assert.rejects(
    bus.publish(c.Noted, { id: "large", text: "x".repeat(4096) }),
    (err: unknown) =>
      err instanceof AppError && err.code === "payload_too_large" && /split it/.test(err.message),
  );
  assert.equal((await bus.jsm.streams.info(c.stream.name)).state.messages, 1);
});

test("a reply above max_payload becomes a payload_too_large error reply", async () => {
  bus.serve(c.Echo, async (req) => ({ text: req.text.repeat(2000) }));
  await bus.nc.flush();
  await assert.rejects(bus.request(c.Echo, { text: "abc", mode: "big" }), { code: "payload_too_large" });
  await assert.rejects(bus.request(c.Echo, { text: "x".repeat(5000), mode: "ok" }), {
    code: "payload_too_large",
  });
});
