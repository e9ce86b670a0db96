import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allEvents, defineEvent, streams } from "@tenantlens/contracts";
import { z } from "zod";
import { nakDelayMs } from "./consume.js";
import { streamConfig } from "./streams.js";
import { consumerFilter, streamSubjects, subjectMatcher } from "./subjects.js";

const schema = z.object({ id: z.string(), group: z.string() });
const A = defineEvent({
  subject: "t.a.happened",
  stream: "S",
  publishers: ["poller"],
  schema,
  token: (p) => p.group,
  msgId: (p) => p.id,
});
const B = defineEvent({
  subject: "t.b.happened",
  stream: "S",
  publishers: ["poller"],
  schema,
  msgId: (p) => p.id,
});
const C = defineEvent({
  subject: "t.c.happened",
  stream: "S",
  publishers: ["poller"],
  schema,
  msgId: (p) => p.id,
});
const Other = defineEvent({
  subject: "o.x.happened",
  stream: "O",
  publishers: ["poller"],
  schema,
  msgId: (p) => p.id,
});

describe("stream subjects", () => {
  test("are the events' patterns, never a broad wildcard", () => {
    assert.deepEqual(streamSubjects("S", [A, B, C, Other]), [
      "t.a.happened.*",
      "t.b.happened",
      "t.c.happened",
    ]);
  });

  test("every stream of the contracts captures something and nothing captures a request", () => {
    for (const def of Object.values(streams)) {
      const subjects = streamSubjects(def.name, allEvents);
      assert.ok(subjects.length > 0, `${def.name} captures nothing`);
      for (const s of subjects) assert.ok(!s.endsWith(">"), `${def.name} captures ${s}`);
    }
  });

  test("streamConfig maps the StreamDef to seconds in nanos and file storage", () => {
    const cfg = streamConfig({ name: "S", description: "d", maxAgeSeconds: 60, duplicateWindowSeconds: 30 }, [
      A,
    ]);
    assert.equal(cfg.max_age, 60_000_000_000);
    assert.equal(cfg.duplicate_window, 30_000_000_000);
    assert.equal(cfg.storage, "file");
    assert.equal(cfg.retention, "limits");
    assert.equal(cfg.max_bytes, -1);
    assert.throws(() =>
      streamConfig({ name: "E", description: "", maxAgeSeconds: 1, duplicateWindowSeconds: 1 }, [A]),
    );
  });
});

describe("consumer filter", () => {
  test("none when the handlers cover the whole stream", () => {
    assert.equal(consumerFilter("S", [A, B, C], [A, B, C, Other]), undefined);
  });
  test("the single event's pattern for one handler", () => {
    assert.equal(consumerFilter("S", [A], [A, B, C]), "t.a.happened.*");
    assert.equal(consumerFilter("S", [B], [A, B, C]), "t.b.happened");
  });
  test("a clear error for a subset of several events", () => {
    assert.throws(() => consumerFilter("S", [A, B], [A, B, C]), /one filter subject per consumer.*/);
  });
});

describe("subject matcher", () => {
  test("finds exact and tokened subjects", () => {
    const match = subjectMatcher([{ def: A }, { def: B }]);
    assert.equal(match("t.a.happened.g1")?.def, A);
    assert.equal(match("t.b.happened")?.def, B);
    assert.equal(match("t.a.happened"), undefined);
    assert.equal(match("t.b.happened.x"), undefined);
    assert.equal(match("t.c.happened"), undefined);
  });
});

test("nak delays grow 1 s, 5 s, 30 s", () => {
  assert.deepEqual([1, 2, 3, 9].map(nakDelayMs), [1_000, 5_000, 30_000, 30_000]);
});
