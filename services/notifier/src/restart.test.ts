import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AlertCreate, IntegrationChanged } from "@tenantlens/contracts";
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
 * Retries live in the notifier's database, not in memory: a notifier killed (SIGKILL) or stopped
 * (SIGTERM) between attempts, or in the middle of one, delivers the same message with the same
 * webhook-id after it starts again.
 */
describe("notifier restart mid-retry", { timeout: 120_000 }, () => {
  let stack: NotifierStack;
  let receiver: Receiver;

  before(async () => {
    receiver = await startReceiver();
    stack = await withServiceLogs(() =>
      startNotifierStack({
        NOTIFIER_ALLOWED_TARGETS: `127.0.0.1:${receiver.port}`,
        // Long enough for the restart to happen before the retry is due.
        NOTIFIER_RETRY_SCHEDULE: "3s,3s",
      }),
    );
  });
  after(async () => {
    await stack?.stop();
    await receiver?.close();
    await stopAll();
  });

  async function trigger(path: string) {
    const { channel, secret } = await createWebhook(stack.bus, `${receiver.url}${path}`);
    await stack.bus.request(AlertCreate, {
      kind: "integration",
      workspaceId: WS,
      actor: "key_test",
      name: `restart ${path}`,
      channelIds: [channel.id],
      filters: { statuses: ["broken"], pollFailed: false },
    });
    await stack.bus.publish(IntegrationChanged, integrationChanged(newIntegrationId(), "broken"));
    return { channel, secret };
  }

  const to = (p: string) => receiver.requests.filter((r) => r.url === p);

  for (const how of ["kill", "stop"] as const) {
    it(`loses nothing when the notifier is ${how === "kill" ? "killed (SIGKILL)" : "stopped (SIGTERM)"} between attempts`, () =>
      withServiceLogs(async () => {
        const path = `/between-${how}`;
        let failing = true;
        receiver.respond = (r) => (r.url === path && failing ? { status: 503 } : { status: 204 });
        const { channel, secret } = await trigger(path);
        const retrying = await stack.waitRecord(
          (n) => n.channelId === channel.id && n.status === "retrying",
          "first failure",
        );
        await stack.restart(how);
        failing = false;
        const done = await stack.waitRecord(
          (n) => n.channelId === channel.id && n.status === "delivered",
          "delivery",
        );
        assert.equal(done.id, retrying.id);
        // Two attempts, or more when the retry fell due while the new process was starting and
        // met the receiver still failing: every one counted and carrying the same id.
        const seen = to(path);
        assert.ok(done.attempts >= 2, `attempts: ${done.attempts}`);
        assert.equal(seen.length, done.attempts);
        for (const r of seen) {
          assert.equal(r.headers["webhook-id"], done.id);
          new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
        }
      }));
  }

  it("attempts again, with the same id, a delivery that was in flight when the notifier died", () =>
    withServiceLogs(async () => {
      const path = "/in-flight";
      // Only the first attempt hangs: the restarted notifier may try again before this test resumes.
      let calls = 0;
      receiver.respond = (r) => (r.url === path && ++calls === 1 ? "hang" : { status: 204 });
      const { channel } = await trigger(path);
      await waitFor(() => to(path).length === 1, { what: "the first attempt to arrive" });
      await stack.restart("kill");
      const done = await stack.waitRecord(
        (n) => n.channelId === channel.id && n.status === "delivered",
        "delivery",
      );
      assert.equal(done.attempts, 2, "the interrupted attempt counts");
      assert.deepEqual(
        to(path).map((r) => r.headers["webhook-id"]),
        [done.id, done.id],
      );
    }));
});
