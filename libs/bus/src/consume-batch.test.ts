import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type NatsServer, startNats, stopAll, waitFor } from "@tenantlens/testkit";
import type { Bus } from "./bus.js";
import { type DeadMessage, on } from "./consume.js";
import { testBus, testContracts } from "./testing.js";

let nats: NatsServer;
const buses: Bus[] = [];

before(async () => {
  nats = await startNats();
});
after(async () => {
  await Promise.all(buses.map((b) => b.drain().catch(() => {})));
  await stopAll();
});

async function setup(tag: string) {
  const c = testContracts(tag);
  const bus = await testBus(nats.client(), c);
  buses.push(bus);
  await bus.ensureStreams();
  return { c, bus };
}

/**
 * A unit that behaves like a transaction: what its handlers "wrote" becomes visible only when the
 * whole unit resolves, and nothing of a unit that threw.
 */
function transactional() {
  const committed: number[] = [];
  const units: number[][] = [];
  let open: number[] | undefined;
  return {
    committed,
    units,
    write(n: number) {
      if (!open) throw new Error("handler ran outside a unit");
      open.push(n);
    },
    async unit<T>(fn: () => Promise<T>): Promise<T> {
      open = [];
      try {
        const r = await fn();
        committed.push(...open);
        units.push(open);
        return r;
      } finally {
        open = undefined;
      }
    },
  };
}

/** Publishes `Happened` events numbered `from`, `from + 1`, … one after another (ids `<prefix><n>`). */
function publishNumbered(
  bus: Bus,
  c: ReturnType<typeof testContracts>,
  prefix: string,
  from: number,
  count: number,
) {
  const payloads = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${from + i}`,
    group: "g",
    n: from + i,
  }));
  return bus.publishMany(c.Happened, payloads, { concurrency: 1 });
}

describe("ordered consumer with batches", () => {
  test("applies waiting messages together, in stream order, each once", async () => {
    const { c, bus } = await setup("batchok");
    await publishNumbered(bus, c, "b", 1, 20);
    const tx = transactional();
    const consumer = await bus.consume({
      durable: "batchok",
      stream: c.stream.name,
      ordered: true,
      batch: { maxMessages: 8, unit: (fn) => tx.unit(fn) },
      handlers: [on(c.Happened, async (p) => tx.write(p.n))],
    });
    const info = await waitFor(
      async () => {
        const i = await consumer.info();
        return i.ack_floor.stream_seq === 20 && i.num_ack_pending === 0 ? i : undefined;
      },
      { what: "all 20 acknowledged", timeoutMs: 60_000 },
    );
    assert.equal(info.config.max_ack_pending, 8);
    assert.deepEqual(
      tx.committed,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    // Everything was stored before the consumer started: units of more than one message.
    assert.ok(tx.units.length < 20, `units: ${JSON.stringify(tx.units)}`);
    assert.ok(
      tx.units.every((u) => u.length <= 8),
      `at most maxMessages per unit: ${JSON.stringify(tx.units)}`,
    );
    await consumer.stop();
  });

  test("a failing message: its unit is rolled back, the rest applies alone, order holds, then it is dead-lettered", async () => {
    const { c, bus } = await setup("batchbad");
    await publishNumbered(bus, c, "x", 1, 6);
    const tx = transactional();
    const attempts: number[] = [];
    const dead: DeadMessage[] = [];
    const consumer = await bus.consume({
      durable: "batchbad",
      stream: c.stream.name,
      ordered: true,
      batch: { maxMessages: 6, unit: (fn) => tx.unit(fn) },
      deadLetter: {
        maxDeliveries: 2,
        handle: async (d) => {
          dead.push(d);
        },
      },
      handlers: [
        on(c.Happened, async (p, meta) => {
          if (p.n === 3) {
            attempts.push(meta.deliveryCount);
            throw new Error("never applies");
          }
          tx.write(p.n);
        }),
      ],
    });
    await waitFor(
      async () => {
        const i = await consumer.info();
        return i.ack_floor.stream_seq === 6 && i.num_ack_pending === 0 ? i : undefined;
      },
      { what: "all 6 settled", timeoutMs: 60_000 },
    );
    // Nothing of the failed unit stayed; 1 and 2 committed before 3 was given up, 4–6 after.
    assert.deepEqual(tx.committed, [1, 2, 4, 5, 6]);
    assert.equal(dead.length, 1);
    assert.equal(dead[0]?.meta.streamSeq, 3);
    assert.match(dead[0]?.reason ?? "", /failed on 2 deliveries; last error: never applies/);
    // Once inside the batch, then alone on attempts 1 and 2 (the second after a 1 s pause).
    assert.deepEqual(attempts, [1, 1, 2]);
    await consumer.stop();
  });

  test("a successor takes over the messages a dead consumer held before any newer one", async () => {
    const { c, bus: first } = await setup("takeover");
    await publishNumbered(first, c, "t", 1, 5);
    // The first process takes the five waiting messages as one group and does not finish it
    // before it dies (released at the end, so its loop ends on the closed connection).
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await first.consume({
      durable: "takeover",
      stream: c.stream.name,
      ordered: true,
      ackWaitSeconds: 2,
      batch: {
        maxMessages: 16,
        unit: async (fn) => {
          await held;
          return fn();
        },
      },
      handlers: [on(c.Happened, async () => {})],
    });
    await waitFor(
      async () => (await first.jsm.consumers.info(c.stream.name, "takeover")).num_ack_pending === 5,
      {
        what: "five messages held by the first process",
      },
    );
    // It dies holding them (its connection goes; nothing is acknowledged or handed back).
    await first.nc.close();
    const second = await testBus(nats.client(), c);
    buses.push(second);
    await publishNumbered(second, c, "t", 6, 3);
    const seen: number[] = [];
    const deliveries: number[] = [];
    const consumer = await second.consume({
      durable: "takeover",
      stream: c.stream.name,
      ordered: true,
      ackWaitSeconds: 2,
      batch: { maxMessages: 16, unit: (fn) => fn() },
      handlers: [
        on(c.Happened, async (p, meta) => {
          seen.push(p.n);
          deliveries.push(meta.deliveryCount);
        }),
      ],
    });
    // The newest message applied: everything before it must have been applied first.
    try {
      await waitFor(() => seen.includes(8), { what: "the newest message applied", timeoutMs: 60_000 });
      assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8]);
      // The held ones came back as redeliveries: a message that killed its consumer is counted.
      assert.deepEqual(deliveries.slice(0, 5), [2, 2, 2, 2, 2]);
    } finally {
      release();
      await consumer.stop();
    }
  });
});
