import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AlertCreate,
  AlertUpdate,
  AppError,
  ChannelCreate,
  ChannelDelete,
  ChannelGet,
  ChannelList,
  ChannelRotate,
  ChannelTest,
  ChannelUpdate,
  IntegrationChanged,
  NotificationList,
  WebhookBody,
} from "@tenantlens/contracts";
import { stopAll, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { Webhook } from "standardwebhooks";
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

/**
 * Webhooks end to end: the notifier process consumes a real IntegrationChanged event from JetStream
 * and POSTs to a loopback receiver, which checks every attempt with the standardwebhooks package
 * (an implementation independent of ours).
 */
describe("webhook delivery", { timeout: 120_000 }, () => {
  let stack: NotifierStack;
  let receiver: Receiver;

  before(async () => {
    receiver = await startReceiver();
    stack = await withServiceLogs(() =>
      startNotifierStack({ NOTIFIER_ALLOWED_TARGETS: `127.0.0.1:${receiver.port}` }),
    );
  });
  after(async () => {
    await stack?.stop();
    await receiver?.close();
    await stopAll();
  });

  /** An integration alert sending to `channelIds`, and an event that triggers it. */
  async function brokenIntegration(channelIds: string[]) {
    await stack.bus.request(AlertCreate, {
      kind: "integration",
      workspaceId: WS,
      actor: "key_test",
      name: "Broken integrations",
      channelIds,
      filters: { statuses: ["broken"], pollFailed: true },
    });
    const id = newIntegrationId();
    await stack.bus.publish(IntegrationChanged, integrationChanged(id, "active", { change: "created" }));
    await stack.bus.publish(
      IntegrationChanged,
      integrationChanged(id, "broken", { reason: "AADSTS7000222: secret expired" }),
    );
    return id;
  }

  const path = (p: string) => `${receiver.url}${p}`;
  const requestsTo = (p: string) => receiver.requests.filter((r) => r.url === p);

  it("signs each attempt per Standard Webhooks, keeps the id across retries and stops at 2xx", () =>
    withServiceLogs(async () => {
      let calls = 0;
      receiver.respond = (r) => (r.url === "/signed" && ++calls <= 2 ? { status: 503 } : { status: 204 });
      const { channel, secret } = await createWebhook(stack.bus, path("/signed"), {
        headers: { Authorization: "Bearer receiver-token" },
      });
      assert.match(secret, /^whsec_/);
      assert.equal(channel.secretHint, `${secret.slice(0, 10)}…`);
      assert.deepEqual(channel.headerNames, ["Authorization"]);
      const integrationId = await brokenIntegration([channel.id]);

      const done = await stack.waitRecord(
        (n) => n.channelId === channel.id && n.status === "delivered",
        "delivery",
      );
      assert.equal(done.attempts, 3);
      assert.equal(done.responseCode, 204);
      const seen = requestsTo("/signed");
      assert.equal(seen.length, 3);
      const verifier = new Webhook(secret);
      const ids = new Set<string>();
      for (const r of seen) {
        const body = verifier.verify(r.body, r.headers as Record<string, string>);
        const parsed = WebhookBody.parse(body);
        assert.equal(parsed.type, "integration.status_changed");
        assert.equal(r.headers.authorization, "Bearer receiver-token");
        assert.equal(r.headers["content-type"], "application/json");
        ids.add(String(r.headers["webhook-id"]));
        if (parsed.type === "integration.status_changed") {
          assert.equal(parsed.data.items[0]?.integrationId, integrationId);
          assert.equal(parsed.data.items[0]?.from, "active");
          assert.equal(parsed.data.items[0]?.to, "broken");
          assert.equal(parsed.data.links.console, "http://console.test:8080/");
        }
      }
      assert.deepEqual([...ids], [done.id], "one webhook-id on every attempt");
      assert.equal(new Set(seen.map((r) => r.body)).size, 1, "the same body on every attempt");
      // A signature made with another secret does not verify.
      const other = `whsec_${randomBytes(32).toString("base64")}`;
      assert.throws(() =>
        new Webhook(other).verify(seen[0]!.body, seen[0]!.headers as Record<string, string>),
      );
      // Nor does a body changed in transit.
      assert.throws(() =>
        verifier.verify(
          seen[0]!.body.replace("broken", "active"),
          seen[0]!.headers as Record<string, string>,
        ),
      );
      // The history of the notification: queued, retrying twice, delivered.
      // The log shows the latest state at each publish: never going back, ending delivered.
      const states = stack.records.filter((n) => n.id === done.id);
      assert.equal(states[0]?.status, "queued");
      assert.equal(states.at(-1)?.status, "delivered");
      for (let i = 1; i < states.length; i++) assert.ok(states[i]!.attempts >= states[i - 1]!.attempts);
      assert.ok(states.slice(1, -1).every((n) => n.status === "retrying" && n.error === "HTTP 503"));
      const listed = await stack.bus.request(NotificationList, {
        workspaceId: WS,
        channelId: channel.id,
        limit: 50,
      });
      assert.equal(listed.notifications[0]?.status, "delivered");
      assert.equal(listed.notifications[0]?.id, done.id);
    }));

  it("dead-letters a message after the last attempt", () =>
    withServiceLogs(async () => {
      receiver.respond = (r) => (r.url === "/down" ? { status: 500 } : { status: 204 });
      const { channel } = await createWebhook(stack.bus, path("/down"));
      await brokenIntegration([channel.id]);
      const dead = await stack.waitRecord(
        (n) => n.channelId === channel.id && n.status === "dead_lettered",
        "dead letter",
      );
      assert.equal(dead.attempts, 3, "1 + the 2 retries of the schedule");
      assert.equal(dead.responseCode, 500);
      assert.equal(dead.error, "HTTP 500");
      assert.equal(requestsTo("/down").length, 3);
      assert.equal(new Set(requestsTo("/down").map((r) => r.headers["webhook-id"])).size, 1);
    }));

  it("disables the channel on 410 Gone; its alert keeps sending to the other channel only", () =>
    withServiceLogs(async () => {
      receiver.respond = (r) => (r.url === "/gone" ? { status: 410 } : { status: 204 });
      const gone = (await createWebhook(stack.bus, path("/gone"))).channel;
      const other = (await createWebhook(stack.bus, path("/other"))).channel;
      await brokenIntegration([gone.id, other.id]);
      const failed = await stack.waitRecord((n) => n.channelId === gone.id && n.status === "failed", "410");
      assert.equal(failed.attempts, 1, "410 is not retried");
      assert.equal(failed.responseCode, 410);
      const { channel } = await stack.bus.request(ChannelGet, { workspaceId: WS, id: gone.id });
      assert.equal(channel.enabled, false);
      assert.match(channel.disabledReason ?? "", /410 Gone/);

      await brokenIntegration([gone.id, other.id]);
      // The second alert's message to the healthy channel is created in the same transaction as one
      // to the disabled channel would be: once it is delivered, nothing was made for /gone.
      await waitFor(() => requestsTo("/other").length === 2, { what: "second delivery to /other" });
      await stack.waitRecord(
        (n) =>
          n.channelId === other.id &&
          n.status === "delivered" &&
          n.id !== failed.id &&
          requestsTo("/other").length === 2,
        "second delivery recorded",
      );
      assert.equal(requestsTo("/gone").length, 1);
      const list = await stack.bus.request(NotificationList, {
        workspaceId: WS,
        channelId: gone.id,
        limit: 50,
      });
      assert.equal(list.notifications.length, 1);
    }));

  it("tests a channel with one synchronous attempt and rotates its secret with a grace period", () =>
    withServiceLogs(async () => {
      receiver.respond = () => ({ status: 200 });
      const { channel, secret } = await createWebhook(stack.bus, path("/test"));
      const first = await stack.bus.request(ChannelTest, {
        workspaceId: WS,
        id: channel.id,
        actor: "key_test",
      });
      assert.equal(first.notification.status, "delivered");
      assert.equal(first.notification.eventType, "channel.test");
      const r1 = requestsTo("/test")[0]!;
      assert.equal(
        WebhookBody.parse(new Webhook(secret).verify(r1.body, r1.headers as Record<string, string>)).type,
        "channel.test",
      );

      const rotated = await stack.bus.request(ChannelRotate, {
        workspaceId: WS,
        id: channel.id,
        actor: "key_test",
        graceSeconds: 3600,
      });
      assert.notEqual(rotated.secret, secret);
      assert.ok(rotated.channel.previousSecretExpiresAt);
      await stack.bus.request(ChannelTest, { workspaceId: WS, id: channel.id, actor: "key_test" });
      const r2 = requestsTo("/test")[1]!;
      const headers = r2.headers as Record<string, string>;
      assert.equal(
        headers["webhook-signature"]?.split(" ").length,
        2,
        "signed with the new and the old secret",
      );
      new Webhook(rotated.secret).verify(r2.body, headers);
      new Webhook(secret).verify(r2.body, headers);

      const noGrace = await stack.bus.request(ChannelRotate, {
        workspaceId: WS,
        id: channel.id,
        actor: "key_test",
        graceSeconds: 0,
      });
      await stack.bus.request(ChannelTest, { workspaceId: WS, id: channel.id, actor: "key_test" });
      const r3 = requestsTo("/test")[2]!;
      new Webhook(noGrace.secret).verify(r3.body, r3.headers as Record<string, string>);
      assert.throws(() => new Webhook(rotated.secret).verify(r3.body, r3.headers as Record<string, string>));

      receiver.respond = () => ({ status: 302, headers: { location: "http://127.0.0.1:1/" } });
      const redirected = await stack.bus.request(ChannelTest, {
        workspaceId: WS,
        id: channel.id,
        actor: "key_test",
      });
      assert.equal(redirected.notification.status, "failed");
      assert.match(redirected.notification.error ?? "", /redirects are not followed/);
    }));

  it("validates channels and alerts, scopes them per workspace and never shows secrets", () =>
    withServiceLogs(async () => {
      const reject = async (p: Promise<unknown>, code: string, message: RegExp) => {
        const err = await p.then(
          () => null,
          (e: unknown) => e,
        );
        assert.ok(err instanceof AppError, `expected ${code}`);
        assert.equal(err.code, code);
        assert.match(err.message, message);
      };
      const { channel } = await createWebhook(stack.bus, path("/valid"), {
        headers: { "X-Token": "s3cret-header" },
      });
      const alert = (
        filters: Record<string, unknown>,
        kind: "change" | "rule" = "change",
        channelIds = [channel.id],
      ) =>
        stack.bus.request(AlertCreate, {
          kind,
          workspaceId: WS,
          actor: "key_test",
          name: "x",
          channelIds,
          filters: filters as never,
        });
      await reject(alert({ table: "azuread_nope" }), "bad_request", /unknown table azuread_nope/);
      await reject(
        alert({ table: "azuread_user", fields: ["shoe_size"] }),
        "bad_request",
        /has no field shoe_size/,
      );
      await reject(
        alert({ table: "azuread_user", condition: "credential_added" }),
        "bad_request",
        /applies to azuread_application/,
      );
      await reject(
        alert({}, "rule", ["ch_doesnotexist1"]),
        "bad_request",
        /channel ch_doesnotexist1 does not exist/,
      );
      await reject(
        stack.bus.request(ChannelCreate, {
          kind: "webhook",
          workspaceId: WS,
          actor: "k",
          name: "x",
          url: "http://h.test/",
          headers: { "Webhook-Id": "x" },
        }),
        "bad_request",
        /reserved header/,
      );
      const { alert: created } = await alert({ severities: ["critical"] }, "rule");
      await reject(
        stack.bus.request(AlertUpdate, {
          workspaceId: WS,
          actor: "k",
          id: created.id,
          filters: { table: "azuread_user" },
        }),
        "bad_request",
        /invalid filters for a rule alert/,
      );
      await reject(
        stack.bus.request(ChannelDelete, { workspaceId: WS, actor: "k", id: channel.id }),
        "conflict",
        new RegExp(created.id),
      );
      await reject(
        stack.bus.request(ChannelUpdate, {
          workspaceId: WS,
          actor: "k",
          id: channel.id,
          recipients: ["a@example.com"],
        }),
        "bad_request",
        /recipients apply to email channels/,
      );
      // Another workspace sees none of it.
      await reject(
        stack.bus.request(ChannelGet, { workspaceId: "other", id: channel.id }),
        "not_found",
        /not found/,
      );
      assert.deepEqual((await stack.bus.request(ChannelList, { workspaceId: "other" })).channels, []);
      // Secrets and header values are sealed at rest and never in answers.
      const listed = JSON.stringify(await stack.bus.request(ChannelList, { workspaceId: WS }));
      assert.doesNotMatch(listed, /s3cret-header/);
      assert.doesNotMatch(listed, /whsec_[A-Za-z0-9+/]{20}/);
      const files = readdirSync(join(stack.dataDir, "notifier")).map((f) =>
        readFileSync(join(stack.dataDir, "notifier", f)),
      );
      const raw = Buffer.concat(files).toString("latin1");
      assert.ok(raw.includes("A256GCM"), "sealed values are in the notifier's file");
      assert.ok(!raw.includes("s3cret-header"), "no header value in clear at rest");
    }));
});
