import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { AlertCreate, AppError, ChannelTest, IntegrationChanged } from "@tenantlens/contracts";
import { stopAll, withServiceLogs } from "@tenantlens/testkit";
import { type DnsServer, startDnsServer } from "./testing/dns-server.js";
import {
  createWebhook,
  integrationChanged,
  type NotifierStack,
  newIntegrationId,
  type Receiver,
  startNotifierStack,
  startReceiver,
  WS,
} from "./testing/harness.js";

/** TCP listeners on loopback (IPv4 and, where the machine has it, IPv6) that count every connection. */
async function startListeners(): Promise<{ port: number; count(): number; close(): Promise<void> }> {
  let accepted = 0;
  const servers: Server[] = [];
  const listen = (host: string, port: number) =>
    new Promise<Server | null>((resolve) => {
      const s = createServer((sock) => {
        accepted++;
        sock.destroy();
      });
      s.once("error", () => resolve(null));
      s.listen(port, host, () => resolve(s));
    });
  const v4 = await listen("127.0.0.1", 0);
  if (!v4) throw new Error("cannot listen on 127.0.0.1");
  servers.push(v4);
  const port = (v4.address() as { port: number }).port;
  const v6 = await listen("::1", port);
  if (v6) servers.push(v6);
  return {
    port,
    count: () => accepted,
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => {}),
  };
}

/** Internal addresses, written every way the issue lists; `L` becomes the counting listener's port. */
const MATRIX = [
  "http://127.0.0.1:L/hook",
  "http://localhost:L/hook",
  "http://[::1]:L/hook",
  "http://[::ffff:127.0.0.1]:L/hook",
  "http://169.254.169.254/latest/meta-data/",
  "http://10.0.0.1:L/hook",
  "http://2130706433:L/hook",
  "http://0x7f000001:L/hook",
  "http://0177.0.0.1:L/hook",
  "http://127.1:L/hook",
  "http://[fd00:ec2::254]/latest",
  "https://192.168.1.1/hook",
];

const EXPECTED_REASON: Record<string, RegExp> = {
  "http://[::ffff:127.0.0.1]:L/hook": /IPv4-mapped/,
  "http://169.254.169.254/latest/meta-data/": /cloud metadata/,
  "http://[fd00:ec2::254]/latest": /cloud metadata/,
  "http://10.0.0.1:L/hook": /private/,
  "https://192.168.1.1/hook": /private/,
};

describe("SSRF guard", { timeout: 180_000 }, () => {
  let listeners: Awaited<ReturnType<typeof startListeners>>;
  let receiver: Receiver;
  let stack: NotifierStack;
  const urls = () => MATRIX.map((u) => u.replace(":L", `:${listeners.port}`));

  before(async () => {
    listeners = await startListeners();
    receiver = await startReceiver();
    stack = await withServiceLogs(() =>
      startNotifierStack({ NOTIFIER_ALLOWED_TARGETS: `127.0.0.1:${receiver.port}` }),
    );
  });
  after(async () => {
    await stack?.stop();
    await receiver?.close();
    await listeners?.close();
    await stopAll();
  });

  it("refuses every internal target when the channel is created, saying why", () =>
    withServiceLogs(async () => {
      for (const [i, url] of urls().entries()) {
        const err = await createWebhook(stack.bus, url).then(
          () => null,
          (e: unknown) => e,
        );
        assert.ok(err instanceof AppError, `${url} was accepted`);
        assert.equal(err.code, "bad_request", url);
        assert.match(err.message, /^webhook target refused: /, url);
        assert.match(err.message, /NOTIFIER_ALLOWED_TARGETS/, url);
        assert.match(err.message, EXPECTED_REASON[MATRIX[i] as string] ?? /loopback/, url);
      }
      // The allow-list is exact: the receiver's port is allowed, the listener's port on the same host is not.
      await createWebhook(stack.bus, `${receiver.url}/ok`);
      assert.equal(listeners.count(), 0);
    }));

  it("refuses them again at delivery (channels made while they were allowed) and never connects", () =>
    withServiceLogs(async () => {
      // An operator allowed everything, channels were made, then the allowance was withdrawn.
      const open = await startNotifierStack({ NOTIFIER_ALLOWED_TARGETS: "0.0.0.0/0,::/0" });
      const channels: string[] = [];
      for (const url of urls()) channels.push((await createWebhook(open.bus, url)).channel.id);
      const healthy = (await createWebhook(open.bus, `${receiver.url}/after`)).channel.id;
      // Same data directory, now with only the receiver allowed.
      await open.notifier.stop();
      const strict = await startNotifierStack(
        { NOTIFIER_ALLOWED_TARGETS: `127.0.0.1:${receiver.port}` },
        { nats: open.nats, dataDir: open.dataDir },
      ).catch(async (e: unknown) => {
        await open.stop();
        throw e;
      });
      try {
        for (const [i, group] of [channels.slice(0, 6), [...channels.slice(6), healthy]].entries()) {
          await strict.bus.request(AlertCreate, {
            kind: "integration",
            workspaceId: WS,
            actor: "key_test",
            name: `ssrf ${i}`,
            channelIds: group,
            filters: { statuses: ["broken"], pollFailed: false },
          });
        }
        const id = newIntegrationId();
        await strict.bus.publish(IntegrationChanged, integrationChanged(id, "broken"));
        for (const ch of channels) {
          const n = await strict.waitRecord(
            (r) => r.channelId === ch && r.status === "failed",
            `refusal for ${ch}`,
          );
          assert.equal(n.attempts, 1, "a refused target is not retried");
          assert.match(n.error ?? "", /^webhook target refused: /);
        }
        await strict.waitRecord(
          (r) => r.channelId === healthy && r.status === "delivered",
          "the healthy channel",
        );
        assert.equal(listeners.count(), 0, "no connection reached the internal listener");
      } finally {
        await strict.stop();
        await open.stop();
      }
    }));

  it("does not follow a redirect to an internal address", () =>
    withServiceLogs(async () => {
      const again = await startNotifierStack({ NOTIFIER_ALLOWED_TARGETS: `127.0.0.1:${receiver.port}` });
      try {
        receiver.respond = (r) =>
          r.url === "/redirect"
            ? { status: 307, headers: { location: `http://127.0.0.1:${listeners.port}/internal` } }
            : { status: 204 };
        const { channel } = await createWebhook(again.bus, `${receiver.url}/redirect`);
        const res = await again.bus.request(ChannelTest, {
          workspaceId: WS,
          id: channel.id,
          actor: "key_test",
        });
        assert.equal(res.notification.status, "failed");
        assert.equal(res.notification.responseCode, 307);
        assert.match(res.notification.error ?? "", /redirects are not followed/);
        assert.equal(listeners.count(), 0);
      } finally {
        await again.stop();
      }
    }));
});

