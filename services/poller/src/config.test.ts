import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "@tenantlens/config";
import { pollerConfigSchema } from "./config.js";

describe("poller config", () => {
  it("has the documented defaults", () => {
    const c = loadConfig(pollerConfigSchema, {});
    assert.equal(c.GRAPH_ENDPOINT, "https://graph.microsoft.com");
    assert.equal(c.POLL_INTERVAL_SECONDS, 300);
    assert.equal(c.POLL_CONCURRENCY, 8);
    assert.equal(c.TENANT_CONCURRENCY, 8);
    assert.equal(c.LEASE_TTL_SECONDS, 15);
    assert.equal(c.GRAPH_MAX_THROTTLED_RETRIES, 20);
    assert.deepEqual(c.POLL_RESOURCE_INTERVALS, {});
    assert.deepEqual(
      loadConfig(pollerConfigSchema, { POLL_RESOURCE_INTERVALS: "users=120, auditLogs=60" })
        .POLL_RESOURCE_INTERVALS,
      { users: 120, auditLogs: 60 },
    );
    assert.throws(() => loadConfig(pollerConfigSchema, { POLL_RESOURCE_INTERVALS: "users" }), ConfigError);
    assert.deepEqual(c.POLL_RESOURCES, []);
    assert.deepEqual(loadConfig(pollerConfigSchema, { POLL_RESOURCES: " users, groups" }).POLL_RESOURCES, [
      "users",
      "groups",
    ]);
    assert.throws(() => loadConfig(pollerConfigSchema, { POLL_RESOURCES: "users,usres" }), /usres/);
    assert.equal(c.MAX_MESSAGE_BYTES, 900_000);
    assert.equal(c.PAGE_SIZE, undefined);
    assert.equal(c.GRAPH_MAX_RETRIES, 6);
  });

  it("accepts 0 as no schedule and rejects bad values, one line each", () => {
    assert.equal(loadConfig(pollerConfigSchema, { POLL_INTERVAL_SECONDS: "0" }).POLL_INTERVAL_SECONDS, 0);
    try {
      loadConfig(pollerConfigSchema, {
        POLL_CONCURRENCY: "0",
        PAGE_SIZE: "1000",
        GRAPH_ENDPOINT: "http://graph.local",
      });
      assert.fail("expected ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.lines.length, 3);
      for (const name of ["POLL_CONCURRENCY", "PAGE_SIZE", "GRAPH_ENDPOINT"]) {
        assert.ok(
          err.lines.some((l) => l.startsWith(`${name}:`)),
          name,
        );
      }
    }
  });
});
