import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allEvents, allRequests, streams } from "./index.js";

const token = /^[a-z][a-z0-9-]*$/;

describe("contracts", () => {
  it("events are <domain>.<entity>.<past-tense> and name a declared stream", () => {
    for (const e of allEvents) {
      const parts = e.subject.split(".");
      assert.equal(parts.length, 3, e.subject);
      for (const p of parts) assert.match(p, token, e.subject);
      assert.match(parts[2] ?? "", /ed$/, `${e.subject} should be past tense`);
      assert.ok(streams[e.stream], `${e.subject} names unknown stream ${e.stream}`);
    }
  });

  it("requests are <domain>.<entity>.<verb> answered by the domain's service", () => {
    for (const r of allRequests) {
      const parts = r.subject.split(".");
      assert.equal(parts.length, 3, r.subject);
      for (const p of parts) assert.match(p, token, r.subject);
      assert.equal(parts[0], r.service, `${r.subject} should be answered by ${parts[0]}`);
    }
  });

  it("no request subject could be captured by a stream", () => {
    const captured = allEvents.map((e) => e.subject);
    for (const r of allRequests) {
      for (const c of captured) assert.ok(!r.subject.startsWith(`${c}.`) && r.subject !== c, r.subject);
    }
  });

  it("subjects are unique", () => {
    const all = [...allEvents, ...allRequests].map((d) => d.subject);
    assert.equal(new Set(all).size, all.length);
  });
});
