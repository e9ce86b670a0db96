import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Generation } from "@tenantlens/contracts";
import { createLogger } from "@tenantlens/telemetry";
import { GenerationTracker } from "./generations.js";
import { LeaseKeeper, readerIdFrom } from "./leases.js";

const gen = (workspaceId: string, generationId: number): Generation => ({
  workspaceId,
  generationId,
  manifestPath: `/data/generations/${workspaceId}/${generationId}/manifest.json`,
  committedAt: "2025-01-01T00:00:00Z",
  pollIds: [],
  tables: [],
});

describe("generation tracker", () => {
  it("asks the store once, then follows newer events only", async () => {
    let asked = 0;
    const swaps: number[] = [];
    const t = new GenerationTracker({
      fetch: async () => {
        asked++;
        return gen("w", 2);
      },
      recheckMs: 0,
      onSwap: (_ws, g) => swaps.push(g.generationId),
    });
    const [a, b] = await Promise.all([t.current("w"), t.current("w")]);
    assert.equal(a?.generationId, 2);
    assert.equal(b?.generationId, 2);
    assert.equal(asked, 1);
    t.offer(gen("w", 1)); // late or replayed: ignored
    assert.equal((await t.current("w"))?.generationId, 2);
    t.offer(gen("w", 3));
    assert.equal((await t.current("w"))?.generationId, 3);
    assert.deepEqual(swaps, [3]);
    assert.equal(asked, 1);
  });

  it("rechecks a stale answer and keeps the known one when the store is down", async () => {
    let now = 0;
    let answer: Generation | null = null;
    let down = false;
    const t = new GenerationTracker({
      fetch: async () => {
        if (down) throw new Error("no responders");
        return answer;
      },
      recheckMs: 1_000,
      now: () => now,
    });
    assert.equal(await t.current("w"), null);
    answer = gen("w", 1);
    now = 500;
    assert.equal(await t.current("w"), null);
    now = 1_600;
    assert.equal((await t.current("w"))?.generationId, 1);
    down = true;
    now = 5_000;
    assert.equal((await t.current("w"))?.generationId, 1);
    await assert.rejects(t.current("other"), /no responders/);
  });
});

describe("generation tracker: pinned generations", () => {
  it("answers a number from the current one, the ones announced, then the store", async () => {
    const asked: number[] = [];
    const t = new GenerationTracker({
      fetch: async () => gen("w", 5),
      fetchById: async (_ws, id) => {
        asked.push(id);
        return id === 2 ? gen("w", 2) : null;
      },
      recheckMs: 0,
    });
    await t.current("w");
    assert.equal((await t.byId("w", 5))?.generationId, 5);
    t.offer(gen("w", 6));
    assert.equal((await t.byId("w", 5))?.generationId, 5, "remembered after the swap");
    assert.equal((await t.byId("w", 6))?.generationId, 6);
    assert.equal((await t.byId("w", 2))?.generationId, 2);
    assert.equal(await t.byId("w", 3), null);
    assert.deepEqual(asked, [2, 3]);
    for (let i = 10; i < 30; i++) t.offer(gen("w", i));
    assert.equal(await t.byId("w", 5), null, "old ones are forgotten and asked for again");
  });
});

describe("lease keeper", () => {
  it("leases the oldest generation still in use", async () => {
    const puts: Array<[string, string]> = [];
    const deleted: string[] = [];
    const k = new LeaseKeeper(
      {
        put: async (key, value) => {
          puts.push([key, value]);
          return puts.length;
        },
        delete: async (key) => {
          deleted.push(key);
        },
      },
      "reader-1",
      createLogger("t", {}, { level: "silent" }),
    );
    k.setCurrent("w", 0);
    assert.equal(k.leased("w"), null);
    k.setCurrent("w", 4);
    const done = k.use("w", 4);
    k.setCurrent("w", 5); // new generation while a query still reads 4
    assert.equal(k.leased("w"), 4);
    done();
    assert.equal(k.leased("w"), 5);
    await k.flush(true);
    assert.deepEqual(puts.at(-1), ["w.reader-1", "5"]);
    assert.ok(puts.some(([, v]) => v === "4"));
    await k.stop();
    assert.deepEqual(deleted, ["w.reader-1"]);
    assert.equal(readerIdFrom("host.example:123"), "host-example-123");
  });
});
