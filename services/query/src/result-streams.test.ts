import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@tenantlens/contracts";
import { waitFor } from "@tenantlens/testkit";
import { ResultStreams } from "./result-streams.js";

const bytes = (text: string) => Buffer.from(text, "utf8");
const textOf = (b: Uint8Array) => Buffer.from(b).toString("utf8");

describe("result streams", () => {
  it("hands out parts in order, waiting for the ones not produced yet, and ends with the counts", async () => {
    const streams = new ResultStreams();
    const s = streams.open("ws");
    s.push(bytes("[1"));
    const first = await streams.read("ws", s.id, 0);
    assert.deepEqual(
      { ...first, body: textOf(first.body) },
      { seq: 0, body: "[1", done: false, rowCount: 0, truncated: false },
    );
    const next = streams.read("ws", s.id, 1);
    s.push(bytes(",2"));
    assert.equal(textOf((await next).body), ",2");
    const last = streams.read("ws", s.id, 2);
    s.finish(bytes("]"), 2, true);
    const end = await last;
    assert.deepEqual(
      { ...end, body: textOf(end.body) },
      { seq: 2, body: "]", done: true, rowCount: 2, truncated: true },
    );
    // Done: the stream is gone.
    assert.equal(streams.owns(s.id), false);
    await assert.rejects(streams.read("ws", s.id, 3), (e: AppError) => e.code === "not_found");
  });

  it("splits a part too large for one message, and keeps every byte", async () => {
    const max = 100_000;
    const streams = new ResultStreams(60_000, max);
    const s = streams.open("ws");
    // 240 kB with four-byte characters across the split points: parts end inside characters.
    const big = "a🙂".repeat(48_000);
    s.push(bytes(big));
    s.finish(bytes(""), 0, false);
    const parts: Uint8Array[] = [];
    for (let seq = 0; ; seq++) {
      const part = await streams.read("ws", s.id, seq);
      assert.ok(part.body.length <= max);
      parts.push(part.body);
      if (part.done) break;
    }
    assert.equal(parts.length, 4, "three full parts, the rest, then the empty end");
    assert.equal(textOf(Buffer.concat(parts)), big);
  });

  it("passes the query's failure to the reader, and answers only its own workspace", async () => {
    const streams = new ResultStreams();
    const s = streams.open("ws");
    await assert.rejects(streams.read("other", s.id, 0), (e: AppError) => e.code === "not_found");
    const waiting = streams.read("ws", s.id, 0);
    s.fail(new AppError("query_timeout", "ran past its time limit"));
    await assert.rejects(waiting, (e: AppError) => e.code === "query_timeout");
    assert.equal(streams.size, 0);
  });

  it("drops a stream nobody reads", async () => {
    const streams = new ResultStreams(50);
    const s = streams.open("ws");
    s.push(bytes("x"));
    await waitFor(() => (streams.owns(s.id) ? undefined : true), {
      what: "the idle stream dropped",
      timeoutMs: 10_000,
    });
    await assert.rejects(streams.read("ws", s.id, 0), (e: AppError) => e.code === "not_found");
  });
});
