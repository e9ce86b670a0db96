import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Generation } from "@tenantlens/contracts";
import { createLogger } from "@tenantlens/telemetry";
import { cleanup, tempDir, waitFor } from "@tenantlens/testkit";
import { writeGeneration } from "../testing/generation-fixture.js";
import { sampleTables } from "../testing/sample-tenant.js";
import { specOf } from "../testing/sandbox-harness.js";
import { JobFailed, WorkerPool } from "./pool.js";
import type { Job } from "./protocol.js";

const RUNAWAY = "SELECT count(*) FROM range(1000000000) a, range(1000000000) b";
const ALPHA = { workspaceId: "alpha", actor: "key-a" };
const BETA = { workspaceId: "beta", actor: "key-b" };

describe("worker pool", () => {
  let root: string;
  let gen: Generation;
  const pools: WorkerPool[] = [];
  const logger = createLogger("query-test", {}, { level: "silent" });

  async function pool(
    size: number,
    killGraceMs = 2_000,
    fairness = { perWorkspace: size, perActor: size },
    quarantine = { crashes: 100, windowMs: 60_000, cooldownMs: 60_000 },
  ): Promise<WorkerPool> {
    const p = await WorkerPool.start({
      size,
      worker: { threads: 1, memoryLimit: "256MB", maxTempDirectorySize: "1GB", maxInstances: 4 },
      tempRoot: path.join(root, `pool-${pools.length}`),
      killGraceMs,
      heapMb: 256,
      fairness,
      quarantine,
      logger,
    });
    pools.push(p);
    return p;
  }

  const job = (sql: string, extra: Partial<Extract<Job, { type: "execute" }>> = {}): Job => ({
    type: "execute",
    generation: specOf(gen),
    sql,
    maxRows: 100,
    format: "json",
    maxResultBytes: 1_000_000,
    ...extra,
  });

  async function failure(p: Promise<unknown>): Promise<JobFailed> {
    try {
      await p;
    } catch (err) {
      if (err instanceof JobFailed) return err;
      throw err;
    }
    throw new Error("expected the job to fail");
  }

  before(async () => {
    root = tempDir("tl-query-pool");
    gen = await writeGeneration({ root, workspaceId: "alpha", generationId: 1, tables: sampleTables() });
  });

  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await cleanup();
  });

  it("runs queries in worker processes and returns rows and bytes", async () => {
    const p = await pool(2);
    const out = await p.run(
      job("SELECT user_type, count(*) AS n FROM azuread_user GROUP BY ALL ORDER BY 1"),
      10_000,
      ALPHA,
    );
    assert.equal(out.type, "execute");
    if (out.type !== "execute" || out.result.body.kind !== "json") throw new Error("json expected");
    assert.deepEqual(JSON.parse(out.result.body.text), [
      { user_type: "Guest", n: 2 },
      { user_type: "Member", n: 4 },
    ]);
    const csv = await p.run(job("SELECT 1 AS a", { format: "csv" }), 10_000, ALPHA);
    if (csv.type !== "execute" || csv.result.body.kind !== "bytes") throw new Error("bytes expected");
    assert.equal(Buffer.from(csv.result.body.bytes).toString(), "a\r\n1\r\n");
    const described = await p.run({ type: "describe", generation: specOf(gen) }, 10_000, ALPHA);
    assert.ok(described.type === "describe" && described.tables.some((t) => t.name === "azuread_user"));
    const checked = await failure(p.run({ type: "check", sql: "DROP VIEW azuread_user" }, 10_000, ALPHA));
    assert.equal(checked.failure.kind, "rejected");
  });

  it("interrupts a runaway query at its deadline and keeps answering", async () => {
    // A generous grace before the kill: on a loaded machine an interrupted query may need seconds to
    // unwind, and only a query that ignores its interrupt for all of 30 s is killed (which fails
    // the test: the message then says so). The instance is opened first, so the deadline falls
    // inside the running query rather than inside the instance's start.
    const p = await pool(1, 30_000);
    await p.run(job("SELECT 1 AS warm"), 30_000, ALPHA);
    const f = await failure(p.run(job(RUNAWAY), 300, ALPHA));
    assert.equal(f.code, "query_timeout");
    assert.match(f.message, /time limit and was interrupted/);
    const out = await p.run(job("SELECT 42 AS answer"), 10_000, ALPHA);
    assert.ok(out.type === "execute" && out.result.rowCount === 1);
  });

  it("kills and replaces a worker that does not stop when interrupted", async () => {
    const p = await pool(1, 300);
    const [pid] = p.pids();
    assert.ok(pid && pid > 0);
    const pending = p.run(job(RUNAWAY), 400, ALPHA);
    // A stopped process cannot honour the interrupt: exactly the "stuck in one chunk" case.
    process.kill(pid, "SIGSTOP");
    const f = await failure(pending);
    assert.equal(f.code, "query_timeout");
    assert.match(f.message, /did not stop when interrupted; it was killed/);
    const fresh = await waitFor(
      () => (p.pids().length === 1 && p.pids()[0] !== pid ? p.pids()[0] : undefined),
      {
        what: "a replacement worker",
        timeoutMs: 20_000,
      },
    );
    assert.notEqual(fresh, pid);
    const out = await p.run(job("SELECT 1 AS one"), 15_000, ALPHA);
    assert.ok(out.type === "execute" && out.result.rowCount === 1);
  });

  it("reports a worker that dies mid-query and replaces it", async () => {
    const p = await pool(1);
    const [pid] = p.pids();
    const pending = p.run(job(RUNAWAY), 20_000, ALPHA);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(pid ?? -1, "SIGKILL");
    const f = await failure(pending);
    assert.equal(f.code, "query_error");
    assert.match(f.message, /stopped its worker process/);
    const out = await p.run(job("SELECT 1 AS one"), 15_000, ALPHA);
    assert.ok(out.type === "execute" && out.result.rowCount === 1);
  });

  it("stops a wide result at the byte cap instead of exhausting the worker's heap", async () => {
    const p = await pool(1); // 256 MB heap; the full result would be ~300 MB of text
    const out = await p.run(
      job("SELECT repeat('x', 100000) AS s FROM range(3000)", {
        maxRows: 10_000,
        maxResultBytes: 64 * 1024 * 1024,
      }),
      30_000,
      ALPHA,
    );
    assert.ok(out.type === "execute");
    assert.equal(out.result.truncated, true);
    assert.ok(out.result.rowCount > 0 && out.result.rowCount < 3000);
  });

  it("answers others while one worker is busy, and bounds the wait for a free worker", async () => {
    const p = await pool(2);
    const runaway = failure(p.run(job(RUNAWAY), 2_000, ALPHA));
    const quick = await p.run(job("SELECT count(*) AS n FROM azuread_group"), 5_000, ALPHA);
    assert.ok(quick.type === "execute" && quick.result.rowCount === 1);
    const single = await pool(1);
    const blocker = failure(single.run(job(RUNAWAY), 1_500, ALPHA));
    const waited = await failure(single.run(job("SELECT 1"), 200, ALPHA));
    assert.match(waited.message, /waited 200 ms for a free query worker/);
    assert.equal((await blocker).code, "query_timeout");
    assert.equal((await runaway).code, "query_timeout");
  });

  it("never lets one workspace's long queries starve another: per-workspace and per-key limits, round-robin", async () => {
    const p = await pool(2, 2_000, { perWorkspace: 1, perActor: 1 });
    // Two long queries of alpha: one runs, the other waits its turn; beta still gets a worker at once.
    const first = failure(p.run(job(RUNAWAY), 3_000, ALPHA));
    const second = failure(p.run(job(RUNAWAY), 3_000, { workspaceId: "alpha", actor: "key-a2" }));
    const started = Date.now();
    const beta = await p.run(job("SELECT 1 AS one"), 2_000, BETA);
    assert.ok(beta.type === "execute" && beta.result.rowCount === 1);
    assert.ok(Date.now() - started < 2_000, "beta was served while alpha's queries ran");
    // The second alpha query never got a worker while the first ran: it timed out waiting.
    assert.match((await second).message, /waited 3000 ms for a free query worker/);
    assert.equal((await first).code, "query_timeout");
  });

  it("holds back a workspace whose queries keep killing workers, without slowing others", async () => {
    const p = await pool(
      1,
      2_000,
      { perWorkspace: 1, perActor: 1 },
      { crashes: 2, windowMs: 60_000, cooldownMs: 60_000 },
    );
    for (let i = 0; i < 2; i++) {
      // A worker that has answered is ready: the runaway query is then surely running on it.
      await p.run(job("SELECT 1"), 15_000, BETA);
      const [pid] = p.pids();
      const pending = failure(p.run(job(RUNAWAY), 20_000, ALPHA));
      await new Promise((r) => setTimeout(r, 200));
      process.kill(pid ?? -1, "SIGKILL");
      assert.match((await pending).message, /stopped its worker process/);
    }
    const held = await failure(p.run(job("SELECT 1"), 5_000, ALPHA));
    assert.equal(held.code, "rate_limited");
    assert.match(held.message, /refused for \d+ s more/);
    // The replacement worker came back at once (no crash back-off) and serves beta.
    const out = await p.run(job("SELECT 1 AS one"), 15_000, BETA);
    assert.ok(out.type === "execute" && out.result.rowCount === 1);
  });
});
