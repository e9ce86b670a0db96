import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError, loadConfig } from "./load.js";
import { bool, dataDir, natsUrl, port, secret } from "./schemas.js";

const schema = z.object({
  NATS_URL: natsUrl,
  TENANTLENS_DATA_DIR: dataDir,
  GATEWAY_PORT: port("GATEWAY_PORT", 8080),
  TENANTLENS_DEMO: bool.default(true),
  TENANTLENS_API_KEY: secret(16),
  SMTP_URL: z.string().optional(),
});

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

describe("loadConfig", () => {
  test("returns typed values with defaults", () => {
    const cfg = loadConfig(schema, { TENANTLENS_API_KEY: "k".repeat(16), GATEWAY_PORT: "9090" });
    assert.equal(cfg.NATS_URL, "nats://127.0.0.1:4222");
    assert.equal(cfg.GATEWAY_PORT, 9090);
    assert.equal(cfg.TENANTLENS_DEMO, true);
    assert.equal(cfg.SMTP_URL, undefined);
    assert.equal(cfg.TENANTLENS_DATA_DIR, path.resolve("data"));
  });

  test("empty values count as unset", () => {
    const cfg = loadConfig(schema, {
      TENANTLENS_API_KEY: "k".repeat(16),
      GATEWAY_PORT: "",
      TENANTLENS_DEMO: " ",
    });
    assert.equal(cfg.GATEWAY_PORT, 8080);
    assert.equal(cfg.TENANTLENS_DEMO, true);
  });

  test("one line per bad variable, in the documented format", () => {
    const err = errorOf(() =>
      loadConfig(schema, { NATS_URL: "http://x", GATEWAY_PORT: "99999", TENANTLENS_DEMO: "perhaps" }),
    );
    assert.deepEqual(err.lines, [
      'NATS_URL: expected nats://host:port (several separated by commas; tls://, ws://, wss:// also work) (got "http://x")',
      'GATEWAY_PORT: expected a number from 0 to 65535 (got "99999")',
      'TENANTLENS_DEMO: expected one of true, false, 1, 0, yes, no (got "perhaps")',
      "TENANTLENS_API_KEY: required (not set)",
    ]);
    assert.equal(err.message, err.lines.join("\n"));
  });

  test("values of SECRET/KEY/PASSWORD variables are masked", () => {
    const s = z.object({ SMTP_PASSWORD: secret(8), CLIENT_SECRET: secret(8), TENANTLENS_API_KEY: secret(8) });
    const err = errorOf(() =>
      loadConfig(s, { SMTP_PASSWORD: "hunter2", CLIENT_SECRET: "abc", TENANTLENS_API_KEY: "xyz" }),
    );
    for (const line of err.lines) {
      assert.match(line, /\(got "\*\*\*\*"\)$/);
      assert.doesNotMatch(line, /hunter2|abc|xyz/);
    }
  });

  test("cross-field checks report under the variable they name", () => {
    const s = z
      .object({ TENANTLENS_DEMO: bool.default(true), GRAPH_ENDPOINT: z.string().optional() })
      .superRefine((cfg, ctx) => {
        if (!cfg.TENANTLENS_DEMO && !cfg.GRAPH_ENDPOINT) {
          ctx.addIssue({
            code: "custom",
            path: ["GRAPH_ENDPOINT"],
            message: "required when TENANTLENS_DEMO=false",
          });
        }
      });
    const err = errorOf(() => loadConfig(s, { TENANTLENS_DEMO: "false" }));
    assert.deepEqual(err.lines, ["GRAPH_ENDPOINT: required when TENANTLENS_DEMO=false (not set)"]);
  });
});

describe("loadConfigOrExit", () => {
  test("prints the lines to stderr and exits 1", () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const script = [
      `import { loadConfigOrExit, port } from ${JSON.stringify(path.join(here, "index.ts"))};`,
      `import { z } from "zod";`,
      `loadConfigOrExit(z.object({ GATEWAY_PORT: port("GATEWAY_PORT", 1) }), "gateway");`,
      `console.log("not reached");`,
    ].join("\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: here,
      env: { ...process.env, GATEWAY_PORT: "nope" },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      'gateway: invalid configuration\n  GATEWAY_PORT: expected a whole number (got "nope")\n',
    );
  });
});
