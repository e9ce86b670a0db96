import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resourceByName } from "@tenantlens/graph";
import { nextLogCursor, planLogWindow } from "./log-window.js";

const audits = resourceByName("directoryAudits");
const opts = { graphEndpoint: "https://graph.test/", lookbackMs: 86_400_000, pageSize: null };

describe("log windows", () => {
  it("asks for [cursor, to) oldest first, paged, and reads the lookback the first time", () => {
    assert.ok(audits);
    const first = planLogWindow(audits, { ...opts, cursor: null, to: "2026-12-03T10:00:00Z" });
    assert.equal(first.mode, "full");
    assert.equal(first.from, "2026-12-02T10:00:00.000Z");
    const u = new URL(first.url);
    assert.equal(u.pathname, "/v1.0/auditLogs/directoryAudits");
    assert.equal(
      u.searchParams.get("$filter"),
      "activityDateTime ge 2026-12-02T10:00:00.000Z and activityDateTime lt 2026-12-03T10:00:00.000Z",
    );
    assert.equal(u.searchParams.get("$orderby"), "activityDateTime asc");
    assert.equal(u.searchParams.get("$top"), "1000");
    const next = planLogWindow(audits, {
      ...opts,
      cursor: "2026-12-03T09:45:00.000Z",
      to: "2026-12-03T10:05:00Z",
      pageSize: 50,
    });
    assert.equal(next.mode, "delta");
    assert.equal(next.from, "2026-12-03T09:45:00.000Z");
    assert.equal(new URL(next.url).searchParams.get("$top"), "50");
  });

  it("moves the cursor to the window's end minus the overlap, never back before its start", () => {
    const w = { from: "2026-12-03T09:00:00.000Z", to: "2026-12-03T10:00:00.000Z" };
    assert.equal(nextLogCursor(w, 15 * 60_000), "2026-12-03T09:45:00.000Z");
    assert.equal(nextLogCursor(w, 0), "2026-12-03T10:00:00.000Z");
    assert.equal(nextLogCursor(w, 2 * 3_600_000), w.from);
  });

  it("refuses a resource that is not a log", () => {
    const users = resourceByName("users");
    assert.ok(users);
    assert.throws(
      () => planLogWindow(users, { ...opts, cursor: null, to: "2026-12-03T10:00:00Z" }),
      /not a log/,
    );
  });
});
