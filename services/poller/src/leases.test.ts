import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import { createLogger } from "@tenantlens/telemetry";
import { connectTestBus, type NatsServer, startNats, waitFor } from "@tenantlens/testkit";
import { Leases } from "./adapters/leases.js";
import { PollState } from "./adapters/poll-state.js";
import { TenantGate } from "./adapters/tenant-gate.js";

const log = createLogger("leases-test", {}, { level: "silent" });

/** Leases and shared poll state on a real nats-server 2.9 (JetStream KV with a bucket max age). */
describe("leases and shared state", { timeout: 120_000 }, () => {
  let nats: NatsServer;
  let bus: Bus;
  before(async () => {
    nats = await startNats();
    bus = await connectTestBus(nats, { service: "poller", label: "leases-test" });
  });
  after(async () => {
    await bus?.drain();
    await nats?.stop();
  });

  it("gives a lease to one holder at a time, keeps it while renewed, and frees it when released", async () => {
    const a = await Leases.open(bus, "a", 2, log);
    const b = await Leases.open(bus, "b", 2, log);
    const held = await a.tryAcquire("int_x.users");
    assert.ok(held);
    assert.equal(await b.tryAcquire("int_x.users"), null);
    // Renewed every ttl/3: still ours after more than a TTL.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(held.lost.aborted, false);
    assert.equal(await b.tryAcquire("int_x.users"), null);
    await held.release();
    const taken = await b.tryAcquire("int_x.users");
    assert.ok(taken, "a released lease is free at once");
    await taken.release();
  });

  it("frees the lease of a holder that stopped renewing once the TTL has passed, and tells that holder", async () => {
    const a = await Leases.open(bus, "a", 2, log);
    const b = await Leases.open(bus, "b", 2, log);
    const held = await a.tryAcquire("int_y.users");
    assert.ok(held);
    // A holder that went silent (process frozen or killed): its renewals stop.
    (held as unknown as { stopTimer(): void }).stopTimer();
    const taken = await waitFor(() => b.tryAcquire("int_y.users").then((l) => l ?? undefined), {
      what: "the expired lease",
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    // The old holder finds out at its next renewal attempt.
    await (held as unknown as { renew(): Promise<void> }).renew();
    assert.equal(held.lost.aborted, true);
    await taken.release();
  });

  it("hands out numbered slots up to their count", async () => {
    const a = await Leases.open(bus, "a", 2, log);
    const slots = [];
    for (let k = 0; k < 3; k++) slots.push(await a.tryAcquireOneOf("int_z.slot", 3));
    assert.ok(slots.every((s) => s !== null));
    assert.equal(await a.tryAcquireOneOf("int_z.slot", 3), null);
    await slots[1]?.release();
    const again = await a.tryAcquireOneOf("int_z.slot", 3);
    assert.equal(again?.key, "int_z.slot.1");
    for (const s of [...slots, again]) await s?.release();
  });

  it("lends spare slots but never the last free one, so another poller's read always finds one", async () => {
    const a = await Leases.open(bus, "a", 2, log);
    const b = await Leases.open(bus, "b", 2, log);
    // Poller a reads one resource (its slot) and borrows for one per-parent read.
    const own = await a.tryAcquireOneOf("int_w.slot", 3);
    const borrowed = await a.tryAcquireSpare("int_w.slot", 3);
    assert.ok(own && borrowed);
    assert.equal(await a.tryAcquireSpare("int_w.slot", 3), null, "one slot left: not lent");
    // Poller b's resource takes the slot the borrower left.
    const other = await b.tryAcquireOneOf("int_w.slot", 3);
    assert.ok(other, "the last slot stayed free for another poller");
    // A borrowed slot given back is not borrowed again while it is the only free one.
    await borrowed.release();
    assert.equal(await a.tryAcquireSpare("int_w.slot", 3), null);
    const next = await b.tryAcquireOneOf("int_w.slot", 3);
    assert.ok(next);
    for (const s of [own, other, next]) await s.release();
  });

  it("changes shared state only by compare-and-set", async () => {
    const state = await PollState.open(bus);
    const key = "int_casabcdef";
    const base = {
      integration: {
        id: "int_casabcdef",
        workspaceId: "default",
        name: "cas",
        tenantId: "11111111-1111-4111-8111-111111111111",
        authMode: "app" as const,
        clientId: "22222222-2222-4222-8222-222222222222",
        status: "active" as const,
        statusReason: null,
        enabled: true,
        createdAt: "2024-01-01T00:00:00.000Z",
        updatedAt: "2024-01-01T00:00:00.000Z",
      },
      runningPollId: null,
      dueAt: {},
      lastFullAt: null,
      fullRequired: false,
      counts: {},
    };
    assert.equal(await state.schedule.set(key, base, null), true);
    assert.equal(await state.schedule.set(key, base, null), false, "create finds the key there");
    const cur = await state.schedule.get(key);
    assert.ok(cur);
    assert.equal(await state.schedule.set(key, { ...base, lastFullAt: 1 }, cur.revision), true);
    assert.equal(
      await state.schedule.set(key, { ...base, lastFullAt: 2 }, cur.revision),
      false,
      "stale revision",
    );
    // Concurrent read-modify-write loses no update.
    await Promise.all(
      Array.from({ length: 8 }, () =>
        state.schedule.update(key, (s) => (s ? { ...s, lastFullAt: (s.lastFullAt ?? 0) + 1 } : undefined)),
      ),
    );
    assert.equal((await state.schedule.get(key))?.value.lastFullAt, 9);
  });
});

describe("TenantGate", () => {
  it("holds every request until the wait is up, then lets the refused request go first, one at a time", async () => {
    const gate = new TenantGate();
    const order: string[] = [];
    gate.block(150);
    const ticket = gate.reserve();
    const t0 = Date.now();
    const other = gate.enter().then((turn) => {
      order.push(`other ${Date.now() - t0 >= 140}`);
      turn.done(false);
    });
    const retry = gate.enter(undefined, ticket).then(async (turn) => {
      order.push(`retry ${Date.now() - t0 >= 140}`);
      await new Promise((r) => setTimeout(r, 30));
      order.push("retry answered");
      turn.done(false);
    });
    await Promise.all([other, retry]);
    assert.deepEqual(order, ["retry true", "retry answered", "other true"]);
    // Recovered: requests go at once and together.
    const turns = await Promise.all([gate.enter(), gate.enter()]);
    for (const t of turns) t.done(false);
  });

  it("a throttled probe keeps the others waiting; a cancelled reservation does not block anyone", async () => {
    const gate = new TenantGate();
    gate.block(10);
    const probe = await gate.enter();
    let second = false;
    const next = gate.enter().then((t) => {
      second = true;
      return t;
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(second, false, "one request at a time while recovering");
    gate.block(20);
    probe.done(true);
    (await next).done(false);
    assert.equal(second, true);
    const ticket = gate.reserve();
    gate.block(5);
    gate.cancel(ticket);
    const t = await Promise.race([gate.enter(), new Promise<null>((r) => setTimeout(() => r(null), 2_000))]);
    assert.ok(t, "the cancelled ticket no longer heads the line");
    t.done(false);
  });
});
