import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import {
  AppError,
  GenerationGet,
  PageCollected,
  PollCompleted,
  PollList,
  PollStarted,
  QueryExecute,
  QueryHistoryList,
  ResourceCollected,
} from "@tenantlens/contracts";
import {
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  resourceCollected,
  userObject,
} from "@tenantlens/store/testing";
import {
  connectTestBus,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  stopStack,
  tempDir,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";

const USERS = 1_000;
/** A few seconds of work over the warehouse's rows, with a small answer that must not change. */
const SLOW_SQL = `SELECT department, count(*) AS n, sum(hash(u.id, r.i) % 1000) AS checksum
  FROM azuread_user u, range(200000) r(i) GROUP BY department ORDER BY department`;

function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there is none
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The query service killed with SIGKILL mid-query, with the real store and query processes: the
 * query answers exactly as an uninterrupted run did once the service is back, query history holds
 * each completed query once, its DuckDB workers do not outlive it, and no poll is left running.
 */
describe("query killed mid-query", { timeout: 300_000 }, () => {
  let nats: NatsServer;
  let bus: Bus;
  let query: ServiceProcess;
  const ref = newRef();
  const dataDir = tempDir("tl-query-kill");
  const env = () => ({ NATS_URL: nats.url, TENANTLENS_DATA_DIR: dataDir, QUERY_READER_ID: "kill-test" });
  const run = (actor: string, waitMs = 130_000) =>
    bus.request(
      QueryExecute,
      { workspaceId: ref.workspaceId, sql: SLOW_SQL, actor, format: "json", timeoutMs: 120_000 },
      { timeoutMs: waitMs },
    );

  before(async () => {
    nats = await startNats();
    await startService("store", { ...env(), GENERATION_DEBOUNCE_MS: "200", GENERATION_GRACE_MS: "0" });
    query = await startService("query", env());
    bus = await connectTestBus(nats, { service: "gateway", label: "query-kill-test", level: "warn" });
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const pollId = newPollId();
    await bus.publish(PollStarted, pollStarted(ref, pollId, at));
    for (let p = 0; p * 250 < USERS; p++) {
      const objects = Array.from({ length: 250 }, (_, i) => userObject(p * 250 + i));
      await bus.publish(PageCollected, page(ref, pollId, { objects, page: p, at }));
    }
    await bus.publish(ResourceCollected, resourceCollected(ref, pollId, { at }));
    await bus.publish(PollCompleted, pollCompleted(ref, pollId, { startedAt: at, at }));
    await waitFor(
      async () =>
        (await bus.request(GenerationGet, { workspaceId: ref.workspaceId })).generation?.pollIds.includes(
          pollId,
        ),
      { what: "the poll's generation", timeoutMs: 60_000, intervalMs: 200 },
    );
  });
  after(() => stopStack(bus));

  it("answers as before after the restart; history has each completed query once; no orphaned worker", () =>
    withServiceLogs(async () => {
      const reference = await run("key_reference");
      assert.equal(
        (reference.rows ?? []).reduce((n, r) => n + Number(r.n), 0),
        USERS * 200_000,
      );

      // Kill the service while it runs the query: its request is seen on the bus, unanswered.
      const nc = bus.nc;
      const answers: unknown[] = [];
      const seen = new Promise<void>((resolve) => {
        const spy = nc.subscribe("query.sql.execute", {
          callback: (_err, m) => {
            spy.unsubscribe();
            if (m.reply)
              nc.subscribe(m.reply, {
                callback: (_e, answer) => {
                  answers.push(answer.data);
                },
              });
            resolve();
          },
        });
      });
      await nc.flush();
      // The caller of the query cut short waits in vain: no answer comes from a killed service.
      const interrupted = run("key_interrupted", 5_000).then(
        () => undefined,
        (err: unknown) => err,
      );
      await seen;
      const workers = childPids(query.pid);
      assert.ok(workers.length > 0, "the query service runs its DuckDB workers as child processes");
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(answers, [], "the query was still running when the service was killed");
      await query.kill();
      // Its workers see the parent gone, interrupt the query and exit instead of finishing it.
      await waitFor(() => workers.every((pid) => !alive(pid)), {
        what: "orphaned workers to exit",
        timeoutMs: 5_000,
      });

      query = await startService("query", env());
      const after = await run("key_after_restart");
      assert.deepEqual(after.rows, reference.rows);
      assert.deepEqual(after.columns, reference.columns);
      const failed = await interrupted;
      assert.ok(failed instanceof AppError && failed.code === "timeout", String(failed));
      assert.deepEqual(answers, []);

      // History: every completed query exactly once, nothing for the one the kill cut short.
      const history = await waitFor(
        async () => {
          const { entries } = await bus.request(QueryHistoryList, {
            workspaceId: ref.workspaceId,
            limit: 50,
          });
          const actors = entries.map((e) => e.actor).sort();
          return actors.includes("key_after_restart") ? actors : undefined;
        },
        { what: "query history with the query run after the restart", timeoutMs: 30_000, intervalMs: 300 },
      );
      assert.deepEqual(history, ["key_after_restart", "key_reference"]);
      const { polls } = await bus.request(PollList, { workspaceId: ref.workspaceId, limit: 10 });
      assert.ok(polls.length > 0 && polls.every((p) => p.status !== "running"));
    }));
});
