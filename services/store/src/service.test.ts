import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import {
  type Generation,
  GenerationCommitted,
  GenerationGet,
  IntegrationChanged,
  PageCollected,
  PollCompleted,
  PollList,
  PollStarted,
  QueryExecuted,
  ResourceCollected,
  TableCounts,
} from "@tenantlens/contracts";
import {
  connectTestBus,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  stopStack,
  tempDir,
  waitFor,
} from "@tenantlens/testkit";
import { kvLeaseReader, LEASE_TTL_SECONDS, LEASES_BUCKET } from "./adapters/leases.js";
import {
  groupObject,
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  type Ref,
  resourceCollected,
  userObject,
} from "./testing/fixtures.js";
import { openGeneration } from "./testing/generation-reader.js";

/** The store as a process on real NATS, fed with messages published through the contracts. */
describe("store service (process)", () => {
  let nats: NatsServer;
  let bus: Bus;
  let store: ServiceProcess;
  const dataDir = tempDir("tl-store-svc");
  const committed: Generation[] = [];

  before(async () => {
    nats = await startNats();
    store = await startService("store", {
      NATS_URL: nats.url,
      TENANTLENS_DATA_DIR: dataDir,
      GENERATION_DEBOUNCE_MS: "200",
      GENERATION_GRACE_MS: "0",
    });
    bus = await connectTestBus(nats, { service: "poller", label: "test" });
    bus.subscribe(GenerationCommitted, async (g) => {
      committed.push(g);
    });
  });
  after(() => stopStack(bus));

  async function publishPoll(
    ref: Ref,
    at: string,
    users: Record<string, unknown>[],
    groups: Record<string, unknown>[] = [],
  ) {
    const pollId = newPollId();
    await bus.publish(PollStarted, pollStarted(ref, pollId, at));
    await bus.publish(PageCollected, page(ref, pollId, { objects: users.slice(0, 2), at }));
    await bus.publish(PageCollected, page(ref, pollId, { objects: users.slice(2), page: 1, at }));
    await bus.publish(ResourceCollected, resourceCollected(ref, pollId, { at }));
    await bus.publish(PageCollected, page(ref, pollId, { resource: "groups", objects: groups, at }));
    await bus.publish(ResourceCollected, resourceCollected(ref, pollId, { resource: "groups", at }));
    await bus.publish(PollCompleted, pollCompleted(ref, pollId, { startedAt: at, at }));
    return pollId;
  }

  const committedFor = (ws: string, pollId: string) =>
    waitFor(() => committed.find((g) => g.workspaceId === ws && g.pollIds.includes(pollId)), {
      what: `generation with ${pollId}`,
      timeoutMs: 15_000,
    });

  it("turns published collection messages into a queryable generation and answers requests", async () => {
    const ref = newRef();
    const at = "2025-02-01T00:00:00.000Z";
    const pollId = await publishPoll(
      ref,
      at,
      [userObject(1), userObject(2), userObject(10)],
      [groupObject(1), groupObject(2)],
    );
    const g = await committedFor(ref.workspaceId, pollId);

    const reader = await openGeneration(g.manifestPath);
    try {
      const types = (
        await reader.conn.runAndReadAll(
          `SELECT user_type, count(*) AS n FROM azuread_user GROUP BY ALL ORDER BY 1`,
        )
      ).getRowObjectsJson();
      assert.deepEqual(types, [
        { user_type: "Guest", n: "1" },
        { user_type: "Member", n: "2" },
      ]);
      const groups = (
        await reader.conn.runAndReadAll(`SELECT count(*) AS n FROM azuread_group`)
      ).getRowObjectsJson();
      assert.equal(groups[0]?.n, "2");
    } finally {
      reader.close();
    }

    const { generation } = await bus.request(GenerationGet, { workspaceId: ref.workspaceId });
    assert.equal(generation?.generationId, g.generationId);
    const { polls } = await bus.request(PollList, { workspaceId: ref.workspaceId, limit: 5 });
    assert.equal(polls[0]?.pollId, pollId);
    assert.equal(polls[0]?.status, "succeeded");
    assert.equal(polls[0]?.generationId, g.generationId);
    assert.ok(polls[0]?.committedAt);
    assert.deepEqual(polls[0]?.changes, { added: 5, modified: 0, removed: 0 });
    const { tables } = await bus.request(TableCounts, {
      workspaceId: ref.workspaceId,
      integrationId: ref.integrationId,
    });
    assert.equal(tables.find((t) => t.table === "azuread_user")?.rows, 3);
    const none = await bus.request(GenerationGet, { workspaceId: "nobody-here" });
    assert.equal(none.generation, null);
    const exact = await bus.request(GenerationGet, {
      workspaceId: ref.workspaceId,
      generationId: g.generationId,
    });
    assert.equal(exact.generation?.manifestPath, g.manifestPath);
    const unknown = await bus.request(GenerationGet, {
      workspaceId: ref.workspaceId,
      generationId: g.generationId + 1000,
    });
    assert.equal(unknown.generation, null);
  });

  it("ignores a republished page and records integrations and query history from events", async () => {
    const ref = newRef();
    const at = "2025-02-02T00:00:00.000Z";
    const p1 = await publishPoll(ref, at, [userObject(1), userObject(2)]);
    await committedFor(ref.workspaceId, p1);
    // The same page again (deduplicated by NATS) and the same objects in a new poll (unchanged hashes).
    const first = page(ref, p1, { objects: [userObject(1), userObject(2)], at });
    const again = await bus.publish(PageCollected, first);
    assert.equal(again.duplicate, true);
    const p2 = await publishPoll(ref, "2025-02-03T00:00:00.000Z", [userObject(1), userObject(2)]);
    await committedFor(ref.workspaceId, p2);
    const { polls } = await bus.request(PollList, { workspaceId: ref.workspaceId, pollId: p2, limit: 1 });
    assert.deepEqual(polls[0]?.changes, { added: 0, modified: 0, removed: 0 });

    await bus.publish(IntegrationChanged, {
      change: "created",
      at,
      integration: {
        id: ref.integrationId,
        workspaceId: ref.workspaceId,
        name: "Contoso",
        tenantId: ref.tenantId,
        authMode: "app",
        clientId: "app-id",
        status: "active",
        statusReason: null,
        enabled: true,
        createdAt: at,
        updatedAt: at,
      },
    });
    await bus.publish(QueryExecuted, {
      queryId: `q_${p2}`,
      workspaceId: ref.workspaceId,
      actor: "key_test",
      sql: "SELECT 1",
      startedAt: at,
      durationMs: 4,
      rowCount: 1,
      outcome: "ok",
      error: null,
      generationId: 1,
    });
    const g = await waitFor(
      () =>
        committed.find(
          (x) =>
            x.workspaceId === ref.workspaceId &&
            x.tables.find((t) => t.name === "integrations")?.rows === 1 &&
            x.tables.find((t) => t.name === "query_history")?.rows === 1,
        ),
      { what: "a generation with integrations and query history", timeoutMs: 15_000 },
    );
    const reader = await openGeneration(g.manifestPath);
    try {
      const rows = (
        await reader.conn.runAndReadAll(`SELECT i.name, q.actor FROM integrations i, query_history q`)
      ).getRowObjectsJson();
      assert.deepEqual(rows, [{ name: "Contoso", actor: "key_test" }]);
    } finally {
      reader.close();
    }
  });

  it("reads reader leases from the KV bucket", async () => {
    const kv = await bus.kv(LEASES_BUCKET, { ttlSeconds: LEASE_TTL_SECONDS });
    const leases = kvLeaseReader(kv, bus.jsm);
    assert.equal(await leases.oldestLeased("ws-lease"), null);
    await kv.put("ws-lease.reader-a", "7");
    await kv.put("ws-lease.reader-b", "5");
    await kv.put("ws-other.reader-a", "1");
    assert.equal(await leases.oldestLeased("ws-lease"), 5);
    await kv.delete("ws-lease.reader-b");
    assert.equal(await leases.oldestLeased("ws-lease"), 7);
  });

  it("reads leases while a reader rewrites its lease every few milliseconds", async () => {
    // A busy query service (a rules run pins generations query after query) rewrites its lease
    // constantly; a KV key listing never caught up with that and stalled generation writing.
    const writer = await connectTestBus(nats, { service: "query", label: "lease writer" });
    const theirs = await writer.kv(LEASES_BUCKET, { ttlSeconds: LEASE_TTL_SECONDS });
    const leases = kvLeaseReader(await bus.kv(LEASES_BUCKET, { ttlSeconds: LEASE_TTL_SECONDS }), bus.jsm);
    let stop = false;
    let puts = 0;
    const churn = (async () => {
      while (!stop) {
        await theirs.put("ws-churn.reader-q", String(10 + (puts++ % 2)));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      let calls = 0;
      while (puts < 200 && calls < 10_000) {
        const id = await leases.oldestLeased("ws-churn");
        assert.ok(id === null || id === 10 || id === 11, String(id));
        calls++;
      }
      assert.ok(puts >= 200 && calls > 20, `${calls} readings while the lease was rewritten ${puts} times`);
    } finally {
      stop = true;
      await churn;
      await writer.drain();
    }
  });

  it("refuses to start a second writer on the same data directory", async () => {
    await assert.rejects(
      startService("store", { NATS_URL: nats.url, TENANTLENS_DATA_DIR: dataDir }),
      /exited with code 1[\s\S]*store could not start/,
    );
  });

  it("fails fast on bad configuration, one line per variable", async () => {
    await assert.rejects(
      startService("store", {
        NATS_URL: nats.url,
        TENANTLENS_DATA_DIR: dataDir,
        HISTORY_RETENTION_DAYS: "never",
      }),
      /exited with code 1[\s\S]*HISTORY_RETENTION_DAYS: expected a whole number/,
    );
  });

  it("drains, checkpoints and exits 0 on SIGTERM", async () => {
    const code = await store.stop();
    assert.equal(code, 0);
    assert.match(store.logs(), /"msg":"stopped"/);
  });
});
