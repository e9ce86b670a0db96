import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AlertCreate,
  RuleStatusChanged,
  RunCompleted,
  ViolationsChanged,
  WebhookBody,
} from "@tenantlens/contracts";
import { stopAll, waitFor, withServiceLogs } from "@tenantlens/testkit";
import {
  createWebhook,
  type NotifierStack,
  newIntegrationId,
  type Receiver,
  ruleStatusChanged,
  runCompleted,
  runId,
  startNotifierStack,
  startReceiver,
  violationsChanged,
  WS,
} from "./testing/harness.js";

/** A flapping rule or a busy tenant cannot flood a channel; what was held back comes later, summarised. */
describe("per-channel deduplication and rate limits", { timeout: 120_000 }, () => {
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

  const bodies = (p: string) =>
    receiver.requests.filter((r) => r.url === p).map((r) => WebhookBody.parse(JSON.parse(r.body)));

  async function ruleAlert(url: string, limits: Record<string, number>) {
    const { channel } = await createWebhook(stack.bus, `${receiver.url}${url}`, { limits });
    await stack.bus.request(AlertCreate, {
      kind: "rule",
      workspaceId: WS,
      actor: "key_test",
      name: `rules to ${url}`,
      channelIds: [channel.id],
      filters: { on: ["status_changed", "opened", "reopened"] },
    });
    return channel;
  }

  it("holds messages over the channel's rate and sends them, summarised, once the window allows", () =>
    withServiceLogs(async () => {
      await ruleAlert("/rate", { maxMessages: 2, windowSeconds: 2, dedupSeconds: 0 });
      const integration = newIntegrationId();
      const rule = { id: "busy-rule", severity: "high" as const };
      const started = Date.now();
      for (let i = 0; i < 5; i++) {
        const run = runId();
        await stack.bus.publish(ViolationsChanged, violationsChanged(run, integration, rule, [`obj-${i}`]));
        await stack.bus.publish(RunCompleted, runCompleted(run, [integration]));
      }
      await waitFor(() => bodies("/rate").length === 3, { what: "three messages", timeoutMs: 15_000 });
      const [first, second, third] = bodies("/rate");
      const items = (b: WebhookBody | undefined) =>
        b?.type === "rule.results_changed"
          ? b.data.items.map((i) => (i.type === "violation" ? i.resourceId : ""))
          : [];
      assert.deepEqual(items(first), ["obj-0"]);
      assert.deepEqual(items(second), ["obj-1"]);
      assert.deepEqual(items(third), ["obj-2", "obj-3", "obj-4"]);
      assert.equal(third?.type === "rule.results_changed" && third.data.heldBack?.delayed, 3);
      assert.ok(Date.now() - started >= 2_000, "the held-back digest waited for the window");
      // Nothing else was sent: a fourth message would be a new batch, and the next run proves the order.
      const run = runId();
      await stack.bus.publish(ViolationsChanged, violationsChanged(run, integration, rule, ["obj-5"]));
      await stack.bus.publish(RunCompleted, runCompleted(run, [integration]));
      await waitFor(() => bodies("/rate").length === 4, { what: "a fourth message", timeoutMs: 15_000 });
      assert.deepEqual(items(bodies("/rate")[3]), ["obj-5"]);
    }));

  it("drops repeats of the same item within the dedup window and counts them in the next message", () =>
    withServiceLogs(async () => {
      await ruleAlert("/flap", { maxMessages: 100, windowSeconds: 60, dedupSeconds: 3600 });
      const integration = newIntegrationId();
      const rule = { id: "flapping-rule", severity: "critical" as const };
      // The rule flaps for eight runs: failing, passing, failing, passing, …
      for (let i = 0; i < 8; i++) {
        const run = runId();
        const to = i % 2 === 0 ? "failing" : "passing";
        await stack.bus.publish(
          RuleStatusChanged,
          ruleStatusChanged(run, integration, rule, to === "failing" ? "passing" : "failing", to),
        );
        await stack.bus.publish(RunCompleted, runCompleted(run, [integration]));
      }
      // Then something new happens: its message is the third, and it reports the six repeats.
      const run = runId();
      await stack.bus.publish(ViolationsChanged, violationsChanged(run, integration, rule, ["obj-new"]));
      await stack.bus.publish(RunCompleted, runCompleted(run, [integration]));
      await waitFor(() => bodies("/flap").length === 3, { what: "three messages", timeoutMs: 15_000 });
      const sent = bodies("/flap");
      const third = sent[2];
      assert.equal(third?.type, "rule.results_changed");
      if (third?.type !== "rule.results_changed") return;
      assert.deepEqual(
        sent.slice(0, 2).map((b) => (b.type === "rule.results_changed" ? b.data.summary : "")),
        ["Rule flapping-rule: 1 rule now failing", "Rule flapping-rule: 1 rule now passing"],
      );
      assert.equal(third.data.items[0]?.type, "violation");
      assert.equal(third.data.heldBack?.duplicates, 6);
      assert.equal(third.data.heldBack?.delayed, 0);
    }));
});
