import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { startNats } from "./nats.js";
import { stopAll } from "./registry.js";
import { startService } from "./service.js";
import { tempDir, tempDuckDbPath } from "./temp.js";
import { waitFor } from "./wait.js";

after(stopAll);

describe("startNats", () => {
  test("starts a JetStream server, stops it and removes its dir", async () => {
    const nats = await startNats();
    assert.match(nats.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${nats.monitorUrl}/varz`);
    const varz = (await res.json()) as {
      jetstream?: { config?: { store_dir?: string } };
      max_payload: number;
    };
    assert.equal(varz.max_payload, 1024 * 1024);
    assert.ok(varz.jetstream?.config?.store_dir?.startsWith(nats.dir));
    assert.ok(existsSync(nats.dir));
    await nats.stop();
    assert.equal(existsSync(nats.dir), false);
    await assert.rejects(fetch(`${nats.monitorUrl}/healthz`));
  });

  test("applies maxPayload and survives kill + restart", async () => {
    const nats = await startNats({ maxPayload: 4096 });
    const varz = (await (await fetch(`${nats.monitorUrl}/varz`)).json()) as { max_payload: number };
    assert.equal(varz.max_payload, 4096);
    await nats.kill();
    assert.ok(existsSync(nats.dir), "kill keeps the store dir");
    await nats.restart();
    assert.equal((await fetch(`${nats.monitorUrl}/healthz`)).status, 200);
    await nats.stop();
    assert.equal(existsSync(nats.dir), false);
  });

  test("a missing binary says how to install it", async () => {
    const saved = process.env.NATS_SERVER_BIN;
    process.env.NATS_SERVER_BIN = "/nonexistent/nats-server";
    try {
      await assert.rejects(
        startNats(),
        /nats-server was not found.*install it: apt-get install -y nats-server/,
      );
    } finally {
      if (saved === undefined) delete process.env.NATS_SERVER_BIN;
      else process.env.NATS_SERVER_BIN = saved;
    }
  });
});

describe("waitFor", () => {
  test("returns the first truthy value", async () => {
    let n = 0;
    const v = await waitFor(async () => (++n >= 3 ? n : undefined), { what: "three polls", intervalMs: 1 });
    assert.equal(v, 3);
  });

  test("times out with what it waited for and the last error", async () => {
    await assert.rejects(
      waitFor(
        async () => {
          throw new Error("not yet");
        },
        { what: "the moon", timeoutMs: 50, intervalMs: 5 },
      ),
      /timed out after 50 ms waiting for the moon \(last error: not yet\)/,
    );
    await assert.rejects(
      waitFor(() => false, { what: "false", timeoutMs: 20, intervalMs: 5 }),
      /waiting for false$/,
    );
  });
});

describe("temp paths", () => {
  test("tempDuckDbPath is a fresh path in its own dir", () => {
    const a = tempDuckDbPath();
    const b = tempDuckDbPath();
    assert.notEqual(path.dirname(a), path.dirname(b));
    assert.equal(existsSync(a), false);
    assert.ok(existsSync(path.dirname(a)));
    assert.ok(existsSync(tempDir("x y")));
  });
});

describe("startService", () => {
  const entry = path.join("libs", "testkit", "src", "fixtures", "fake-service.ts");

  test("resolves on the ready line, keeps logs, stops with SIGTERM", async () => {
    const svc = await startService("fake", { FAKE_MODE: "ready" }, { entry });
    assert.ok(svc.pid > 0);
    assert.match(svc.logs(), /"msg":"starting"/);
    assert.equal(await svc.stop(), 0);
    assert.match(svc.logs(), /"msg":"stopping"/);
    assert.equal(await svc.exited, 0);
  });

  test("runs the service on the runtime TENANTLENS_RUNTIME names, Deno included, with the same exit codes", async () => {
    for (const runtime of ["node", "deno"]) {
      const svc = await startService("fake", { FAKE_MODE: "ready", TENANTLENS_RUNTIME: runtime }, { entry });
      assert.match(svc.logs(), new RegExp(`"msg":"starting".*"runtime":"${runtime}"`));
      assert.equal(await svc.stop(), 0, `${runtime}: exits 0 on SIGTERM`);
    }
  });

  test("a process that exits before ready fails with its output", async () => {
    await assert.rejects(
      startService("fake", { FAKE_MODE: "crash" }, { entry }),
      /fake exited with code 3 before it was ready; last output:\n(.|\n)*boom: missing configuration/,
    );
  });

  test("a process that never logs ready times out with its output", async () => {
    await assert.rejects(
      startService("fake", { FAKE_MODE: "silent" }, { entry, readyTimeoutMs: 6_000 }),
      /fake did not log "ready" within 6000 ms; last output:\n.*"msg":"starting"/,
    );
  });
});
