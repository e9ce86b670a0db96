import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { createUser } from "@nats-io/nkeys";
import { ConfigError, loadConfig } from "@tenantlens/config";
import { repoRoot } from "@tenantlens/testkit";
import { EdgeGatewayConfig } from "./edge-config.js";

const seed = new TextDecoder().decode(createUser().getSeed());

function problems(env: Record<string, string>): string {
  try {
    loadConfig(EdgeGatewayConfig, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.lines.join("\n");
    throw err;
  }
  return "";
}

describe("the edge gateway's configuration", () => {
  test("takes ws:// and wss:// URLs and the seed as text", () => {
    const c = loadConfig(EdgeGatewayConfig, {
      NATS_URL: "wss://nats.example.com:443, ws://127.0.0.1:9222",
      NATS_NKEY_SEED: `${seed}\n`,
      PUBLIC_URL: "https://tenantlens.example.com/",
    });
    assert.equal(c.NATS_URL, "wss://nats.example.com:443,ws://127.0.0.1:9222");
    assert.equal(c.NATS_NKEY_SEED, seed);
    assert.equal(c.PUBLIC_URL, "https://tenantlens.example.com");
  });

  test("refuses TCP URLs, files and a seed that is not one, each by name", () => {
    const lines = problems({
      NATS_URL: "nats://127.0.0.1:4222",
      NATS_NKEY_SEED: "not-a-seed",
      NATS_NKEY_SEED_FILE: "/run/secrets/nats-nkey",
      NATS_TLS_CA_FILE: "/run/secrets/nats-ca",
    });
    assert.match(lines, /NATS_URL: the edge gateway reaches NATS over WebSocket/);
    assert.match(lines, /NATS_NKEY_SEED: expected an NKEY user seed/);
    assert.match(
      lines,
      /NATS_NKEY_SEED_FILE: the edge gateway reads no files: put the seed itself in NATS_NKEY_SEED/,
    );
    assert.match(lines, /NATS_TLS_CA_FILE: the edge gateway reads no files/);
    assert.ok(!lines.includes("not-a-seed"), "the seed's value is never echoed");
  });

  test("the default NATS_URL (nats://) is refused too: the edge has no raw TCP", () => {
    assert.match(problems({}), /NATS_URL: the edge gateway reaches NATS over WebSocket/);
  });

  test("src/edge.ts on Node says it runs on Deno", () => {
    const res = spawnSync(process.execPath, ["--import", "tsx", "services/gateway/src/edge.ts"], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, NATS_URL: "ws://127.0.0.1:1" },
      timeout: 60_000,
    });
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /src\/edge.ts runs on Deno/);
  });
});
