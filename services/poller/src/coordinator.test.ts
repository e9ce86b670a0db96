import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import { AppError, type Integration } from "@tenantlens/contracts";
import { catalog } from "@tenantlens/graph";
import { createLogger } from "@tenantlens/telemetry";
import { connectTestBus, type NatsServer, startNats, waitFor } from "@tenantlens/testkit";
import { busCollectEvents } from "./adapters/collect-events.js";
import { DELTA_BUCKET, KvDeltaLinks } from "./adapters/delta-links.js";
import type { GraphReader } from "./adapters/graph-reader.js";
import { Leases } from "./adapters/leases.js";
import { PollState } from "./adapters/poll-state.js";
import { Coordinator } from "./coordinator.js";

const log = createLogger("coordinator-test", {}, { level: "silent" });

function integration(id: string, patch: Partial<Integration> = {}): Integration {
  return {
    id,
    workspaceId: "default",
    name: id,
    tenantId: "11111111-1111-4111-8111-111111111111",
    authMode: "app",
    clientId: "22222222-2222-4222-8222-222222222222",
    status: "active",
    statusReason: null,
    enabled: true,
    createdAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-01-01T00:00:00.000Z",
    ...patch,
  };
}

/** Graph as an empty tenant: every list is one empty page (delta ones end with a link). */
const emptyGraph: GraphReader = {
  async get(url, _headers, _signal, meter) {
    if (meter) meter.requests++;
    if (url.includes("/delta") || url.includes("deltatoken"))
      return { value: [], "@odata.deltaLink": `${url}#d` };
    return { value: [], id: "singleton" };
  },
  async batch(_version, items, _signal, meter) {
    if (meter) {
      meter.requests++;
      meter.batched = (meter.batched ?? 0) + items.length;
    }
    return items.map((i) => ({ id: i.id, status: 200, headers: {}, body: { value: [] } }));
  },
};

/**
 * The coordinator on a real nats-server (KV and JetStream) with Graph replaced by an empty tenant:
 * one poll per integration whichever coordinator is asked, the schedule and the full-reconcile
 * clock kept in KV across a restart, refusals of integrations that cannot be polled.
 */
describe("Coordinator", { timeout: 120_000 }, () => {
  let nats: NatsServer;
  let bus: Bus;
  let clock = 1_000_000;
  const started: Array<{ integrationId: string; full: boolean; reason: string }> = [];

  before(async () => {
    nats = await startNats();
    bus = await connectTestBus(nats, { service: "poller", label: "coordinator-test" });
    await bus.ensureStreams();
  });
  after(async () => {
    await bus?.drain();
    await nats?.stop();
  });

  async function coordinator(replica: string, intervalMs: number): Promise<Coordinator> {
    const state = await PollState.open(bus);
    const events = busCollectEvents(bus);
    const recording = {
      ...events,
      pollStarted: async (p: Parameters<typeof events.pollStarted>[0]) => {
        const poll = (await state.polls.get(p.pollId))?.value;
        started.push({ integrationId: p.integrationId, full: poll?.full ?? false, reason: p.reason });
        await events.pollStarted(p);
      },
    };
    return new Coordinator({
      replicaId: replica,
      state,
      leases: await Leases.open(bus, replica, 5, log),
      events: recording,
      reader: {
        events: recording,
        deltaLinks: new KvDeltaLinks(await bus.kv(DELTA_BUCKET)),
        graphEndpoint: "https://graph.example.test",
        pageSize: null,
        maxMessageBytes: 900_000,
      },
      clientFor: () => ({ graph: emptyGraph }),
      intervalMs,
      jitter: 0,
      fullReconcileMs: 10_000,
      concurrency: 8,
      tenantConcurrency: 4,
      maxAttempts: 3,
      tickMs: 20,
      log,
      random: () => 0,
      now: () => clock,
      otherReplicas: async () => 0,
    });
  }

  const idle = (id: string) =>
    waitFor(
      async () => {
        const s = (await (await PollState.open(bus)).schedule.get(id))?.value;
        return s && s.runningPollId === null ? s : undefined;
      },
      { what: `${id} idle`, timeoutMs: 30_000 },
    );

  it("starts one poll per integration, whichever coordinator is asked", async () => {
    const a = await coordinator("a", 0);
    const b = await coordinator("b", 0);
    const i = integration("int_onepollaaaa");
    const first = await a.start({ integration: i, reason: "manual" });
    const second = await b.start({ integration: i, reason: "manual" });
    assert.equal(first.alreadyRunning, false);
    assert.deepEqual(second, { pollId: first.pollId, alreadyRunning: true });
    a.run();
    b.run();
    const s = await idle(i.id);
    assert.equal(Object.keys(s.counts).length > 0, true, "the full read's counts are kept for estimates");
    const third = await b.start({ integration: i, reason: "manual" });
    assert.notEqual(third.pollId, first.pollId);
    await idle(i.id);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("refuses broken and disabled integrations", async () => {
    const a = await coordinator("a", 0);
    await assert.rejects(
      a.start({
        integration: integration("int_brokenaaaaa", { status: "broken", statusReason: "secret expired" }),
        reason: "manual",
      }),
      (e: unknown) =>
        e instanceof AppError && e.code === "integration_broken" && e.message.includes("secret expired"),
    );
    await assert.rejects(
      a.start({
        integration: integration("int_disabledaaa", { enabled: false, status: "disabled" }),
        reason: "manual",
      }),
      (e: unknown) => e instanceof AppError && e.code === "integration_broken",
    );
    await a.stop();
  });

  it("keeps the schedule and the full-reconcile clock in KV: a restarted coordinator goes on from them", async () => {
    const i = integration("int_scheduleaaa");
    started.length = 0;
    const a = await coordinator("a", 1_000);
    await a.learn([i]);
    a.run();
    // Learned at start: the first scheduled poll is a delta round (the clock starts now).
    const mine = () => started.filter((s) => s.integrationId === i.id);
    await waitFor(() => mine().length > 0, { what: "a first scheduled poll" });
    assert.deepEqual(mine()[0], { integrationId: i.id, full: false, reason: "schedule" });
    await idle(i.id);
    await a.stop();
    const due = (await idle(i.id)).dueAt;
    assert.ok(
      catalog.every((r) => r.derived || (due[r.name] ?? 0) > clock),
      "every resource is due later",
    );

    // A new coordinator (a restart): nothing is due yet, so nothing starts.
    started.length = 0;
    const b = await coordinator("b", 1_000);
    b.run();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(mine().length, 0, "the restart did not poll before the due time");
    // Past the due time and the reconcile period: the scheduled poll reads everything.
    clock += 20_000;
    await waitFor(() => mine().length > 0, { what: "the reconcile poll" });
    assert.deepEqual(mine()[0], { integrationId: i.id, full: true, reason: "schedule" });
    await idle(i.id);
    // Then delta rounds again.
    clock += 1_500;
    await waitFor(() => mine().length >= 2, { what: "the next scheduled poll" });
    assert.equal(mine()[1]?.full, false);
    await b.stop();
  });
});
