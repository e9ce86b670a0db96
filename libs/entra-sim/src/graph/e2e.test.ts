import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Simulator, startSimulator } from "../index.js";

/**
 * End to end over HTTPS with the whole simulator: the official Graph client, unchanged, in a child
 * process that trusts the simulator's CA through NODE_EXTRA_CA_CERTS.
 */

const CLIENT = fileURLToPath(new URL("./test-fixtures/graph-client.ts", import.meta.url));

function runClient(
  sim: Simulator,
  step: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const t = sim.tenants[0]!;
  const cfg = {
    graphEndpoint: sim.graphEndpoint,
    authorityHost: sim.authorityHost,
    tenantId: t.tenantId,
    clientId: t.clientId,
    clientSecret: t.clientSecret,
    step,
    ...extra,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLIENT, JSON.stringify(cfg)], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: sim.caCertPath },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) return reject(new Error(`no RESULT line\nstdout: ${out}\nstderr: ${err}`));
      resolve(JSON.parse(line.slice(7)) as Record<string, unknown>);
    });
  });
}

describe("microsoft-graph-client against the simulator (HTTPS, child process)", () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ seed: 21, tenants: [{ users: 100_000 }] });
  });
  after(async () => {
    await sim?.stop();
  });

  it("PageIterator walks 100k users in 999-object pages, each user once", async () => {
    const r = await runClient(sim, "pageUsers");
    assert.equal(r.error, undefined, String(r.error));
    const stats = await sim.control.stats(sim.tenants[0]!.tenantId);
    assert.equal(r.items, stats.users.total);
    assert.equal(r.distinct, stats.users.total);
    assert.equal(r.fullPages, Math.floor(stats.users.total / 999));
    assert.equal(r.complete, true);
  });

  it("RetryHandler retries 429s (honouring Retry-After) until every request succeeds", async () => {
    const t = sim.tenants[0]!.tenantId;
    await sim.control.setThrottling({ enabled: true, budget: 4, windowSeconds: 2, retryAfter: "integer" }, t);
    try {
      const r = await runClient(sim, "retry429", { requests: 6 });
      assert.equal(r.error, undefined, String(r.error));
      assert.equal(r.ok, 6);
      assert.ok((r.retries as number) > 0, `retries ${r.retries}`);
    } finally {
      await sim.control.resetThrottling(t);
    }
  });
});
