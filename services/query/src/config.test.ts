import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "@tenantlens/config";
import { repoRoot } from "@tenantlens/testkit";
import { queryConfigSchema } from "./config.js";

describe("query configuration", () => {
  it("has working defaults", () => {
    const c = loadConfig(queryConfigSchema, {});
    assert.equal(c.QUERY_TIMEOUT_MS, 30_000);
    assert.equal(c.QUERY_MAX_ROWS, 10_000);
    assert.equal(c.QUERY_WORKERS, 2);
    assert.equal(c.QUERY_MEMORY_LIMIT, "1GB");
    assert.equal(c.QUERY_INLINE_MAX_BYTES, 800_000);
    assert.equal(c.QUERY_RESULT_TTL, 600);
  });

  it("reports every bad variable on its own line", () => {
    assert.throws(
      () =>
        loadConfig(queryConfigSchema, {
          QUERY_TIMEOUT_MS: "soon",
          QUERY_WORKERS: "0",
          QUERY_MEMORY_LIMIT: "lots",
          NATS_URL: "http://x",
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.lines.length, 4);
        assert.match(err.message, /QUERY_MEMORY_LIMIT: expected a size such as 512MB/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig(queryConfigSchema, { QUERY_TIMEOUT_MS: "20m", QUERY_MAX_TIMEOUT_MS: "10m" }),
      /QUERY_TIMEOUT_MS: must not exceed QUERY_MAX_TIMEOUT_MS/,
    );
  });

  it("stops the service at start with a clear message", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join("services", "query", "src", "index.ts")],
      {
        cwd: repoRoot,
        env: { ...process.env, QUERY_WORKERS: "many", NODE_TEST_CONTEXT: "" },
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /query: invalid configuration\n {2}QUERY_WORKERS: expected a whole number/);
  });
});
