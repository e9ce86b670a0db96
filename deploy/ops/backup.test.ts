import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startSimulator } from "@tenantlens/entra-sim";
import {
  cleanup,
  type NatsServer,
  startNats,
  stopAll,
  tempDir,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";
import { api, type QueryAnswer, type ScaleSystem, scaleSystem } from "../scale/system.js";

/**
 * docs/operations.md, "Backup and restore": the data directory of a running system is backed up the
 * documented way (stop the writers, archive the directory with tar, start them again), the original
 * system and its directory are then destroyed, and the archive restored into a fresh directory
 * serves the same answers through a fresh bus, store, query and gateway.
 */

const QUESTIONS = [
  "SELECT user_type, count(*) AS n FROM azuread_user GROUP BY ALL ORDER BY 1",
  "SELECT count(*) AS n, count(DISTINCT id) AS ids, max(display_name) AS last FROM azuread_group",
  "SELECT change_type, count(*) AS n FROM azuread_user_changes GROUP BY ALL ORDER BY 1",
  "SELECT status, count(*) AS n FROM polls GROUP BY ALL ORDER BY 1",
  "SELECT count(*) AS n FROM azuread_service_principal",
];

/** The writers of the data directory: stopped for the copy (docs/operations.md). */
const WRITERS = ["store", "rules", "notifier"];

interface IntegrationView {
  lastPoll: { pollId: string; status: string } | null;
}

async function ask(gw: { baseUrl: string; apiKey: string }): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const sql of QUESTIONS) {
    const res = await api<QueryAnswer>(gw, "POST", "/api/query", { body: { sql } });
    assert.equal(res.status, 200, `${sql}: ${JSON.stringify(res.body)}`);
    answers.push({ columns: res.body.columns, rows: res.body.rows });
  }
  return answers;
}

function tar(args: string[]): void {
  const res = spawnSync("tar", args, { encoding: "utf8" });
  assert.equal(res.status, 0, `tar ${args.join(" ")}: ${res.stderr}`);
}

describe("backup and restore of the data directory", { timeout: 600_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let nats: NatsServer;
  let sys: ScaleSystem;
  let gw = { baseUrl: "", apiKey: "" };
  const archive = path.join(tempDir("tl-backup"), "tenantlens-data.tar.gz");

  before(async () => {
    sim = await startSimulator({ seed: 23, tenants: [{ users: 300 }] });
    nats = await startNats();
    sys = scaleSystem(nats, sim, { PAGE_SIZE: "100", POLL_RESOURCES: "users,groups,servicePrincipals" });
    await withServiceLogs(async () => {
      for (const name of ["auth", "store", "query", "poller", "rules"]) await sys.start(name);
      const g = await sys.startGateway();
      gw = { baseUrl: g.baseUrl, apiKey: sys.apiKey };
    });
  });

  after(async () => {
    await sys?.stop();
    await stopAll();
    await sim?.stop();
    await cleanup();
  });

  it("restores into a fresh directory and answers the same", async () => {
    await withServiceLogs(async () => {
      const tenant = sim.tenants[0]!;
      const created = await api<{ id: string }>(gw, "POST", "/api/integrations", {
        body: {
          name: "Backup tenant",
          tenantId: tenant.tenantId,
          auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const poll = await api<{ pollId: string }>(gw, "POST", `/api/integrations/${created.body.id}/polls`, {
        body: {},
      });
      assert.equal(poll.status, 202, JSON.stringify(poll.body));
      await waitFor(
        async () => {
          const v = (await api<IntegrationView>(gw, "GET", `/api/integrations/${created.body.id}`)).body
            .lastPoll;
          if (v?.pollId === poll.body.pollId && v.status === "failed") throw new Error("poll failed");
          return v?.pollId === poll.body.pollId && v.status === "succeeded";
        },
        { timeoutMs: 300_000, intervalMs: 500, what: "the poll to be committed" },
      );
      const before = await ask(gw);
      assert.ok(JSON.stringify(before).includes("Member"), "the tenant's users are there");

      // The documented backup: stop the writers (SIGTERM: each checkpoints and closes its DuckDB
      // file), archive the directory, start them again. The poller, query and gateway keep running.
      const writers = sys.replicas.filter((r) => WRITERS.includes(r.name) && r.proc.pid > 0);
      for (const w of writers) {
        // SIGTERM, then wait for the process to be gone however long that takes (no SIGKILL after a
        // grace). On this loaded machine the final checkpoint may outlast the service's own shutdown
        // grace (exit 1): the write-ahead log is then archived with the file and replayed on open.
        process.kill(w.proc.pid, "SIGTERM");
        await w.proc.exited;
      }
      tar(["-C", sys.dataDir, "--exclude=./tmp", "-czf", archive, "."]);
      for (const w of writers) await sys.start(w.name);
      assert.ok(statSync(archive).size > 0);
      assert.deepEqual(await ask(gw), before, "the running system answers as before after its backup");

      // The original system and its directory are gone.
      await sys.stop();
      await nats.stop();
      rmSync(sys.dataDir, { recursive: true, force: true });
      assert.equal(existsSync(sys.dataDir), false);

      // Restore into a fresh directory, on a fresh bus.
      const fresh = tempDir("tl-restored");
      mkdirSync(fresh, { recursive: true, mode: 0o700 });
      tar(["-C", fresh, "-xzf", archive]);
      const nats2 = await startNats();
      const restored = scaleSystem(nats2, sim, { TENANTLENS_DATA_DIR: fresh });
      try {
        for (const name of ["store", "query"]) await restored.start(name);
        const g2 = await restored.startGateway();
        const after = await ask({ baseUrl: g2.baseUrl, apiKey: restored.apiKey });
        assert.deepEqual(after, before);
      } finally {
        await restored.stop();
        await nats2.stop();
      }
    });
  });
});
