import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { DEFAULT_WORKSPACE, WorkspacesBucket } from "@tenantlens/contracts";
import { type NatsServer, startNats } from "@tenantlens/testkit";
import { connectBus } from "./bus.js";
import { testLogger } from "./testing.js";
import { transportOf } from "./transport.js";

describe("transport from the URL", () => {
  test("nats:// and tls:// go over TCP, ws:// and wss:// over a WebSocket", () => {
    assert.deepEqual(transportOf("nats://a:4222, tls://b:4222"), {
      transport: "tcp",
      servers: ["nats://a:4222", "tls://b:4222"],
    });
    assert.deepEqual(transportOf("wss://nats.example.com,ws://127.0.0.1:9222"), {
      transport: "websocket",
      servers: ["wss://nats.example.com", "ws://127.0.0.1:9222"],
    });
  });

  test("mixing both kinds, other schemes and non-URLs are refused by name", () => {
    assert.throws(() => transportOf("nats://a:4222,wss://b"), /mixes TCP .* and WebSocket/);
    assert.throws(() => transportOf("http://a:4222"), /http:\/\/a:4222: expected nats:\/\//);
    assert.throws(() => transportOf("not a url"), /is not a URL/);
    assert.throws(() => transportOf(" , "), /names no server/);
  });
});

describe("connecting over WebSocket with the NKEY seed as text", { timeout: 60_000 }, () => {
  let nats: NatsServer;
  let seed = "";

  before(async () => {
    nats = await startNats({ websocket: true });
    seed = readFileSync(nats.client("gateway").nkeySeedFile as string, "utf8").trim();
  });
  after(() => nats?.stop());

  test("the seed as text works like the seed file (TCP)", async () => {
    const bus = await connectBus({ url: nats.url, nkeySeed: seed, service: "gateway", logger: testLogger() });
    const kv = await bus.kv(WorkspacesBucket.name);
    await kv.put(DEFAULT_WORKSPACE, JSON.stringify({ probe: true }));
    await bus.drain();
  });

  test("a seed that is not one, or given twice, is refused before connecting", async () => {
    const base = {
      url: nats.url,
      service: "gateway" as const,
      logger: testLogger(),
      maxReconnectAttempts: 0,
    };
    await assert.rejects(connectBus({ ...base, nkeySeed: "SUnot-a-seed" }), /is not an NKEY user seed/);
    await assert.rejects(
      // One letter changed mid-seed (the last letter carries padding bits): the checksum fails.
      connectBus({
        ...base,
        nkeySeed: `${seed.slice(0, 10)}${seed[10] === "A" ? "B" : "A"}${seed.slice(11)}`,
      }),
      /not a valid NKEY user seed|not an NKEY user seed/,
    );
    await assert.rejects(
      connectBus({ ...base, nkeySeed: seed, nkeySeedFile: nats.client("gateway").nkeySeedFile as string }),
      /either as a file or as text/,
    );
  });

  test("ws:// reaches the same bus as the same user, where the runtime has a WebSocket", async () => {
    const wsUrl = nats.wsUrl as string;
    if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function") {
      // Node 20: no global WebSocket; the error says so and what to use instead.
      await assert.rejects(
        connectBus({ url: wsUrl, nkeySeed: seed, service: "gateway", logger: testLogger() }),
        /need a runtime with a global WebSocket .* use nats:\/\/ or tls:\/\//,
      );
      return;
    }
    const bus = await connectBus({ url: wsUrl, nkeySeed: seed, service: "gateway", logger: testLogger() });
    assert.equal(bus.status().server, new URL(wsUrl).host);
    const kv = await bus.kv(WorkspacesBucket.name);
    const entry = await kv.get(DEFAULT_WORKSPACE);
    assert.deepEqual(entry?.json(), { probe: true });
    await bus.drain();
  });

  test("a tls CA file with a WebSocket URL is refused (the runtime's trust store applies)", async () => {
    await assert.rejects(
      connectBus({
        url: "wss://127.0.0.1:1",
        tlsCaFile: "/nonexistent/ca.pem",
        service: "gateway",
        logger: testLogger(),
      }),
      /NATS_TLS_CA_FILE applies to tls:\/\/ only/,
    );
  });
});
