import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type Consumer, on } from "@tenantlens/bus";
import {
  AlertCreate,
  AlertGet,
  type EventPayload,
  GenerationCommitted,
  PageCollected,
  PollCompleted,
  PollStarted,
  ResourceCollected,
  SavedQueryCreate,
  WebhookBody,
} from "@tenantlens/contracts";
import { startService, stopAll, waitFor, withServiceLogs } from "@tenantlens/testkit";
import {
  createWebhook,
  type NotifierStack,
  newIntegrationId,
  type Receiver,
  startNotifierStack,
  startReceiver,
  WS,
} from "./testing/harness.js";

/**
 * Change and query alerts on the real warehouse: the store ingests collection messages (published
 * here as the poller would), commits a generation, and the notifier reads the change history and
 * the saved query through the query service.
 */

const uid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
const gid = (i: number) => `10000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
const aid = (i: number) => `20000000-0000-4000-8000-${String(i).padStart(12, "0")}`;

const user = (i: number, o: Record<string, unknown> = {}) => ({
  id: uid(i),
  displayName: `User ${i}`,
  userPrincipalName: `user${i}@contoso.test`,
  userType: "Member",
  accountEnabled: true,
  ...o,
});
const group = (i: number, roleAssignable: boolean) => ({
  id: gid(i),
  displayName: `Group ${i}`,
  securityEnabled: true,
  mailEnabled: false,
  groupTypes: [],
  isAssignableToRole: roleAssignable,
});
const member = (g: number, u: number) => ({
  id: `${gid(g)}:${uid(u)}`,
  groupId: gid(g),
  memberId: uid(u),
  memberType: "#microsoft.graph.user",
});
const app = (i: number, keyIds: string[]) => ({
  id: aid(i),
  displayName: `App ${i}`,
  appId: randomUUID(),
  passwordCredentials: keyIds.map((k) => ({ keyId: k, displayName: "secret", hint: "abc" })),
  keyCredentials: [],
});

describe("change and query alerts on the warehouse", { timeout: 240_000 }, () => {
  let stack: NotifierStack;
  let receiver: Receiver;
  let generations: Consumer;
  const committed: EventPayload<typeof GenerationCommitted>[] = [];
  const ref = { workspaceId: WS, integrationId: newIntegrationId(), tenantId: randomUUID() };
  let polls = 0;

  before(async () => {
    receiver = await startReceiver();
    stack = await withServiceLogs(() =>
      startNotifierStack({ NOTIFIER_ALLOWED_TARGETS: `127.0.0.1:${receiver.port}` }),
    );
    const env = { NATS_URL: stack.nats.url, TENANTLENS_DATA_DIR: stack.dataDir };
    await withServiceLogs(async () => {
      // Debug logs of the store are printed only if the test fails (they show what it ingested).
      await startService("store", { ...env, GENERATION_DEBOUNCE_MS: "200", LOG_LEVEL: "debug" });
      await startService("query", { ...env, QUERY_WORKERS: "1" });
    });
    generations = await stack.bus.consume({
      durable: "test-generations",
      stream: "TL_STORE",
      handlers: [
        on(GenerationCommitted, async (g) => {
          committed.push(g);
        }),
      ],
    });
  });
  after(async () => {
    await generations?.stop();
    await stack?.stop();
    await receiver?.close();
    await stopAll();
  });

  /** One full poll of users, groups, memberships and applications; resolves when its generation is committed. */
  async function poll(data: {
    users: Record<string, unknown>[];
    groups: Record<string, unknown>[];
    members: Record<string, unknown>[];
    apps: Record<string, unknown>[];
  }): Promise<EventPayload<typeof GenerationCommitted>> {
    const pollId = `poll_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const at = new Date(Date.now() + polls++).toISOString();
    const resources = {
      users: data.users,
      groups: data.groups,
      groupMembers: data.members,
      applications: data.apps,
    };
    await stack.bus.publish(PollStarted, {
      ...ref,
      pollId,
      resources: Object.keys(resources),
      reason: "manual",
      startedAt: at,
    });
    for (const [resource, objects] of Object.entries(resources)) {
      await stack.bus.publish(PageCollected, {
        ...ref,
        pollId,
        resource,
        mode: "full",
        page: 0,
        chunk: 0,
        objects,
        removed: [],
        collectedAt: at,
      });
      await stack.bus.publish(ResourceCollected, {
        ...ref,
        pollId,
        resource,
        mode: "full",
        outcome: "complete",
        reason: null,
        objectCount: objects.length,
        removedCount: 0,
        pages: 1,
        durationMs: 1,
        collectedAt: at,
      });
    }
    await stack.bus.publish(PollCompleted, {
      ...ref,
      pollId,
      outcome: "succeeded",
      error: null,
      startedAt: at,
      completedAt: at,
      resources: Object.entries(resources).map(([resource, o]) => ({
        resource,
        mode: "full" as const,
        outcome: "complete" as const,
        reason: null,
        objectCount: o.length,
      })),
    });
    return waitFor(() => committed.find((g) => g.pollIds.includes(pollId)), {
      what: `generation of ${pollId}`,
      timeoutMs: 60_000,
    }).catch(async (err: unknown) => {
      // Where the collection messages are: the store's consumer state says whether it got them.
      const info = await stack.bus.jsm.consumers.info("TL_COLLECT", "store-collect").catch((e: unknown) => e);
      throw new Error(`${String(err)}; store-collect: ${JSON.stringify(info)}`);
    });
  }

  const bodies = () =>
    receiver.requests.filter((r) => r.url === "/changes").map((r) => WebhookBody.parse(JSON.parse(r.body)));

  it("reports account_enabled changes, role-assignable group members, new credentials and saved-query rows, one message each", () =>
    withServiceLogs(async () => {
      const { channel } = await createWebhook(stack.bus, `${receiver.url}/changes`);
      const alert = async (kind: "change", name: string, filters: Record<string, unknown>) =>
        (
          await stack.bus.request(AlertCreate, {
            kind,
            workspaceId: WS,
            actor: "key_test",
            name,
            channelIds: [channel.id],
            filters: filters as never,
          })
        ).alert;
      const disabled = await alert("change", "account disabled or enabled", {
        table: "azuread_user",
        changeTypes: ["modified"],
        fields: ["account_enabled"],
      });
      const roleGroups = await alert("change", "member added to a role-assignable group", {
        table: "azuread_group_member",
        changeTypes: ["added"],
        condition: "role_assignable_group",
      });
      const creds = await alert("change", "new application credential", {
        table: "azuread_application",
        condition: "credential_added",
      });

      const base = {
        users: [user(1), user(2)],
        groups: [group(1, true), group(2, false)],
        members: [member(1, 1)],
        apps: [app(1, ["11111111-1111-4111-8111-111111111111"])],
      };
      // First collection: the baseline (everything is "added", nothing is news).
      await poll(base);
      const { savedQuery } = await stack.bus.request(SavedQueryCreate, {
        workspaceId: WS,
        actor: "key_test",
        name: "Disabled accounts",
        description: "",
        sql: "SELECT display_name, user_principal_name FROM azuread_user WHERE NOT account_enabled ORDER BY 1",
      });
      const queryAlert = (
        await stack.bus.request(AlertCreate, {
          kind: "query",
          workspaceId: WS,
          actor: "key_test",
          name: "disabled accounts changed",
          channelIds: [channel.id],
          filters: { savedQueryId: savedQuery.id, on: ["rows_added", "rows_removed"] },
        })
      ).alert;

      await poll({
        users: [user(1, { accountEnabled: false }), user(2, { displayName: "User Two" })],
        groups: base.groups,
        members: [member(1, 1), member(1, 2), member(2, 1)],
        apps: [app(1, ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"])],
      });
      await waitFor(() => bodies().length === 4, { what: "four messages", timeoutMs: 30_000 });
      const byAlert = new Map(bodies().map((b) => [b.type === "channel.test" ? "" : b.data.alert.id, b]));

      const d = byAlert.get(disabled.id);
      assert.equal(d?.type, "resource.changed");
      if (d?.type === "resource.changed") {
        assert.equal(d.data.items.length, 1);
        assert.equal(d.data.items[0]?.resourceId, uid(1));
        assert.equal(d.data.items[0]?.displayName, "User 1");
        assert.deepEqual(d.data.items[0]?.changes, [{ field: "accountEnabled", before: true, after: false }]);
      }
      const g = byAlert.get(roleGroups.id);
      if (g?.type !== "resource.changed") assert.fail("no role-assignable group message");
      assert.deepEqual(
        g.data.items.map((i) => [i.resourceId, i.group?.displayName]),
        [[`${gid(1)}:${uid(2)}`, "Group 1"]],
      );
      const c = byAlert.get(creds.id);
      if (c?.type !== "resource.changed") assert.fail("no credential message");
      assert.equal(c.data.items[0]?.resourceId, aid(1));
      const q = byAlert.get(queryAlert.id);
      if (q?.type !== "query.result_changed") assert.fail("no query message");
      assert.equal(q.data.rowsAdded, 1);
      assert.equal(q.data.rowsRemoved, 0);
      assert.deepEqual(q.data.items[0]?.row, {
        display_name: "User 1",
        user_principal_name: "user1@contoso.test",
      });
      assert.equal(q.data.savedQuery.name, "Disabled accounts");

      // One message per alert: four alerts, four messages, each alert once.
      assert.equal(byAlert.size, 4);
      const a = await stack.bus.request(AlertGet, { workspaceId: WS, id: disabled.id });
      assert.ok(a.alert.lastTriggeredAt);
      assert.equal(a.alert.lastError, null);
    }));
});
