import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "@tenantlens/config";
import { loadStoreConfig } from "./config.js";

describe("store config", () => {
  it("has defaults for everything", () => {
    const c = loadStoreConfig({});
    assert.equal(c.HISTORY_RETENTION_DAYS, 365);
    assert.equal(c.GENERATION_DEBOUNCE_MS, 2000);
    assert.equal(c.GENERATIONS_KEPT, 2);
    assert.equal(c.DUCKDB_MEMORY_LIMIT, "384MB");
    assert.equal(c.DUCKDB_ALLOCATOR_FLUSH_THRESHOLD, "32MB");
    assert.equal(c.STORE_MAX_DELIVERIES, 5);
    assert.equal(c.TENANTLENS_DATA_DIR, path.resolve("./data"));
  });

  it("reads durations and numbers", () => {
    const c = loadStoreConfig({
      HISTORY_RETENTION_DAYS: "30",
      GENERATION_DEBOUNCE_MS: "5s",
      DUCKDB_THREADS: "2",
    });
    assert.equal(c.HISTORY_RETENTION_DAYS, 30);
    assert.equal(c.GENERATION_DEBOUNCE_MS, 5000);
    assert.equal(c.DUCKDB_THREADS, 2);
  });

  it("reports every bad variable on its own line", () => {
    try {
      loadStoreConfig({
        HISTORY_RETENTION_DAYS: "0",
        DUCKDB_MEMORY_LIMIT: "lots",
        NATS_URL: "http://x",
        GENERATION_DEBOUNCE_MS: "1h",
        STORE_MAX_DELIVERIES: "0",
      });
      assert.fail("expected a ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const names = err.lines.map((l) => l.split(":")[0]).sort();
      assert.deepEqual(names, [
        "DUCKDB_MEMORY_LIMIT",
        "GENERATION_DEBOUNCE_MS",
        "HISTORY_RETENTION_DAYS",
        "NATS_URL",
        "STORE_MAX_DELIVERIES",
      ]);
    }
  });
});
