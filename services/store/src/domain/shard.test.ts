import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allEvents } from "@tenantlens/contracts";
import { owns, parseShard, shardName, shardOf, workspaceOf } from "./shard.js";

describe("store shards", () => {
  it("parses index/count and refuses the rest", () => {
    assert.deepEqual(parseShard("1/4"), { index: 1, count: 4 });
    for (const bad of ["4/4", "1", "a/2", "0/0", "-1/2"]) assert.throws(() => parseShard(bad), bad);
  });

  it("gives every workspace exactly one shard, spread over all of them", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const ws = `ws-${i}`;
      const owners = [0, 1, 2].filter((index) => owns({ index, count: 3 }, ws));
      assert.equal(owners.length, 1, ws);
      assert.equal(owners[0], shardOf(ws, 3));
      seen.add(shardOf(ws, 3));
    }
    assert.deepEqual([...seen].sort(), [0, 1, 2]);
    assert.equal(shardName({ index: 0, count: 1 }, "store-collect"), "store-collect");
    assert.equal(shardName({ index: 1, count: 2 }, "store-collect"), "store-collect-s1of2");
  });

  it("finds the workspace of every event the store consumes, top-level or in the object it carries", () => {
    assert.equal(workspaceOf({ workspaceId: "a" }), "a");
    assert.equal(workspaceOf({ change: "created", integration: { id: "i", workspaceId: "b" } }), "b");
    assert.equal(workspaceOf({ nothing: 1 }), undefined);
    for (const e of allEvents.filter((x) => x.consumers?.includes("store"))) {
      const shape = (e.schema as unknown as { shape: Record<string, { shape?: Record<string, unknown> }> })
        .shape;
      const found =
        "workspaceId" in shape ||
        Object.values(shape).some((f) => f.shape !== undefined && "workspaceId" in f.shape);
      assert.ok(found, `${e.subject}: the store's shards need its workspace`);
    }
  });
});
