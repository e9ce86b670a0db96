import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { cleanup, tempDir } from "@tenantlens/testkit";
import { type GenerationSpec, type HardenedInstance, openHardenedInstance } from "./hardened-instance.js";
import { InstanceCache } from "./instance-cache.js";

/** Real (empty) hardened instances that record when they close. */
function recordingOpen(closed: string[]) {
  const limits = {
    threads: 1,
    memoryLimit: "64MB",
    maxTempDirectorySize: "64MB",
    tempRoot: tempDir("tl-query-cache"),
  };
  return async (spec: GenerationSpec): Promise<HardenedInstance> => {
    const h = await openHardenedInstance(spec, limits);
    return {
      ...h,
      close: async () => {
        closed.push(`${spec.workspaceId}#${spec.generationId}`);
        await h.close();
      },
    };
  };
}

const spec = (workspaceId: string, generationId: number): GenerationSpec => ({
  workspaceId,
  generationId,
  tables: [],
});
const tick = () => new Promise((r) => setImmediate(r));

describe("instance cache", () => {
  after(cleanup);

  it("closes an older generation once its queries finish", async () => {
    const closed: string[] = [];
    const cache = new InstanceCache(recordingOpen(closed), 10);
    const old = await cache.acquire(spec("w", 1));
    const fresh = await cache.acquire(spec("w", 2));
    await tick();
    assert.deepEqual(closed, [], "generation 1 still has a running query");
    old.release();
    await tick();
    assert.deepEqual(closed, ["w#1"]);
    fresh.release();
    const again = await cache.acquire(spec("w", 2));
    assert.equal(again.instance, fresh.instance, "reused while current");
    again.release();
    await cache.closeAll();
    assert.deepEqual(closed, ["w#1", "w#2"]);
  });

  it("evicts idle instances beyond its size, least recently used first", async () => {
    const closed: string[] = [];
    const cache = new InstanceCache(recordingOpen(closed), 2);
    for (const ws of ["a", "b", "c"]) (await cache.acquire(spec(ws, 1))).release();
    await tick();
    assert.deepEqual(closed, ["a#1"]);
    assert.equal(cache.size, 2);
    await cache.closeAll();
  });

  it("does not cache a failed open", async () => {
    let fail = true;
    const cache = new InstanceCache(async (s) => {
      if (fail) throw new Error("file gone");
      return recordingOpen([])(s);
    }, 2);
    await assert.rejects(cache.acquire(spec("w", 1)), /file gone/);
    fail = false;
    (await cache.acquire(spec("w", 1))).release();
    await cache.closeAll();
  });
});
