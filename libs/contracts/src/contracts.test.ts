import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allBuckets, allEvents, allRequests, SERVICES, serviceAccess, streams } from "./index.js";

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

  it("declare who uses each subject and bucket: only known services, every event published", () => {
    const known = new Set<string>(SERVICES);
    for (const e of allEvents) {
      assert.ok(e.publishers.length > 0, `${e.subject} has no publisher`);
      for (const s of [...e.publishers, ...(e.consumers ?? []), ...(e.subscribers ?? [])])
        assert.ok(known.has(s), `${e.subject}: unknown service ${s}`);
      if (e.purgedBy) {
        // Deleting committed messages is only safe when nobody else still has to read them.
        assert.deepEqual(e.consumers, [e.purgedBy], `${e.subject}: purged by its only consumer`);
        assert.deepEqual(e.subscribers ?? [], [], `${e.subject}: purged, so nobody follows it live`);
      }
    }
    for (const r of allRequests) for (const s of r.callers) assert.ok(known.has(s), `${r.subject}: ${s}`);
    const names = allBuckets.map((b) => b.name);
    assert.equal(new Set(names).size, names.length, "bucket names are unique");
    for (const b of allBuckets) {
      assert.match(b.name, /^[a-z0-9_]+$/, b.name);
      assert.ok(b.writers.length > 0, `${b.name} has no writer`);
    }
  });

  it("serviceAccess reads a service's part off the declarations", () => {
    const poller = serviceAccess("poller");
    assert.ok(poller.serves.some((r) => r.subject === "poller.poll.start"));
    assert.ok(poller.calls.some((r) => r.subject === "auth.token.get"));
    assert.ok(!poller.calls.some((r) => r.subject.startsWith("query.")));
    assert.deepEqual(poller.consumes, ["TL_AUTH", "TL_STORE", "TL_WORKSPACE"]);
    assert.ok(!poller.writes.some((b) => b.name === "tl_api_keys"));
    assert.deepEqual(
      serviceAccess("store").reads.map((b) => b.name),
      ["tl_generation_leases"],
    );
  });
});