describe("SSRF guard with DNS", { timeout: 120_000 }, () => {
  let listeners: Awaited<ReturnType<typeof startListeners>>;
  let dns: DnsServer;
  let stack: NotifierStack;
  let rebindTo = "93.184.216.34";

  before(async () => {
    listeners = await startListeners();
    dns = await startDnsServer((name) => {
      if (name === "loopback.test") return ["127.0.0.1"];
      if (name === "mixed.test") return ["93.184.216.34", "10.1.2.3"];
      if (name === "rebind.test") return [rebindTo];
      if (name === "v6only.test") return ["::1"];
      return [];
    });
    stack = await withServiceLogs(() => startNotifierStack({ NOTIFIER_DNS_SERVERS: dns.address }));
  });
  after(async () => {
    await stack?.stop();
    await dns?.close();
    await listeners?.close();
    await stopAll();
  });

  const refused = (url: string) =>
    createWebhook(stack.bus, url).then(
      () => assert.fail(`${url} was accepted`),
      (e: unknown) => (e instanceof AppError ? e.message : String(e)),
    );

  it("checks every address a name resolves to (A and AAAA)", async () => {
    assert.match(
      await refused(`http://loopback.test:${listeners.port}/`),
      /loopback\.test resolves to 127\.0\.0\.1, a loopback/,
    );
    assert.match(await refused(`http://v6only.test:${listeners.port}/`), /resolves to ::1, a loopback/);
    assert.match(await refused(`http://mixed.test:${listeners.port}/`), /resolves to 10\.1\.2\.3, a private/);
    assert.match(await refused("http://unknown.test/"), /unknown\.test does not resolve/);
    assert.ok(dns.queries.includes("loopback.test/A") && dns.queries.includes("loopback.test/AAAA"));
    assert.equal(listeners.count(), 0);
  });

  it("checks the address it connects to: a name that rebinds to loopback after creation is refused", () =>
    withServiceLogs(async () => {
      rebindTo = "93.184.216.34";
      const { channel } = await createWebhook(stack.bus, `http://rebind.test:${listeners.port}/hook`);
      rebindTo = "127.0.0.1";
      const res = await stack.bus.request(ChannelTest, {
        workspaceId: WS,
        id: channel.id,
        actor: "key_test",
      });
      assert.equal(res.notification.status, "failed");
      assert.match(res.notification.error ?? "", /rebind\.test resolves to 127\.0\.0\.1, a loopback address/);
      assert.equal(listeners.count(), 0);
    }));
});
