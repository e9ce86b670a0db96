import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "@tenantlens/config";
import { loadLauncherConfig, UsageError } from "./config.js";

describe("launcher configuration", () => {
  it("defaults: demo on, own NATS, port 8080, quiet children that still log ready", () => {
    const c = loadLauncherConfig({}, []);
    assert.equal(c.TENANTLENS_DEMO, true);
    assert.equal(c.NATS_URL, undefined);
    assert.equal(c.GATEWAY_PORT, 8080);
    assert.equal(c.publicUrl, "http://127.0.0.1:8080");
    assert.equal(c.displayLevel, "warn");
    assert.equal(c.childLogLevel, "info");
  });

  it("takes NATS_URL, demo off, verbose", () => {
    const c = loadLauncherConfig({ NATS_URL: "nats://10.0.0.1:4222", TENANTLENS_DEMO: "false" }, [
      "--verbose",
    ]);
    assert.equal(c.NATS_URL, "nats://10.0.0.1:4222");
    assert.equal(c.TENANTLENS_DEMO, false);
    assert.equal(c.displayLevel, "info");
  });

  it("keeps children at debug when asked for debug", () => {
    assert.equal(loadLauncherConfig({ LOG_LEVEL: "debug" }, []).childLogLevel, "debug");
    assert.equal(loadLauncherConfig({ LOG_LEVEL: "error" }, []).childLogLevel, "info");
  });

  it("reports every bad value on its own line", () => {
    try {
      loadLauncherConfig({ GATEWAY_PORT: "70000", NATS_URL: "http://x", TENANTLENS_DEMO: "maybe" }, []);
      assert.fail("expected a ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.lines.length, 3);
      assert.match(err.lines.join("\n"), /GATEWAY_PORT/);
      assert.match(err.lines.join("\n"), /NATS_URL/);
      assert.match(err.lines.join("\n"), /TENANTLENS_DEMO/);
    }
  });

  it("rejects unknown options", () => {
    assert.throws(() => loadLauncherConfig({}, ["--frobnicate"]), UsageError);
  });
});
