import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type Chunk,
  chunkBudget,
  chunkPage,
  type GraphObject,
  OversizedObjectError,
  splitPage,
} from "./pages.js";

function user(i: number, pad = 0): GraphObject {
  return {
    id: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
    displayName: `User ${i}`,
    note: "x".repeat(pad),
  };
}

describe("splitPage", () => {
  it("separates live objects from @removed entries and skips entries without an id", () => {
    const s = splitPage([
      user(1),
      { id: "gone-1", "@removed": { reason: "deleted" } },
      { id: "soft-1", "@removed": { reason: "changed" } },
      { id: "odd-1", "@removed": {} },
      { displayName: "no id" },
      "junk",
    ]);
    assert.equal(s.objects.length, 1);
    assert.deepEqual(s.removed, [
      { id: "gone-1", reason: "deleted" },
      { id: "soft-1", reason: "changed" },
      { id: "odd-1", reason: "deleted" },
    ]);
    assert.equal(s.invalid, 2);
  });

  it("keeps annotations such as members@delta as Graph sent them", () => {
    const g = { id: "g1", "members@delta": [{ id: "u1" }] };
    assert.deepEqual(splitPage([g]).objects, [g]);
  });

  it("treats a missing value as an empty page", () => {
    assert.deepEqual(splitPage(undefined), { objects: [], removed: [], invalid: 0 });
  });
});

describe("chunkPage", () => {
  const envelope = { pollId: "poll_x", resource: "users", page: 0, chunk: 0, objects: [], removed: [] };

  it("returns one empty chunk for an empty page", () => {
    assert.deepEqual(chunkPage({ objects: [], removed: [] }, 1000), [{ objects: [], removed: [] }]);
  });

  it("keeps every chunk's serialized message under the limit and loses nothing", () => {
    const limit = 8_000;
    const objects = Array.from({ length: 300 }, (_, i) => user(i, i % 50));
    const removed = Array.from({ length: 40 }, (_, i) => ({ id: `r${i}`, reason: "deleted" as const }));
    const chunks = chunkPage({ objects, removed }, chunkBudget(limit, envelope));
    assert.ok(chunks.length > 3);
    for (const [i, c] of chunks.entries()) {
      const bytes = Buffer.byteLength(JSON.stringify({ ...envelope, chunk: i, ...c }));
      assert.ok(bytes <= limit - 1024, `chunk ${i} is ${bytes} bytes`);
    }
    assert.deepEqual(
      chunks.flatMap((c: Chunk) => c.objects),
      objects,
    );
    assert.deepEqual(
      chunks.flatMap((c: Chunk) => c.removed),
      removed,
    );
  });

  it("fills chunks rather than splitting needlessly", () => {
    const objects = Array.from({ length: 10 }, (_, i) => user(i));
    assert.equal(chunkPage({ objects, removed: [] }, 100_000).length, 1);
  });

  it("refuses an object that cannot fit in any message", () => {
    assert.throws(() => chunkPage({ objects: [user(1, 5000)], removed: [] }, 1000), OversizedObjectError);
  });

  it("counts multi-byte characters as bytes", () => {
    const objects = Array.from({ length: 20 }, (_, i) => ({ id: `u${i}`, displayName: "ü".repeat(100) }));
    const budget = 1000;
    for (const c of chunkPage({ objects, removed: [] }, budget)) {
      assert.ok(Buffer.byteLength(JSON.stringify(c.objects)) <= budget);
    }
  });
});
