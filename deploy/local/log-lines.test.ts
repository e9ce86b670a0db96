import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { displayLine, isReadyLine, parseLogLine } from "./log-lines.js";

describe("launcher log lines", () => {
  const info = JSON.stringify({ level: "info", time: "t", service: "store", msg: "ready", url: "x" });
  const warn = JSON.stringify({ level: "warn", service: "poller", msg: "throttled", retryAfter: 2 });
  const err = JSON.stringify({ level: 50, msg: "boom", err: { message: "disk full" } });

  it("recognises the ready line", () => {
    assert.equal(isReadyLine(info), true);
    assert.equal(isReadyLine(warn), false);
    assert.equal(isReadyLine("ready"), false);
  });

  it("hides info in quiet mode and shows warnings, errors and plain text", () => {
    assert.equal(displayLine("store", info, "warn"), null);
    assert.equal(displayLine("poller", warn, "warn"), "poller   | WARN  throttled  retryAfter=2");
    assert.equal(displayLine("store", err, "warn"), "store    | ERROR boom (disk full)");
    assert.equal(displayLine("store", "    at foo (x.ts:1)", "warn"), "store    |     at foo (x.ts:1)");
    assert.equal(displayLine("store", "", "warn"), null);
  });

  it("shows everything in verbose mode", () => {
    assert.equal(displayLine("store", info, "info"), "store    | INFO  ready  url=x");
  });

  it("parses numeric pino levels", () => {
    assert.equal(parseLogLine(err)?.levelName, "error");
    assert.equal(parseLogLine("{not json"), null);
  });
});
