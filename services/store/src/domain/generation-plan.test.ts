import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planGc, planGenerationTables, type TableState } from "./generation-plan.js";

const st = (version: number, file: string, signature = "s"): TableState => ({
  version,
  signature,
  file,
  rows: 1,
});

describe("planGenerationTables", () => {
  const prev = { u: st(3, "/g1/u"), c: st(1, "/g1/c"), s: st(5, "/g1/s") };
  const now = [
    { name: "u", kind: "resource" as const, version: 4, signature: "s" },
    { name: "c", kind: "changes" as const, version: 1, signature: "s" },
    { name: "s", kind: "system" as const, version: 5, signature: "s2" },
    { name: "n", kind: "system" as const, version: 0, signature: "s" },
  ];

  it("writes what changed (data or shape) and reuses the rest", () => {
    assert.deepEqual(
      planGenerationTables(now, prev, true).map((a) => [a.name, a.action]),
      [
        ["u", "write"],
        ["c", "reuse"],
        ["s", "write"],
        ["n", "write"],
      ],
    );
  });

  it("writes collected tables empty in a first generation without a completed poll", () => {
    assert.deepEqual(
      planGenerationTables(now, null, false).map((a) => [a.name, a.action]),
      [
        ["u", "empty"],
        ["c", "empty"],
        ["s", "write"],
        ["n", "write"],
      ],
    );
    assert.deepEqual(
      planGenerationTables(now, null, true).map((a) => a.action),
      ["write", "write", "write", "write"],
    );
    // The placeholder's state (version -1) is rewritten by the next poll's generation only.
    const placeholder = { u: st(-1, "/g1/u"), c: st(-1, "/g1/c"), s: st(5, "/g1/s") };
    assert.deepEqual(
      planGenerationTables(now, placeholder, false).map((a) => [a.name, a.action]),
      [
        ["u", "reuse"],
        ["c", "reuse"],
        ["s", "write"],
        ["n", "write"],
      ],
    );
    assert.deepEqual(
      planGenerationTables(now, placeholder, true).map((a) => [a.name, a.action]),
      [
        ["u", "write"],
        ["c", "write"],
        ["s", "write"],
        ["n", "write"],
      ],
    );
  });

  it("leaves collected tables alone in a system-only generation", () => {
    assert.deepEqual(
      planGenerationTables(now, prev, false).map((a) => [a.name, a.action]),
      [
        ["u", "reuse"],
        ["c", "reuse"],
        ["s", "write"],
        ["n", "write"],
      ],
    );
  });

  it("writes everything the first time after a completed poll", () => {
    assert.ok(planGenerationTables(now, null, true).every((a) => a.action === "write"));
  });
});

describe("planGc", () => {
  const t = (min: number) => new Date(Date.UTC(2025, 0, 1, 0, min));
  const gens = [
    { generationId: 1, committedAt: t(0), files: ["/1/a", "/1/b"] },
    { generationId: 2, committedAt: t(1), files: ["/2/a", "/1/b"] },
    { generationId: 3, committedAt: t(2), files: ["/3/a", "/1/b"] },
    { generationId: 4, committedAt: t(3), files: ["/4/a", "/1/b"] },
  ];

  it("keeps the newest and the reused files", () => {
    const plan = planGc(gens, { keep: 2, leasedFrom: null, graceMs: 0, now: t(10) });
    assert.deepEqual(plan, { drop: [1, 2], deleteFiles: ["/1/a", "/2/a"] });
  });

  it("keeps everything from the oldest leased generation on", () => {
    const plan = planGc(gens, { keep: 1, leasedFrom: 2, graceMs: 0, now: t(10) });
    assert.deepEqual(plan, { drop: [1], deleteFiles: ["/1/a"] });
  });

  it("keeps a generation superseded within the grace period", () => {
    const plan = planGc(gens, { keep: 2, leasedFrom: null, graceMs: 90_000, now: t(3) });
    // Gen 2 was superseded by gen 3 at t(2): 60 s ago, inside the grace; gen 1 superseded at t(1).
    assert.deepEqual(plan, { drop: [1], deleteFiles: ["/1/a"] });
  });
});
