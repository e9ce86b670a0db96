import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { denoBinary } from "@tenantlens/config";
import { startSimulator } from "@tenantlens/entra-sim";
import {
  cleanup,
  freePort,
  repoRoot,
  type ServiceProcess,
  startService,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";
import { api, queryCounts, type System, startSystem } from "./system.js";

/**
 * Issue 16's edge gateway: src/edge.ts on Deno, with only the permissions an edge function has —
 * environment, the host name (pino), and the network to exactly two addresses: its own listen port
 * and nats-server's WebSocket port. No file may be read or written, no process started, and the
 * bus's TCP port is out of reach, so it can only work if it reaches NATS over ws://, takes its
 * NKEY seed from the environment and serves the console from its bundle. The rest of the stack
 * runs as usual (every service a process, TCP). Through it: create an integration, poll, query.
 */

const USERS = 120;

interface Stats {
  users: { total: number; members: number; guests: number };
}

describe("edge gateway: Deno.serve, NATS over WebSocket, no filesystem", { timeout: 600_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let sys: System;
  let edge: ServiceProcess;
  let baseUrl = "";
  const apiKey = "edge-admin-key-0123456789abcdef";

  before(async () => {
    sim = await startSimulator({ seed: 16, tenants: [{ users: USERS }] });
    sys = await withServiceLogs(() =>
      startSystem(
        sim,
        { POLL_INTERVAL_SECONDS: "0" },
        { nats: { websocket: true }, services: ["auth", "store", "query", "poller", "rules", "notifier"] },
      ),
    );
    const wsUrl = sys.nats.wsUrl;
    assert.ok(wsUrl, "nats-server was started with a WebSocket listener");
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const seedFile = sys.nats.client("gateway").nkeySeedFile;
    assert.ok(seedFile, "the test bus is locked: the gateway has its own NKEY");
    const entry = path.join("services", "gateway", "src", "edge.ts");
    edge = await withServiceLogs(() =>
      startService(
        "gateway",
        {
          NATS_URL: wsUrl,
          NATS_NKEY_SEED: readFileSync(seedFile, "utf8").trim(),
          GATEWAY_PORT: String(port),
          GATEWAY_HOST: "127.0.0.1",
          PUBLIC_URL: baseUrl,
          TENANTLENS_API_KEY: apiKey,
        },
        {
          entry,
          readyTimeoutMs: 90_000,
          command: {
            command: denoBinary(),
            args: [
              "run",
              "--quiet",
              "--no-prompt",
              "--config",
              path.join(repoRoot, "deno.json"),
              "--allow-env",
              "--allow-sys=hostname",
              `--allow-net=127.0.0.1:${new URL(wsUrl).port},127.0.0.1:${port}`,
              entry,
            ],
            env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
          },
        },
      ),
    );
    sys.services.set("gateway", edge);
  });

  after(async () => {
    await sys?.stop();
    await sim?.stop();
    await cleanup();
  });

  const client = () => ({ baseUrl, apiKey });

  it("logs ready connected over WebSocket, on Deno", () => {
    const ready = edge
      .logs()
      .split("\n")
      .map((l) => {
        try {
          return JSON.parse(l) as { msg?: string; nats?: string; runtime?: string };
        } catch {
          return {};
        }
      })
      .find((l) => l.msg === "ready");
    assert.ok(ready, edge.logs());
    assert.equal(ready.runtime, "edge");
    assert.equal(ready.nats, new URL(sys.nats.wsUrl as string).host);
  });

  it("creates an integration, polls and answers SQL with the simulator's numbers", async () => {
    await withServiceLogs(async () => {
      const tenant = sim.tenants[0]!;
      const stats = await sim.control.request<Stats>("GET", `/_sim/tenants/${tenant.tenantId}/stats`);
      const created = await api<{ id: string; status: string }>(client(), "POST", "/api/integrations", {
        body: {
          name: "Edge tenant",
          tenantId: tenant.tenantId,
          auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const poll = await api<{ pollId: string }>(
        client(),
        "POST",
        `/api/integrations/${created.body.id}/polls`,
        {
          body: {},
        },
      );
      assert.equal(poll.status, 202, JSON.stringify(poll.body));
      await waitFor(
        async () => {
          const res = await api<{ lastPoll: { pollId: string; status: string } | null }>(
            client(),
            "GET",
            `/api/integrations/${created.body.id}`,
          );
          const p = res.body.lastPoll;
          if (p?.pollId === poll.body.pollId && p.status === "failed") throw new Error("the poll failed");
          return p?.pollId === poll.body.pollId && p.status === "succeeded" ? p : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 500, what: "the poll to succeed" },
      );
      const users = await queryCounts(client(), "SELECT user_type, count(*) FROM azuread_user GROUP BY ALL");
      assert.equal((users.Member ?? 0) + (users.Guest ?? 0), stats.users.total);
      assert.equal(users.Member ?? 0, stats.users.members);
    });
  });

  it("serves the console's assets from its bundle, byte for byte the files", async () => {
    for (const file of ["console.js", "console.css"]) {
      const res = await fetch(`${baseUrl}/console/assets/${file}`);
      assert.equal(res.status, 200, file);
      const served = new Uint8Array(await res.arrayBuffer());
      const onDisk = new Uint8Array(
        readFileSync(path.join(repoRoot, "services/gateway/src/console/assets", file)),
      );
      assert.deepEqual(served, onDisk, file);
    }
    const signIn = await fetch(`${baseUrl}/`);
    assert.equal(signIn.status, 401);
    assert.match(await signIn.text(), /API key/);
  });

  it("refuses a wrong key as the Node gateway does", async () => {
    const res = await api(client(), "GET", "/api/integrations", { key: "tl_nope_nope" });
    assert.equal(res.status, 401);
  });

  it("drains and exits 0 on SIGTERM", async () => {
    assert.equal(await edge.stop(), 0, edge.logs());
  });
});
