import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { type Bus, on } from "@tenantlens/bus";
import {
  DeadLetterList,
  type EventPayload,
  PageCollected,
  PollCompleted,
  PollIngestFailed,
  PollList,
  type PollRecord,
  PollStarted,
  ResourceCollected,
  TableCounts,
} from "@tenantlens/contracts";
import {
  connectTestBus,
  type NatsServer,
  startNats,
  startService,
  stopStack,
  tempDir,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";
import {
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  type Ref,
  resourceCollected,
  userObject,
} from "./testing/fixtures.js";

const users = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => userObject(from + i));

/**
 * A message the store can never apply, set aside after STORE_MAX_DELIVERIES: the store process on
 * real NATS, fed through the contracts. The poison is a page whose user carries an unpaired UTF-16
 * surrogate, which DuckDB's JSON reader refuses on every attempt.
 */
describe("dead letters: a message that always fails holds nobody back for long", () => {
  let nats: NatsServer;
  let bus: Bus;
  const failures: EventPayload<typeof PollIngestFailed>[] = [];

  before(async () => {
    nats = await startNats();
    await startService("store", {
      NATS_URL: nats.url,
      TENANTLENS_DATA_DIR: tempDir("tl-store-dead"),
      STORE_MAX_DELIVERIES: "2",
      GENERATION_GRACE_MS: "0",
    });
    bus = await connectTestBus(nats, { service: "poller", label: "dead-letter-test" });
    await bus.consume({
      durable: "dead-letter-test",
      stream: "TL_STORE",
      handlers: [
        on(PollIngestFailed, async (f) => {
          failures.push(f);
        }),
      ],
    });
  });
  after(() => stopStack(bus));

  const at = new Date(Date.now() - 3_600_000).toISOString();

  async function polls(ref: Ref): Promise<Map<string, PollRecord>> {
    const { polls } = await bus.request(PollList, {
      workspaceId: ref.workspaceId,
      integrationId: ref.integrationId,
      limit: 20,
    });
    return new Map(polls.map((p) => [p.pollId, p]));
  }

  async function userCount(ref: Ref): Promise<number> {
    const { tables } = await bus.request(TableCounts, {
      workspaceId: ref.workspaceId,
      integrationId: ref.integrationId,
    });
    return tables.find((t) => t.table === "azuread_user")?.rows ?? -1;
  }

  it("dead-letters it with its reason, fails its poll, skips the rest of that poll, and the others flow", () =>
    withServiceLogs(async () => {
      const a = newRef();
      const b = newRef();
      // Integration A, poll 1: a good page, the poison, a page and a "complete" that must not apply.
      const p1 = newPollId();
      await bus.publish(PollStarted, pollStarted(a, p1, at));
      await bus.publish(PageCollected, page(a, p1, { objects: users(0, 10), at }));
      await bus.publish(
        PageCollected,
        page(a, p1, { objects: [userObject(10, { surname: "\ud800" })], page: 1, at }),
      );
      await bus.publish(PageCollected, page(a, p1, { objects: users(20, 30), page: 2, at }));
      await bus.publish(ResourceCollected, resourceCollected(a, p1, { at }));
      await bus.publish(PollCompleted, pollCompleted(a, p1, { startedAt: at, at }));
      // Integration B, published behind the poison.
      const q1 = newPollId();
      await bus.publish(PollStarted, pollStarted(b, q1, at));
      await bus.publish(PageCollected, page(b, q1, { objects: users(0, 5), at }));
      await bus.publish(ResourceCollected, resourceCollected(b, q1, { at }));
      await bus.publish(PollCompleted, pollCompleted(b, q1, { startedAt: at, at }));
      // Integration A, poll 2: a delta round after the failed poll proceeds as usual.
      const p2 = newPollId();
      await bus.publish(PollStarted, pollStarted(a, p2, at));
      await bus.publish(PageCollected, page(a, p2, { objects: users(30, 35), mode: "delta", at }));
      await bus.publish(ResourceCollected, resourceCollected(a, p2, { mode: "delta", at }));
      await bus.publish(PollCompleted, pollCompleted(a, p2, { startedAt: at, at }));
      // Integration A, poll 3: a page that is not even JSON (identified by its message id).
      const p3 = newPollId();
      await bus.publish(PollStarted, pollStarted(a, p3, at));
      const h = natsHeaders();
      h.set("Nats-Msg-Id", `${p3}.users.0.0`);
      await bus.js.publish(`poller.page.collected.${a.integrationId}`, new TextEncoder().encode("{oops"), {
        headers: h,
      });
      await bus.publish(PollCompleted, pollCompleted(a, p3, { startedAt: at, at }));

      const settled = await waitFor(
        async () => {
          const [pa, pb] = await Promise.all([polls(a), polls(b)]);
          const done = [pa.get(p1), pa.get(p2), pa.get(p3), pb.get(q1)];
          return done.every((p) => p?.committedAt) ? { pa, pb } : undefined;
        },
        { what: "every poll committed", timeoutMs: 30_000, intervalMs: 200 },
      );
      assert.equal(settled.pb.get(q1)?.status, "succeeded");
      assert.equal(settled.pa.get(p2)?.status, "succeeded");
      const failed1 = settled.pa.get(p1);
      assert.equal(failed1?.status, "failed");
      assert.equal(failed1?.outcome, "failed");
      assert.match(
        failed1?.error ?? "",
        /could not ingest poller\.page\.collected\.int_\w+ \(stream sequence 3\).*failed on 2 deliveries.*surrogate.*rest of this poll was skipped/s,
      );
      assert.equal(settled.pa.get(p3)?.status, "failed");
      assert.match(settled.pa.get(p3)?.error ?? "", /not JSON/);

      // Page 0 stayed (the skipped "complete" removed nothing), page 2 never landed, poll 2 added 5.
      assert.equal(await userCount(a), 15);
      assert.equal(await userCount(b), 5);

      const { deadLetters } = await bus.request(DeadLetterList, { workspaceId: a.workspaceId, limit: 10 });
      assert.deepEqual(deadLetters.map((d) => [d.pollId, d.integrationId, d.deliveries]).reverse(), [
        [p1, a.integrationId, 2],
        [p3, a.integrationId, 1],
      ]);
      assert.equal(deadLetters[0]?.body, "{oops");
      assert.equal(deadLetters[0]?.msgId, `${p3}.users.0.0`);
      assert.match(deadLetters[1]?.body ?? "", /"page":1/);

      // The poller is told, so its next poll of A reads everything again.
      await waitFor(() => failures.length === 2, { what: "two PollIngestFailed events" });
      assert.deepEqual(failures.map((f) => f.pollId).sort(), [p1, p3].sort());
      assert.ok(failures.every((f) => f.integrationId === a.integrationId));
    }));
});
