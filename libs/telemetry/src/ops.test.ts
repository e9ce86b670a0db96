import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { LATENCY_BUCKETS_SECONDS, meter } from "./metrics.js";
import { startTelemetry } from "./sdk.js";

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

// Own file: the MeterProvider is process-wide.
test("the metrics port serves Prometheus text, /livez and a /readyz that follows the service's phase", async () => {
  const port = await freePort();
  const t = await startTelemetry("ops-test", { env: {}, metricsPort: port });
  try {
    assert.equal(t.enabled, false, "tracing stays off without an exporter");
    assert.equal(t.metricsUrl, `http://127.0.0.1:${port}`);
    const m = meter("ops-test");
    m.createCounter("tenantlens_things").add(3, { kind: "a" });
    m.createHistogram("tenantlens_wait_seconds", {
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_SECONDS },
    }).record(0.2);
    let pending = 7;
    m.createObservableGauge("tenantlens_pending").addCallback((r) => r.observe(pending));

    const text = await (await fetch(`${t.metricsUrl}/metrics`)).text();
    assert.match(text, /^tenantlens_things_total\{kind="a"\} 3$/m);
    assert.match(text, /^tenantlens_wait_seconds_bucket\{le="0.25"\} 1$/m);
    assert.match(text, /^tenantlens_wait_seconds_count 1$/m);
    assert.match(text, /^tenantlens_pending 7$/m);
    pending = 2;
    assert.match(await (await fetch(`${t.metricsUrl}/metrics`)).text(), /^tenantlens_pending 2$/m);

    assert.equal((await fetch(`${t.metricsUrl}/livez`)).status, 200);
    let natsUp = false;
    t.health.check("nats", () => natsUp);
    const notStarted = await fetch(`${t.metricsUrl}/readyz`);
    assert.equal(notStarted.status, 503);
    assert.equal(((await notStarted.json()) as { phase: string }).phase, "starting");
    t.health.started();
    const down = await fetch(`${t.metricsUrl}/readyz`);
    assert.equal(down.status, 503);
    assert.deepEqual(((await down.json()) as { checks: unknown }).checks, { nats: false });
    natsUp = true;
    assert.equal((await fetch(`${t.metricsUrl}/readyz`)).status, 200);
    t.health.check("broken", () => {
      throw new Error("boom");
    });
    assert.equal((await fetch(`${t.metricsUrl}/readyz`)).status, 503);
    t.health.check("broken", () => true);
    t.health.stopping();
    assert.equal((await fetch(`${t.metricsUrl}/readyz`)).status, 503);
    assert.equal((await fetch(`${t.metricsUrl}/nothing`)).status, 404);
  } finally {
    await t.shutdown();
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/livez`), "the port is closed after shutdown");
});
