import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bus, KV } from "@tenantlens/bus";
import { Operation } from "@tenantlens/contracts";
import { connectTestBus, type NatsServer, startNats } from "@tenantlens/testkit";
import { OPERATIONS_BUCKET, OperationStore } from "./operation-store.js";

const encoder = new TextEncoder();

function operation(workspaceId: string, n: number, status: Operation["status"] = "running"): Operation {
  return Operation.parse({
    id: `op_${String(n).padStart(24, "0")}`,
    workspaceId,
    integrationId: "int_abcdefgh12345678",
    requestId: `request-${n}-abcdef`,
    actor: "key-1",
    kind: "disable_user",
    input: { userId: "u1" },
    dryRun: false,
    status,
    summary: "",
    targetUserId: null,
    steps: [],
    startedAt: new Date().toISOString(),
    finishedAt: null,
  });
}

async function keys(kv: KV, filter = ">"): Promise<string[]> {
  return (await kv.list(filter)).sort();
}

describe("operation store: running operations by marker", () => {
  let nats: NatsServer;
  let bus: Bus;
  let kv: KV;

  before(async () => {
    nats = await startNats();
    bus = await connectTestBus(nats, { service: "provisioner", label: "operation-store-test" });
    kv = await bus.kv(OPERATIONS_BUCKET);
  });

  after(async () => {
    await bus.drain();
    await nats.stop();
  });

  it("finds running operations through their markers and drops the marker when they finish", async () => {
    const store = new OperationStore(kv);
    const a = operation("alpha", 1);
    const b = operation("beta", 2);
    assert.equal(await store.claim(a, "fa"), true);
    assert.equal(await store.claim(b, "fb"), true);
    assert.equal(await store.claim(a, "fa"), false, "the same id twice is refused");
    assert.deepEqual((await store.running()).map((r) => r.key).sort(), [`alpha.${a.id}`, `beta.${b.id}`]);

    await store.save({ ...a, status: "succeeded", finishedAt: new Date().toISOString() }, "fa");
    const running = await store.running();
    assert.deepEqual(
      running.map((r) => r.key),
      [`beta.${b.id}`],
    );
    assert.deepEqual(await keys(kv, "_running.>"), [`_running.beta.${b.id}`]);

    // Closing by compare-and-set (the sweep) drops the marker too; a stale revision changes nothing.
    const [rb] = running;
    assert.ok(rb);
    const closed = { ...b, status: "interrupted" as const, finishedAt: new Date().toISOString() };
    assert.equal(await store.replace(rb.key, rb.revision + 5, closed, "fb"), false);
    assert.equal(await store.replace(rb.key, rb.revision, closed, "fb"), true);
    assert.deepEqual(await store.running(), []);
    assert.deepEqual(await keys(kv, "_running.>"), []);
    // The workspace's list never shows markers.
    assert.deepEqual(
      (await store.list("beta")).map((o) => o.status),
      ["interrupted"],
    );
  });

  it("marks running records written before markers existed, and purges a workspace's markers", async () => {
    const old = operation("gamma", 3);
    await kv.put(`gamma.${old.id}`, encoder.encode(JSON.stringify({ operation: old, fingerprint: "f" })));
    const fresh = new OperationStore(kv); // a new process: its first look scans every record once
    assert.deepEqual(
      (await fresh.running()).map((r) => r.key),
      [`gamma.${old.id}`],
    );
    assert.ok((await keys(kv, "_running.>")).includes(`_running.gamma.${old.id}`));

    assert.equal(await fresh.purge("gamma"), 1);
    assert.deepEqual(await keys(kv, "gamma.>"), []);
    assert.deepEqual(await keys(kv, "_running.gamma.>"), []);
  });

  it("keeps a marker whose record is not written yet, so a claim in progress is never lost", async () => {
    const store = new OperationStore(kv);
    await kv.put("_running.delta.op_pending", new Uint8Array());
    assert.deepEqual(await store.running(), []);
    assert.deepEqual(await keys(kv, "_running.delta.>"), ["_running.delta.op_pending"]);
  });
});
