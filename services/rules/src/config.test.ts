import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "@tenantlens/config";
import { loadRulesConfig } from "./config.js";

describe("rules config", () => {
  it("has defaults and parses durations and sizes", () => {
    const c = loadRulesConfig({ RULES_QUERY_TIMEOUT_MS: "2m", RULES_CONCURRENCY: "4" });
    assert.equal(c.RULES_QUERY_TIMEOUT_MS, 120_000);
    assert.equal(c.RULES_CONCURRENCY, 4);
    assert.equal(c.RULES_MAX_VIOLATIONS, 100_000);
    assert.equal(c.RULES_DUCKDB_MEMORY_LIMIT, "512MB");
  });

  it("reports every bad variable at once", () => {
    try {
      loadRulesConfig({
        RULES_CONCURRENCY: "0",
        RULES_MAX_MESSAGE_BYTES: "12",
        RULES_DUCKDB_MEMORY_LIMIT: "lots",
      });
      assert.fail("expected a ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.lines.length, 3, err.lines.join("\n"));
    }
  });
});
