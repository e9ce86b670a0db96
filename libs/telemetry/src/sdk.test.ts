import assert from "node:assert/strict";
import { test } from "node:test";
import { trace } from "@opentelemetry/api";
import { startTelemetry } from "./sdk.js";
import { startInMemoryTelemetry } from "./testing.js";
import { tracer } from "./tracer.js";

// One file, one process: the "off" checks must run before the SDK registers its globals.
test("telemetry is off when no OTEL exporter is configured", async () => {
  const t = await startTelemetry("svc", { env: {} });
  assert.equal(t.enabled, false);
  const span = tracer("svc").startSpan("nothing");
  assert.equal(span.isRecording(), false);
  span.end();
  await t.shutdown();
});

test("OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none keep it off", async () => {
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1", OTEL_SDK_DISABLED: "true" };
  assert.equal((await startTelemetry("svc", { env })).enabled, false);
  assert.equal((await startTelemetry("svc", { env: { OTEL_TRACES_EXPORTER: "none" } })).enabled, false);
});

test("with an in-memory exporter a span is recorded with the service name", async () => {
  const mem = await startInMemoryTelemetry("svc-mem");
  try {
    await tracer("svc-mem").startActiveSpan("work it", async (span) => {
      assert.equal(trace.getActiveSpan(), span);
      span.end();
    });
    await mem.flush();
    const spans = mem.spans();
    assert.equal(spans.length, 1);
    assert.equal(spans[0]?.name, "work it");
    assert.equal(spans[0]?.resource.attributes["service.name"], "svc-mem");
  } finally {
    await mem.shutdown();
  }
});
