import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SpanKind, trace } from "@opentelemetry/api";
import { type InMemoryTelemetry, startInMemoryTelemetry } from "@tenantlens/telemetry";
import { startNats, stopAll, waitFor } from "@tenantlens/testkit";
import type { Bus } from "./bus.js";
import { type MessageMeta, on } from "./consume.js";
import { testBus, testContracts } from "./testing.js";

// Own file: the in-memory SDK registers process-wide globals.
let telemetry: InMemoryTelemetry;
let bus: Bus;
const c = testContracts("trace");

before(async () => {
  telemetry = await startInMemoryTelemetry("trace-test");
  const nats = await startNats();
  bus = await testBus(nats.client(), c);
  await bus.ensureStreams();
});
after(async () => {
  await bus.drain();
  await telemetry.shutdown();
  await stopAll();
});

test("publish carries W3C trace context; the consumer's process span continues the trace", async () => {
  const metas: MessageMeta[] = [];
  const consumer = await bus.consume({
    durable: "trace",
    stream: c.stream.name,
    handlers: [
      on(c.Noted, async (_p, meta) => {
        metas.push(meta);
      }),
    ],
  });
  const tracer = trace.getTracer("test");
  const traceId = await tracer.startActiveSpan("caller", async (span) => {
    await bus.publish(c.Noted, { id: "t1", text: "hello" }, { headers: { "x-request-id": "req-1" } });
    span.end();
    return span.spanContext().traceId;
  });
  await waitFor(() => metas.length === 1, { what: "the traced message" });
  const meta = metas[0];
  assert.ok(meta);
  assert.match(meta.headers.traceparent ?? "", new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  assert.equal(meta.headers["x-request-id"], "req-1");
  await consumer.stop();

  await telemetry.flush();
  const spans = telemetry.spans();
  const publish = spans.find((s) => s.name === "publish trace.thing.noted");
  const process = spans.find((s) => s.name === "process trace.thing.noted");
  assert.ok(publish && process, `spans: ${spans.map((s) => s.name).join(", ")}`);
  assert.equal(publish.kind, SpanKind.PRODUCER);
  assert.equal(process.kind, SpanKind.CONSUMER);
  assert.equal(process.spanContext().traceId, traceId);
  assert.equal(process.links[0]?.context.spanId, publish.spanContext().spanId);
  assert.equal(process.attributes["messaging.consumer.group.name"], "trace");
  assert.equal(publish.attributes["messaging.system"], "nats");
  assert.equal(publish.attributes["messaging.operation.type"], "send");
  assert.equal(publish.attributes["messaging.destination.name"], "trace.thing.noted");
  assert.equal(process.attributes["messaging.operation.type"], "process");
});

test("request/serve carries the trace across the reply", async () => {
  bus.serve(c.Echo, async (req, meta) => ({ text: meta.headers.traceparent ? req.text : "no trace" }));
  await bus.nc.flush();
  const res = await trace.getTracer("test").startActiveSpan("caller", async (span) => {
    const r = await bus.request(c.Echo, { text: "traced", mode: "ok" });
    span.end();
    return r;
  });
  assert.deepEqual(res, { text: "traced" });
});
