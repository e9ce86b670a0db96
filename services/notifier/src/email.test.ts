import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AlertCreate,
  ChannelCreate,
  ChannelTest,
  RuleStatusChanged,
  RunCompleted,
  ViolationsChanged,
} from "@tenantlens/contracts";
import { type CatcherProcess, startCatcherProcess } from "@tenantlens/mail-catcher";
import { stopAll, tempDir, waitFor, withServiceLogs } from "@tenantlens/testkit";
import {
  type NotifierStack,
  newIntegrationId,
  ruleStatusChanged,
  runCompleted,
  runId,
  startNotifierStack,
  violationsChanged,
  WS,
} from "./testing/harness.js";

/**
 * Email end to end: a real SMTP server process (libs/mail-catcher, smtp-server) receives what the
 * notifier sends through nodemailer, and the test parses it with mailparser.
 */
describe("email delivery", { timeout: 120_000 }, () => {
  let smtp: CatcherProcess;
  let stack: NotifierStack;
  let channelId = "";

  before(async () => {
    smtp = await startCatcherProcess(tempDir("tl-mail"));
    stack = await withServiceLogs(() =>
      startNotifierStack({ SMTP_URL: smtp.smtpUrl, SMTP_FROM: "Tenantlens Alerts <alerts@tenantlens.test>" }),
    );
    const { channel } = await stack.bus.request(ChannelCreate, {
      kind: "email",
      workspaceId: WS,
      actor: "key_test",
      name: "Security team",
      recipients: ["secops@example.com", "ciso@example.com"],
      limits: { maxMessages: 100, windowSeconds: 60, dedupSeconds: 0 },
    });
    channelId = channel.id;
    await stack.bus.request(AlertCreate, {
      kind: "rule",
      workspaceId: WS,
      actor: "key_test",
      name: "New critical and high violations",
      channelIds: [channelId],
      filters: { severities: ["critical", "high"], on: ["status_changed", "opened", "reopened"] },
    });
  });
  after(async () => {
    await stack?.stop();
    await smtp?.stop();
    await stopAll();
  });

  const mails = async (n: number) =>
    waitFor(
      async () => {
        const m = await smtp.messages();
        return m.length >= n ? m : undefined;
      },
      { what: `${n} mail(s)`, timeoutMs: 20_000, intervalMs: 50 },
    );

  it("sends one digest mail per rules run, HTML and text, with a link to the console", () =>
    withServiceLogs(async () => {
      const integration = newIntegrationId();
      const run = runId();
      const critical = { id: "eidsca-ap04", severity: "critical" as const };
      const medium = { id: "mt-1003", severity: "medium" as const };
      const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
      await stack.bus.publish(
        RuleStatusChanged,
        ruleStatusChanged(run, integration, critical, "passing", "failing"),
      );
      // Two parts of the same rule's transitions, and a medium rule the alert does not want.
      await stack.bus.publish(
        ViolationsChanged,
        violationsChanged(run, integration, critical, users.slice(0, 20)),
      );
      await stack.bus.publish(ViolationsChanged, {
        ...violationsChanged(run, integration, critical, users.slice(20)),
        part: 1,
        parts: 2,
      });
      await stack.bus.publish(ViolationsChanged, violationsChanged(run, integration, medium, ["user-x"]));
      await stack.bus.publish(RunCompleted, runCompleted(run, [integration]));

      const [mail] = await mails(1);
      assert.ok(mail);
      assert.equal(
        mail.subject,
        "[Tenantlens] New critical and high violations: 40 violations opened, 1 rule now failing",
      );
      assert.deepEqual(mail.from?.value, [{ address: "alerts@tenantlens.test", name: "Tenantlens Alerts" }]);
      const to = Array.isArray(mail.to) ? mail.to : [mail.to];
      assert.deepEqual(
        to.flatMap((a) => a?.value.map((v) => v.address)),
        ["secops@example.com", "ciso@example.com"],
      );
      assert.match(String(mail.messageId), /^<msg_[a-z0-9]+@tenantlens>$/);
      const html = String(mail.html);
      const text = mail.text ?? "";
      assert.match(html, /href="http:\/\/console\.test:8080\/"/);
      assert.match(text, /Open Tenantlens: http:\/\/console\.test:8080\//);
      assert.equal((html.match(/opened: User user-/g) ?? []).length, 40);
      assert.match(text, /\[critical\] Rule eidsca-ap04: passing → failing/);
      assert.doesNotMatch(html + text, /user-x/, "the medium rule is filtered out");

      // A later run makes the second mail: the first run made exactly one.
      const next = runId();
      await stack.bus.publish(
        ViolationsChanged,
        violationsChanged(next, integration, critical, ["late-user"], "reopened"),
      );
      await stack.bus.publish(RunCompleted, runCompleted(next, [integration]));
      const all = await mails(2);
      assert.equal(all.length, 2);
      assert.match(all[1]?.subject ?? "", /Rule eidsca-ap04: 1 violation reopened/);
      const delivered = await stack.waitRecord(
        (n) => n.channelId === channelId && n.itemCount === 41,
        "first mail logged",
      );
      assert.equal(delivered.status, "delivered");
      assert.equal(delivered.responseCode, 250);
    }));

  it("caps a large digest at 100 items and says how many more there are; escapes HTML", () =>
    withServiceLogs(async () => {
      const before = (await smtp.messages()).length;
      const integration = newIntegrationId();
      const run = runId();
      const rule = { id: "big-rule", severity: "high" as const };
      const event = violationsChanged(
        run,
        integration,
        rule,
        Array.from({ length: 150 }, (_, i) => `obj-${i}`),
      );
      event.changes[0]!.displayName = "<script>alert(1)</script>";
      await stack.bus.publish(ViolationsChanged, event);
      await stack.bus.publish(RunCompleted, runCompleted(run, [integration]));
      const mail = (await mails(before + 1))[before];
      assert.ok(mail);
      assert.match(mail.text ?? "", /… and 50 more \(150 in all\)/);
      assert.equal((String(mail.html).match(/opened: /g) ?? []).length, 100);
      assert.doesNotMatch(String(mail.html), /<script>/);
      assert.match(String(mail.html), /&lt;script&gt;/);
    }));

  it("tests an email channel", () =>
    withServiceLogs(async () => {
      const before = (await smtp.messages()).length;
      const res = await stack.bus.request(ChannelTest, { workspaceId: WS, id: channelId, actor: "key_test" });
      assert.equal(res.notification.status, "delivered");
      const mail = (await mails(before + 1))[before];
      assert.equal(mail?.subject, "[Tenantlens] Test of channel Security team");
    }));
});
