import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger } from "./logger.js";

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const lines = () =>
    chunks
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

test("logs JSON lines with service, bindings, level label and msg", () => {
  const out = capture();
  const log = createLogger("store", { replica: 2 }, { destination: out.stream, level: "info" });
  log.info({ integrationId: "i1" }, "ready");
  log.debug("hidden");
  const [line, ...rest] = out.lines();
  assert.equal(rest.length, 0);
  assert.equal(line?.service, "store");
  assert.equal(line?.replica, 2);
  assert.equal(line?.level, "info");
  assert.equal(line?.msg, "ready");
  assert.equal(line?.integrationId, "i1");
  assert.equal(typeof line?.time, "string");
});

test("an unknown level falls back to info", () => {
  const out = capture();
  const log = createLogger("x", {}, { destination: out.stream, level: "loud" });
  assert.equal(log.level, "info");
});
