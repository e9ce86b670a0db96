import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@tenantlens/contracts";
import { waitFor } from "@tenantlens/testkit";
import { ResultStreams } from "./result-streams.js";

describe("result streams", () => {
  it("hands out parts in order, waiting for the ones not produced yet, and ends with the counts", async () => {
    const streams = new ResultStreams();
    const s = streams.open("ws");
    s.push("[1");
    assert.deepEqual(await streams.read("ws", s.id, 0), {
      seq: 0,
      text: "[1",
      done: false,
      rowCount: 0,
      truncated: false,
    });
    const next = streams.read("ws", s.id, 1);
    s.push(",2");
    assert.equal((await next).text, ",2");
    const last = streams.read("ws", s.id, 2);
    s.finish("]", 2, true);
    assert.deepEqual(await last, { seq: 2, text: "]", done: true, rowCount: 2, truncated: true });
    // Done: the stream is gone.
    assert.equal(streams.owns(s.id), false);
    await assert.rejects(streams.read("ws", s.id, 3), (e: AppError) => e.code === "not_found");
  });

  it("splits a part too large for one message, and keeps every character", async () => {
    const streams = new ResultStreams();
    const s = streams.open("ws");
    // Control characters take six bytes each once JSON-escaped: 400 K of them is ~2.4 MB.
    const big = `${"\u0001".repeat(200_000)}🙂${"\u0001".repeat(200_000)}`;
    s.push(big);
    s.finish("", 0, false);
    let text = "";
    for (let seq = 0; ; seq++) {
      const part = await streams.read("ws", s.id, seq);
      assert.ok(Buffer.byteLength(JSON.stringify(part.text)) <= 900_000);
      text += part.text;
      if (part.done) break;
    }
    assert.equal(text, big);
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
    s.push("x");
    await waitFor(() => (streams.owns(s.id) ? undefined : true), {
      what: "the idle stream dropped",
      timeoutMs: 10_000,
    });
    await assert.rejects(streams.read("ws", s.id, 0), (e: AppError) => e.code === "not_found");
  });
});
