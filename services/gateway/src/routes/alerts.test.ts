import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { cleanup, type ServiceProcess, startService, tempDir, withServiceLogs } from "@tenantlens/testkit";
import { Webhook } from "standardwebhooks";
import { type Harness, readError, readOk, startHarness } from "../testing/harness.js";
import {
  createAlert,
  createChannel,
  getChannel,
  listAlerts,
  listChannels,
  listNotifications,
  rotateChannelSecret,
  testChannel,
} from "./alerts.js";

/** Channels, alerts and the delivery log over REST, answered by the real notifier process. */
describe("alert routes", () => {
  let h: Harness;
  let notifier: ServiceProcess;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  let hookUrl = "";

  before(async () => {
    h = await startHarness({ standIns: false });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    notifier = await startService("notifier", {
      NATS_URL: h.nats.url,
      TENANTLENS_DATA_DIR: tempDir("tl-gw-notifier"),
      NOTIFIER_ALLOWED_TARGETS: "127.0.0.1",
      NOTIFIER_RETRY_SCHEDULE: "100ms",
      PUBLIC_URL: "http://127.0.0.1:18080",
    });
  });

  after(async () => {
    await notifier?.stop();
    receiver.close();
    await h?.stop();
    await cleanup();
  });

  it("creates a webhook channel whose secret is shown once, sends a signed test, and logs it", () =>
    withServiceLogs(async () => {
      const created = await readOk(
        createChannel,
        await h.call("POST", "/api/channels", { body: { kind: "webhook", name: "SOC hook", url: hookUrl } }),
      );
      const secret = created.secret ?? "";
      assert.match(secret, /^whsec_/);
      const id = created.channel.id;
      const listed = await h.call("GET", "/api/channels");
      assert.ok(!(await listed.clone().text()).includes(secret.slice(6)), "the secret is never listed");
      assert.deepEqual(
        (await readOk(listChannels, listed)).channels.map((c) => c.id),
        [id],
      );

      const sent = await readOk(testChannel, await h.call("POST", `/api/channels/${id}/test`));
      assert.equal(sent.notification.status, "delivered");
      assert.equal(received.length, 1);
      const hook = received[0]!;
      // Verified with an independent Standard Webhooks implementation.
      const payload = new Webhook(secret).verify(hook.body, {
        "webhook-id": String(hook.headers["webhook-id"]),
        "webhook-timestamp": String(hook.headers["webhook-timestamp"]),
        "webhook-signature": String(hook.headers["webhook-signature"]),
      }) as { type: string };
      assert.equal(payload.type, "channel.test");
      assert.equal(hook.headers["webhook-id"], sent.notification.id);

      const log = await readOk(
        listNotifications,
        await h.call("GET", `/api/notifications?channelId=${id}&limit=5`),
      );
      assert.deepEqual(
        log.notifications.map((n) => [n.id, n.status]),
        [[sent.notification.id, "delivered"]],
      );
      const rotated = await readOk(
        rotateChannelSecret,
        await h.call("POST", `/api/channels/${id}/rotate`, { body: { graceSeconds: 0 } }),
      );
      assert.notEqual(rotated.secret, secret);
      assert.equal((await h.call("POST", `/api/channels/${id}/rotate`, { raw: "{oops" })).status, 400);
    }));

  it("keeps alerts and channels to their workspace and their roles, and refuses internal targets", () =>
    withServiceLogs(async () => {
      const { channel } = await readOk(
        createChannel,
        await h.call("POST", "/api/channels", {
          body: { kind: "email", name: "Admins", recipients: ["secops@example.com"] },
        }),
      );
      const alert = await readOk(
        createAlert,
        await h.call("POST", "/api/alerts", {
          key: h.memberKey,
          body: {
            kind: "rule",
            name: "New critical violations",
            channelIds: [channel.id],
            filters: { severities: ["critical", "high"], on: ["opened"] },
          },
        }),
      );
      assert.equal(alert.alert.kind, "rule");
      assert.deepEqual(
        (await readOk(listAlerts, await h.call("GET", "/api/alerts?kind=rule"))).alerts.map((a) => a.id),
        [alert.alert.id],
      );
      // In use: the channel stays until its alert goes.
      const busy = await h.call("DELETE", `/api/channels/${channel.id}`);
      assert.equal(busy.status, 409);
      assert.match((await readError(busy)).message, /New critical violations/);
      assert.equal(
        (await h.call("DELETE", `/api/alerts/${alert.alert.id}`, { key: h.memberKey })).status,
        200,
      );
      assert.equal((await h.call("DELETE", `/api/channels/${channel.id}`)).status, 200);

      // Another workspace sees none of this, whatever the id.
      assert.deepEqual(
        (await readOk(listChannels, await h.call("GET", "/api/channels", { key: h.otherKey }))).channels,
        [],
      );
      const first = (await readOk(listChannels, await h.call("GET", "/api/channels"))).channels[0];
      assert.ok(first);
      assert.equal((await h.call("GET", `/api/channels/${first.id}`, { key: h.otherKey })).status, 404);
      assert.equal(
        (await readOk(getChannel, await h.call("GET", `/api/channels/${first.id}`))).channel.id,
        first.id,
      );
      // Channels are an admin's: an analyst may not add one.
      const analyst = await h.call("POST", "/api/channels", {
        key: h.memberKey,
        body: { kind: "email", name: "x", recipients: ["a@example.com"] },
      });
      assert.equal(analyst.status, 403);
      // The SSRF guard answers at creation, with a clear message.
      const internal = await h.call("POST", "/api/channels", {
        body: { kind: "webhook", name: "metadata", url: "http://169.254.169.254/latest" },
      });
      assert.equal(internal.status, 400);
      assert.match((await readError(internal)).message, /169\.254\.169\.254|not allowed|private|link-local/i);
    }));
});
