import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson, changeId, contentHash } from "./hash.js";
import { changedFields, mergeDelta } from "./object-diff.js";
import { idsNeedingRaw, normalisePage, planPage, prepareObjects } from "./page-plan.js";

const origin = {
  integrationId: "int_aaaaaaaaaa",
  table: "azuread_user",
  pollId: "poll_bbbbbbbbbb",
  origin: "m1",
};
const none = new Set<string>();

describe("hashing and diffing", () => {
  it("hashes content without annotations; canonical JSON sorts keys", () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } }),
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    assert.equal(
      contentHash({ id: "1", a: 1, b: 2 }),
      contentHash({ id: "1", "@odata.type": "#x", a: 1, b: 2 }),
    );
    assert.notEqual(contentHash({ id: "1", a: 1 }), contentHash({ id: "1", a: 2 }));
  });

  it("lists changed top-level properties, absent = null, skipping annotations and volatile ones", () => {
    const before = { id: "1", a: 1, b: [1, 2], c: null, v: "x", "x@delta": [] };
    const after = { id: "1", a: 1, b: [2, 1], d: "new", v: "y", "x@delta": [1] };
    assert.deepEqual(changedFields(before, after, new Set(["v"])), ["b", "d"]);
  });

  it("overlays a delta object on the stored one", () => {
    assert.deepEqual(mergeDelta({ id: "1", a: 1, b: 2 }, { id: "1", b: 3, "@removed": { reason: "x" } }), {
      id: "1",
      a: 1,
      b: 3,
    });
  });

  it("makes deterministic change ids", () => {
    const parts = { ...origin, objectId: "o1", changeType: "added" };
    assert.equal(changeId(parts), changeId({ ...parts }));
    assert.notEqual(changeId(parts), changeId({ ...parts, origin: "m2" }));
  });
});

describe("planPage", () => {
  it("normalises a page: last copy wins, removal beats presence", () => {
    const p = normalisePage({
      mode: "full",
      objects: [{ id: "a", n: 1 }, { id: "b" }, { id: "a", n: 2 }, { id: "c" }],
      removed: [{ id: "c" }, { id: "c" }],
    });
    assert.deepEqual(p.objects, [{ id: "b" }, { id: "a", n: 2 }]);
    assert.deepEqual(p.removedIds, ["c"]);
  });

  it("asks for stored _raw only where a diff needs it", () => {
    const a = { id: "a", n: 1 };
    const hashes = new Map([
      ["a", contentHash(a)],
      ["b", "old"],
    ]);
    const objects = prepareObjects([a, { id: "b" }, { id: "new" }]);
    assert.deepEqual(idsNeedingRaw("full", objects, hashes), ["b"]);
    assert.deepEqual(idsNeedingRaw("delta", objects, hashes), ["a", "b"]);
  });

  it("rewrites without a change row when only the key order differs", () => {
    const stored = { id: "k", a: 1, b: 2 };
    const plan = planPage(
      { mode: "full", objects: prepareObjects([{ b: 2, id: "k", a: 1 }]), removedIds: [] },
      new Map([["k", { hash: contentHash(stored), raw: stored }]]),
      none,
      origin,
    );
    assert.deepEqual(
      plan.objects.map((o) => o.op),
      ["refresh"],
    );
  });

  it("classifies every object", () => {
    const same = { id: "same", n: 1 };
    const existing = new Map([
      ["same", { hash: contentHash(same) }],
      ["mod", { hash: "h1", raw: { id: "mod", n: 1 } }],
      ["vol", { hash: "h2", raw: { id: "vol", t: "1" } }],
      ["gone", { hash: "h3" }],
    ]);
    const plan = planPage(
      {
        mode: "full",
        objects: prepareObjects([same, { id: "mod", n: 2 }, { id: "vol", t: "2" }, { id: "new" }]),
        removedIds: ["gone", "unknown"],
      },
      existing,
      new Set(["t"]),
      origin,
    );
    assert.deepEqual(
      plan.objects.map((o) => [o.id, o.op, o.fields]),
      [
        ["same", "seen", null],
        ["mod", "modified", ["n"]],
        ["vol", "refresh", null],
        ["new", "added", null],
        ["gone", "removed", null],
      ],
    );
    assert.deepEqual(plan.counts, { added: 1, modified: 1, removed: 1 });
    assert.equal(plan.objects.find((o) => o.id === "mod")?.raw, '{"id":"mod","n":2}');
    assert.ok(
      plan.objects.filter((o) => ["added", "modified", "removed"].includes(o.op)).every((o) => o.changeId),
    );
  });

  it("merges delta objects before comparing", () => {
    const stored = { id: "u", a: 1, b: 2 };
    const plan = planPage(
      {
        mode: "delta",
        objects: prepareObjects([
          { id: "u", b: 2 },
          { id: "w", a: 9 },
        ]),
        removedIds: [],
      },
      new Map([
        ["u", { hash: contentHash(stored), raw: stored }],
        ["w", { hash: contentHash({ id: "w", a: 1, b: 1 }), raw: { id: "w", a: 1, b: 1 } }],
      ]),
      none,
      origin,
    );
    assert.deepEqual(
      plan.objects.map((o) => [o.id, o.op, o.fields, o.raw]),
      [
        ["u", "seen", null, null],
        ["w", "modified", ["a"], '{"id":"w","a":9,"b":1}'],
      ],
    );
  });

  it("refuses to guess when the stored _raw is missing", () => {
    assert.throws(() =>
      planPage(
        { mode: "full", objects: prepareObjects([{ id: "x", n: 2 }]), removedIds: [] },
        new Map([["x", { hash: "h" }]]),
        none,
        origin,
      ),
    );
  });
});
