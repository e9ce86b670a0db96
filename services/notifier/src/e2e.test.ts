import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bus, on } from "@tenantlens/bus";
import {
  AlertCreate,
  ChannelCreate,
  type EventPayload,
  GenerationCommitted,
  IntegrationCreate,
  PollStart,
  QueryExecute,
  SavedQueryCreate,
  WebhookBody,
} from "@tenantlens/contracts";
import { startSimulator } from "@tenantlens/entra-sim";
import { type CatcherProcess, startCatcherProcess } from "@tenantlens/mail-catcher";
import {
  connectTestBus,
  graphEnv,
  startNats,
  startService,
  stopAll,
  tempDir,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";
import { Webhook } from "standardwebhooks";
import { type Receiver, startReceiver, WS } from "./testing/harness.js";

/**
 * The real stack: the simulator's tenant is collected by auth + poller + store, the notifier reads
 * the change through the query service, and one directory change in the tenant produces exactly
 * one signed webhook and one mail.
 */
describe("end to end: a tenant change → one webhook and one mail", { timeout: 300_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let smtp: CatcherProcess;
  let receiver: Receiver;
  let bus: Bus;
  const generations: EventPayload<typeof GenerationCommitted>[] = [];

  before(async () => {
    sim = await startSimulator({ seed: 11, tenants: [{ users: 60 }] });
    smtp = await startCatcherProcess(tempDir("tl-e2e-mail"));
    receiver = await startReceiver();
    const nats = await startNats();
    const env = {
      NATS_URL: nats.url,
      TENANTLENS_DATA_DIR: tempDir("tl-e2e-notify"),
      ...graphEnv(sim),
      POLL_INTERVAL_SECONDS: "0",
      GENERATION_DEBOUNCE_MS: "200",
      QUERY_WORKERS: "1",
      SMTP_URL: smtp.smtpUrl,
      NOTIFIER_ALLOWED_TARGETS: `127.0.0.1:${receiver.port}`,
      PUBLIC_URL: "http://console.test:8080",
    };
    await withServiceLogs(async () => {
      for (const name of ["auth", "store", "query", "poller", "notifier"])
        await startService(name, env, { readyTimeoutMs: 60_000 });
    });
    bus = await connectTestBus(nats, { service: "gateway", label: "notifier-e2e" });
    await bus.consume({
      durable: "e2e-generations",
      stream: "TL_STORE",
      handlers: [on(GenerationCommitted, async (g) => void generations.push(g))],
    });
  });
  after(async () => {
    await bus?.drain();
    await stopAll();
    await smtp?.stop();
    await receiver?.close();
    await sim?.stop();
  });

  const committed = (pollId: string) =>
    waitFor(() => generations.find((g) => g.pollIds.includes(pollId)), {
      what: `poll ${pollId} committed`,
      timeoutMs: 120_000,
    });

  it("disabling an account in the tenant sends one webhook and one mail, and enabling it again one more", () =>
    withServiceLogs(async () => {
      const tenant = sim.tenants[0]!;
      const { integration } = await bus.request(IntegrationCreate, {
        workspaceId: WS,
        name: "Contoso (simulator)",
        tenantId: tenant.tenantId,
        auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
      });
      // The first collection (started by the poller when the integration appears) is the baseline.
      await waitFor(() => generations.find((g) => g.pollIds.length > 0), {
        what: "first collection",
        timeoutMs: 120_000,
      });

      const hook = await bus.request(ChannelCreate, {
        kind: "webhook",
        workspaceId: WS,
        actor: "key_e2e",
        name: "SIEM",
        url: `${receiver.url}/siem`,
      });
      const mail = await bus.request(ChannelCreate, {
        kind: "email",
        workspaceId: WS,
        actor: "key_e2e",
        name: "Security team",
        recipients: ["secops@example.com"],
      });
      await bus.request(AlertCreate, {
        kind: "change",
        workspaceId: WS,
        actor: "key_e2e",
        name: "Accounts enabled or disabled",
        channelIds: [hook.channel.id, mail.channel.id],
        filters: { table: "azuread_user", changeTypes: ["modified"], fields: ["account_enabled"] },
      });
      // A query alert on the same channel: the saved query's rows change with the account.
      const { savedQuery } = await bus.request(SavedQueryCreate, {
        workspaceId: WS,
        actor: "key_e2e",
        name: "Disabled accounts",
        description: "",
        sql: "SELECT id, display_name FROM azuread_user WHERE NOT account_enabled ORDER BY id",
      });
      await bus.request(
        AlertCreate,
        {
          kind: "query",
          workspaceId: WS,
          actor: "key_e2e",
          name: "Disabled accounts changed",
          channelIds: [hook.channel.id],
          filters: { savedQueryId: savedQuery.id, on: ["rows_added", "rows_removed"] },
        },
        { timeoutMs: 20_000 },
      );
      const { rows } = await bus.request(QueryExecute, {
        workspaceId: WS,
        actor: "key_e2e",
        sql: "SELECT id, display_name FROM azuread_user WHERE account_enabled ORDER BY id LIMIT 1",
        format: "json",
      });
      const userId = String(rows?.[0]?.id);
      const name = String(rows?.[0]?.display_name);

      for (const [round, enabled] of [false, true].entries()) {
        await sim.control.request("PATCH", `/_sim/tenants/${tenant.tenantId}/objects/${userId}`, {
          accountEnabled: enabled,
        });
        const { pollId } = await bus.request(PollStart, {
          workspaceId: WS,
          integrationId: integration.id,
          reason: "manual",
        });
        await committed(pollId);
        await waitFor(() => receiver.requests.length === round + 1, {
          what: `webhook ${round + 1}`,
          timeoutMs: 30_000,
        });
        await waitFor(async () => (await smtp.messages()).length === round + 1 || undefined, {
          what: `mail ${round + 1}`,
          timeoutMs: 30_000,
        });
      }
      // Each change made exactly one of each: the second round's arrivals are the second ones.
      await waitFor(() => receiver.requests.length === 4, { what: "the query alert's two webhooks" });
      const bodies = receiver.requests.map((r) =>
        WebhookBody.parse(new Webhook(hook.secret ?? "").verify(r.body, r.headers as Record<string, string>)),
      );
      assert.equal(bodies.filter((b) => b.type === "resource.changed").length, 2);
      const queryBodies = bodies.filter((b) => b.type === "query.result_changed");
      assert.deepEqual(
        queryBodies.map((b) =>
          b.type === "query.result_changed" ? [b.data.rowsAdded, b.data.rowsRemoved] : [],
        ),
        [
          [1, 0],
          [0, 1],
        ],
      );
      const mails = await smtp.messages();
      assert.equal(mails.length, 2);
      const first = receiver.requests.find((r) => r.body.includes('"type":"resource.changed"'));
      const body = WebhookBody.parse(
        new Webhook(hook.secret ?? "").verify(first!.body, first!.headers as Record<string, string>),
      );
      if (body.type !== "resource.changed") assert.fail(`unexpected ${body.type}`);
      assert.equal(body.data.items.length, 1);
      assert.equal(body.data.items[0]?.resourceId, userId);
      assert.deepEqual(body.data.items[0]?.changes, [
        { field: "accountEnabled", before: true, after: false },
      ]);
      assert.equal(
        mails[0]?.subject,
        `[Tenantlens] Accounts enabled or disabled: ${name} modified in azuread_user (accountEnabled)`,
      );
      assert.match(mails[0]?.text ?? "", /accountEnabled: true → false/);
      assert.match(mails[1]?.text ?? "", /accountEnabled: false → true/);
    }));
});
