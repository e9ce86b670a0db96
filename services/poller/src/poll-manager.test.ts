import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError, type Integration } from "@tenantlens/contracts";
import { catalog } from "@tenantlens/graph";
import { createLogger } from "@tenantlens/telemetry";

const PollIdPattern = /^poll_[a-z2-7]{20}$/;

import { newPollId, PollManager, type PollRunner, selectResources } from "./poll-manager.js";

const log = createLogger("poller-test", {}, { level: "silent" });

function integration(id: string, patch: Partial<Integration> = {}): Integration {
  return {
    id,
    workspaceId: "default",
    name: id,
    tenantId: "11111111-1111-1111-1111-111111111111",
    authMode: "app",
    clientId: "22222222-2222-2222-2222-222222222222",
    status: "active",
    statusReason: null,
    enabled: true,
    createdAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-01-01T00:00:00.000Z",
    ...patch,
  };
}

/** A runner whose polls finish when the test says so. */
function gatedRunner() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const run: PollRunner = async (job, signal) => {
    started.push(job.integration.id);
    await new Promise<void>((resolve) => {
      gates.set(job.integration.id, resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  };
  const finish = (id: string) => gates.get(id)?.();
  return { run, started, finish };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("PollManager", () => {
  it("runs one poll per integration and returns the running poll id to a second start", async () => {
    const r = gatedRunner();
    const m = new PollManager({ run: r.run, concurrency: 2, intervalMs: 0, log });
    const a = m.start({ integration: integration("int_aaaaaaaa"), reason: "manual" });
    const b = m.start({ integration: integration("int_aaaaaaaa"), reason: "manual" });
    assert.match(a.pollId, PollIdPattern);
    assert.equal(a.alreadyRunning, false);
    assert.deepEqual(b, { pollId: a.pollId, alreadyRunning: true });
    r.finish("int_aaaaaaaa");
    await m.stop();
  });

  it("polls at most `concurrency` integrations at once and queues the rest", async () => {
    const r = gatedRunner();
    const m = new PollManager({ run: r.run, concurrency: 2, intervalMs: 0, log });
    for (const id of ["int_aaaaaaaa", "int_bbbbbbbb", "int_cccccccc"])
      m.start({ integration: integration(id), reason: "manual" });
    await tick();
    assert.deepEqual(r.started, ["int_aaaaaaaa", "int_bbbbbbbb"]);
    assert.ok(m.runningPoll("int_cccccccc"), "queued polls count as running");
    r.finish("int_aaaaaaaa");
    await tick();
    await tick();
    assert.deepEqual(r.started, ["int_aaaaaaaa", "int_bbbbbbbb", "int_cccccccc"]);
    await m.stop();
  });

  it("refuses broken and disabled integrations", () => {
    const m = new PollManager({ run: gatedRunner().run, concurrency: 1, intervalMs: 0, log });
    assert.throws(
      () =>
        m.start({
          integration: integration("int_aaaaaaaa", { status: "broken", statusReason: "secret expired" }),
          reason: "manual",
        }),
      (e: unknown) =>
        e instanceof AppError && e.code === "integration_broken" && e.message.includes("secret expired"),
    );
    assert.throws(() =>
      m.start({
        integration: integration("int_bbbbbbbb", { enabled: false, status: "disabled" }),
        reason: "manual",
      }),
    );
  });

  it("polls a newly created active integration right away, and cancels on delete", async () => {
    const r = gatedRunner();
    const m = new PollManager({ run: r.run, concurrency: 1, intervalMs: 0, log });
    m.changed("created", integration("int_aaaaaaaa"));
    m.changed("created", integration("int_bbbbbbbb", { status: "broken" }));
    await tick();
    assert.deepEqual(r.started, ["int_aaaaaaaa"]);
    m.changed("deleted", integration("int_aaaaaaaa"));
    await tick();
    assert.equal(m.runningPoll("int_aaaaaaaa"), undefined);
    assert.equal(m.integration("int_aaaaaaaa"), undefined);
    await m.stop();
  });

  it("ignores an event older than what it knows", () => {
    const m = new PollManager({ run: gatedRunner().run, concurrency: 1, intervalMs: 0, log });
    m.learn([integration("int_aaaaaaaa", { updatedAt: "2024-02-01T00:00:00.000Z", name: "new" })]);
    m.changed("updated", integration("int_aaaaaaaa", { updatedAt: "2024-01-15T00:00:00.000Z", name: "old" }));
    assert.equal(m.integration("int_aaaaaaaa")?.name, "new");
  });
});

describe("selectResources", () => {
  it("keeps catalog order and rejects unknown names", () => {
    assert.deepEqual(
      selectResources(undefined).map((r) => r.name),
      catalog.map((r) => r.name),
    );
    assert.deepEqual(
      selectResources(["domains", "users"]).map((r) => r.name),
      ["domains", "users"],
    );
    // Memberships ride on the groups delta: either name brings the other.
    for (const names of [["groups"], ["groupMembers"]]) {
      assert.deepEqual(
        selectResources(names).map((r) => r.name),
        ["groups", "groupMembers"],
      );
    }
    assert.throws(() => selectResources(["users", "nope"]), /unknown resource/);
  });

  it("mints poll ids the contracts accept", () => {
    assert.match(newPollId(), PollIdPattern);
  });
  it("turns a scheduled poll into a full read once the reconcile period has passed", async () => {
    let clock = 0;
    const jobs: Array<{ full: boolean; reason: string }> = [];
    const m = new PollManager({
      run: async (job) => {
        jobs.push({ full: job.full, reason: job.reason });
      },
      concurrency: 1,
      intervalMs: 5,
      fullReconcileMs: 1_000,
      log,
      random: () => 0,
      now: () => clock,
    });
    const waitJobs = async (n: number) => {
      for (let k = 0; k < 2_000 && jobs.length < n; k++) await new Promise((r) => setTimeout(r, 1));
      assert.ok(jobs.length >= n, `expected ${n} polls, saw ${jobs.length}`);
    };
    m.learn([integration("int_rrrrrrrr")]);
    await waitJobs(1);
    assert.deepEqual(jobs[0], { full: false, reason: "schedule" }, "a restart is not a reason to re-read");
    clock = 1_500;
    const seen = jobs.length;
    await waitJobs(seen + 1);
    assert.deepEqual(jobs[seen], { full: true, reason: "schedule" });
    const after = jobs.length;
    await waitJobs(after + 1);
    assert.equal(jobs[after]?.full, false, "the next scheduled poll is a delta round again");
    // A manual poll never turns full by itself.
    await m.stop();
    const manual = new PollManager({
      run: async (job) => {
        jobs.push({ full: job.full, reason: job.reason });
      },
      concurrency: 1,
      intervalMs: 0,
      fullReconcileMs: 1,
      log,
      now: () => 10_000,
    });
    manual.start({ integration: integration("int_mmmmmmmm"), reason: "manual" });
    await manual.stop();
    assert.deepEqual(jobs.at(-1), { full: false, reason: "manual" });
  });
});
