import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Generation } from "@tenantlens/contracts";
import { QueryExecuted } from "@tenantlens/contracts";
import { catalog } from "@tenantlens/graph";
import { queryHistoryTable } from "./domain/system-tables.js";
import { GenerationService } from "./generation-service.js";
import {
  groupObject,
  msgRef,
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  type Ref,
  tempDir,
  userObject,
} from "./testing/fixtures.js";
import { openGeneration, readManifest } from "./testing/generation-reader.js";
import { Warehouse } from "./warehouse.js";

const quiet = { info() {}, warn() {}, error() {} };

describe("generations", () => {
  let wh: Warehouse;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  const published: Generation[] = [];
  /** Oldest generation a reader holds, per workspace (what the lease bucket says). */
  const leased = new Map<string, number>();
  let gens: GenerationService;

  before(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    dataDir = t.dir;
    wh = await Warehouse.open({ file: path.join(dataDir, "warehouse", "warehouse.duckdb"), catalog });
    gens = new GenerationService({
      warehouse: wh,
      dataDir,
      publish: async (g) => {
        published.push(g);
      },
      leases: { oldestLeased: async (ws) => leased.get(ws) ?? null },
      debounceMs: 10,
      keep: 2,
      graceMs: 0,
      log: quiet,
    });
  });
  after(async () => {
    await gens.stop();
    await wh.close();
    await cleanup();
  });

  async function completedPoll(
    ref: Ref,
    at: string,
    users: Record<string, unknown>[],
    groups?: Record<string, unknown>[],
  ) {
    const pollId = newPollId();
    await wh.pollStarted(pollStarted(ref, pollId, at), msgRef(`${pollId}.started`));
    await wh.pageCollected(page(ref, pollId, { objects: users, at }), msgRef(`${pollId}.users.0.0`));
    if (groups) {
      await wh.pageCollected(
        page(ref, pollId, { resource: "groups", objects: groups, at }),
        msgRef(`${pollId}.groups.0.0`),
      );
    }
    await wh.pollCompleted(pollCompleted(ref, pollId, { startedAt: at, at }), msgRef(`${pollId}.completed`));
    return pollId;
  }

  it("writes every table of the workspace, only its rows, manifest last, then publishes", async () => {
    const ref = newRef();
    const other = newRef();
    await completedPoll(other, "2025-01-01T00:00:00Z", [userObject(50)]);
    const pollId = await completedPoll(
      ref,
      "2025-01-01T00:00:00Z",
      [userObject(1), userObject(2)],
      [groupObject(1)],
    );
    const g = await gens.generate(ref.workspaceId);
    assert.ok(g);
    assert.equal(g.generationId, 1);
    assert.deepEqual(g.pollIds, [pollId]);
    assert.deepEqual(g.tables.map((t) => t.name).sort(), wh.schema.exported.map((t) => t.name).sort());
    assert.ok(g.tables.every((t) => t.changed && existsSync(t.file)));
    assert.equal(g.tables.find((t) => t.name === "azuread_user")?.rows, 2);
    assert.equal(g.tables.find((t) => t.name === "azuread_user_changes")?.rows, 2);
    assert.equal(path.dirname(g.manifestPath), path.join(dataDir, "generations", ref.workspaceId, "1"));
    const onDisk = await readManifest(g.manifestPath);
    assert.deepEqual({ ...onDisk, asOfSql: undefined }, { ...g, asOfSql: undefined });
    assert.deepEqual(
      published.filter((p) => p.workspaceId === ref.workspaceId).map((p) => p.generationId),
      [1],
    );

    const reader = await openGeneration(g.manifestPath);
    try {
      const cols = (await reader.conn.runAndReadAll(`SELECT * FROM azuread_user LIMIT 0`)).columnNames();
      assert.ok(!cols.some((c) => c.startsWith("_tl_")), "internal columns are not exported");
      assert.deepEqual(cols.slice(0, 3), ["integration_id", "tenant_id", "id"]);
      const polls = (
        await reader.conn.runAndReadAll(
          `SELECT status, generation_id, committed_at IS NOT NULL AS c FROM polls`,
        )
      ).getRowObjectsJson();
      assert.deepEqual(polls, [{ status: "succeeded", generation_id: "1", c: true }]);
    } finally {
      reader.close();
    }
    // Nothing requested any more: no new generation.
    assert.equal(await gens.generate(ref.workspaceId), null);
  });

  it("exports unordered zstd Parquet and gives the store back its ordered default afterwards", async () => {
    const ref = newRef();
    await completedPoll(ref, "2025-01-01T00:00:00Z", [userObject(1), userObject(2), userObject(3)]);
    const g = await gens.generate(ref.workspaceId);
    assert.ok(g);
    const file = g.tables.find((t) => t.name === "azuread_user")?.file;
    assert.ok(file);
    const meta = await wh.db
      .read()
      .all(`SELECT DISTINCT compression FROM parquet_metadata('${file.replaceAll("'", "''")}')`);
    assert.deepEqual(
      meta.map((r) => String(r.compression)),
      ["ZSTD"],
    );
    const setting = await wh.db.read().all(`SELECT current_setting('preserve_insertion_order') AS v`);
    assert.deepEqual(setting, [{ v: true }]);
  });

  it("reuses the previous file of a table that did not change", async () => {
    const ref = newRef();
    await completedPoll(ref, "2025-01-01T00:00:00Z", [userObject(1)], [groupObject(1)]);
    const g1 = await gens.generate(ref.workspaceId);
    await completedPoll(ref, "2025-01-02T00:00:00Z", [userObject(1, { displayName: "New" })]);
    const g2 = await gens.generate(ref.workspaceId);
    assert.ok(g1 && g2);
    assert.equal(g2.generationId, g1.generationId + 1);
    const t1 = new Map(g1.tables.map((t) => [t.name, t]));
    for (const t of g2.tables) {
      const reused = [
        "azuread_group",
        "azuread_group_changes",
        "integrations",
        "query_history",
        "azuread_domain",
      ].includes(t.name);
      if (reused) {
        assert.equal(t.changed, false, `${t.name} reused`);
        assert.equal(t.file, t1.get(t.name)?.file);
      }
    }
    for (const name of ["azuread_user", "azuread_user_changes", "polls"]) {
      const written: Generation["tables"][number] | undefined = g2.tables.find((x) => x.name === name);
      assert.equal(written?.changed, true, `${name} rewritten`);
      assert.equal(path.dirname(written?.file ?? ""), path.dirname(g2.manifestPath));
    }
  });

  it("a system-table generation does not expose a poll still running", async () => {
    const ref = newRef();
    await completedPoll(ref, "2025-01-01T00:00:00Z", [userObject(1)]);
    await gens.generate(ref.workspaceId);
    // A poll is half-way: one page committed, no PollCompleted yet. Meanwhile a query is recorded.
    const running = newPollId();
    await wh.pageCollected(
      page(ref, running, { objects: [userObject(2)], at: "2025-01-02T00:00:00Z" }),
      msgRef(`${running}.users.0.0`),
    );
    const queryId = `q-${running}`;
    const q = QueryExecuted.schema.parse({
      queryId,
      workspaceId: ref.workspaceId,
      actor: "key_1",
      sql: "SELECT 1",
      startedAt: "2025-01-02T00:00:01Z",
      durationMs: 3,
      rowCount: 1,
      outcome: "ok",
      error: null,
      generationId: 1,
    });
    const applied = await wh.systemEvent(queryHistoryTable, q, msgRef(queryId));
    assert.deepEqual(applied, {
      status: "applied",
      generation: { workspaceId: ref.workspaceId, kind: "system" },
    });
    const g = await gens.generate(ref.workspaceId);
    assert.ok(g);
    assert.equal(g.tables.find((t) => t.name === "query_history")?.changed, true);
    assert.equal(g.tables.find((t) => t.name === "query_history")?.rows, 1);
    const users = g.tables.find((t) => t.name === "azuread_user");
    assert.equal(users?.changed, false);
    assert.equal(users?.rows, 1);
  });

  /** A query-history row of the workspace: a system-table change that asks for a generation. */
  async function systemChange(ref: Ref) {
    const qid = `q-${newPollId()}`;
    await wh.systemEvent(
      queryHistoryTable,
      {
        queryId: qid,
        workspaceId: ref.workspaceId,
        actor: "a",
        sql: "SELECT 1",
        startedAt: "2025-01-02T00:00:00Z",
        durationMs: 1,
        rowCount: 1,
        outcome: "ok",
        error: null,
        generationId: null,
      },
      msgRef(qid),
    );
  }

  it("runs a debounced generation after a system-table change", async () => {
    const ref = newRef();
    await completedPoll(ref, "2025-01-01T00:00:00Z", [userObject(1)]);
    await gens.generate(ref.workspaceId);
    const before = published.length;
    await systemChange(ref);
    gens.requested(ref.workspaceId, "system");
    gens.requested(ref.workspaceId, "system");
    const deadline = Date.now() + 5000;
    while (published.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(published.length, before + 1);
  });

  describe("system-table changes that keep coming", () => {
    function service(debounceMs: number, out: Generation[]) {
      return new GenerationService({
        warehouse: wh,
        dataDir,
        publish: async (g) => {
          out.push(g);
        },
        leases: { oldestLeased: async () => null },
        debounceMs,
        keep: 2,
        graceMs: 0,
        log: quiet,
      });
    }
    const until = async (what: () => boolean, ms = 20_000) => {
      const deadline = Date.now() + ms;
      while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(what(), "in time");
    };

    it("are written in one generation once they stop", async () => {
      const ref = newRef();
      const out: Generation[] = [];
      const g = service(500, out);
      try {
        // Changes ~20 ms apart for three debounce periods (within the cap of five): each one
        // postpones the generation.
        let changes = 0;
        for (const end = Date.now() + 1500; Date.now() < end; changes++) {
          await systemChange(ref);
          g.requested(ref.workspaceId, "system");
          await new Promise((r) => setTimeout(r, 20));
        }
        await until(() => out.length === 1);
        // A completed poll goes at once; the changes above made one generation before it, not more.
        await completedPoll(ref, "2025-01-03T00:00:00Z", [userObject(1)]);
        g.requested(ref.workspaceId, "poll");
        await until(() => out.length === 2);
        assert.deepEqual(
          out.map((x) => x.tables.find((t) => t.name === "query_history")?.rows),
          [changes, changes],
        );
      } finally {
        await g.stop();
      }
    });

    it("are not held back past five debounce periods", async () => {
      const ref = newRef();
      const out: Generation[] = [];
      const g = service(100, out);
      try {
        // Changes keep coming faster than the debounce; a generation is written while they do.
        for (let i = 0; i < 500 && out.length === 0; i++) {
          await systemChange(ref);
          g.requested(ref.workspaceId, "system");
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(out.length, 1, "a generation while changes kept coming");
      } finally {
        await g.stop();
      }
    });
  });

  it("removes old generations unless leased or reused, keeping the newest two", async () => {
    const ref = newRef();
    const manifests: Generation[] = [];
    for (let i = 0; i < 5; i++) {
      // Users change every time; groups only in the first poll, so later generations reuse gen 1's group files.
      await completedPoll(
        ref,
        `2025-01-0${i + 1}T00:00:00Z`,
        [userObject(1, { displayName: `v${i}` })],
        i === 0 ? [groupObject(1)] : undefined,
      );
      const g = await gens.generate(ref.workspaceId);
      assert.ok(g);
      manifests.push(g);
      if (i === 1) leased.set(ref.workspaceId, g.generationId); // a reader still reads g2
    }
    const wsDir = path.join(dataDir, "generations", ref.workspaceId);
    const [g1, g2, g3, g4, g5] = manifests;
    assert.ok(g1 && g2 && g3 && g4 && g5);
    // g2 is leased (and so everything after it); g1 is gone except the files later generations reuse.
    for (const g of [g2, g3, g4, g5]) assert.ok(existsSync(g.manifestPath));
    assert.ok(!existsSync(g1.manifestPath));
    const groupFile = g5.tables.find((t) => t.name === "azuread_group")?.file;
    assert.equal(path.dirname(groupFile ?? ""), path.dirname(g1.manifestPath));
    assert.ok(groupFile && existsSync(groupFile), "a file reused by a kept generation stays");
    const userFile1 = g1.tables.find((t) => t.name === "azuread_user")?.file;
    assert.ok(userFile1 && !existsSync(userFile1));

    // Lease released: g2 and g3 go at the next cleanup, g4 and g5 (the newest two) stay.
    leased.delete(ref.workspaceId);
    await gens.collect(ref.workspaceId);
    assert.ok(!existsSync(g2.manifestPath) && !existsSync(path.dirname(g3.manifestPath)));
    const rows = await wh.db
      .read()
      .all(`SELECT generation_id FROM _tl_generations WHERE workspace_id = $ws ORDER BY 1`, {
        ws: ref.workspaceId,
      });
    assert.deepEqual(
      rows.map((r) => Number(r.generation_id)),
      [g4.generationId, g5.generationId],
    );
    assert.deepEqual(
      (await readdir(wsDir)).sort(),
      [String(g1.generationId), String(g4.generationId), String(g5.generationId)].sort(),
    );
  });

  it("recovers from a crash mid-generation: pending requests, unannounced generations, orphan files", async () => {
    const ref = newRef();
    await completedPoll(ref, "2025-01-01T00:00:00Z", [userObject(1)]);
    const g1 = await gens.generate(ref.workspaceId);
    assert.ok(g1);
    // A crash after writing files for the next generation but before its commit leaves a directory.
    const wsDir = path.join(dataDir, "generations", ref.workspaceId);
    const orphan = path.join(wsDir, String(g1.generationId + 1));
    await mkdir(orphan, { recursive: true });
    await writeFile(path.join(orphan, "azuread_user.parquet"), "partial");
    await writeFile(path.join(orphan, "manifest.json.tmp"), "{");
    // A poll committed before the crash whose generation was never written.
    await completedPoll(ref, "2025-01-02T00:00:00Z", [userObject(2)]);
    // And a generation committed but never announced.
    await wh.db.exclusive((sql) =>
      sql.run(`UPDATE _tl_generations SET published = false WHERE workspace_id = $ws`, {
        ws: ref.workspaceId,
      }),
    );
    const before = published.length;

    await gens.recover();
    const announced = published.slice(before).filter((p) => p.workspaceId === ref.workspaceId);
    assert.deepEqual(
      announced.map((p) => p.generationId),
      [g1.generationId, g1.generationId + 2],
      "the unannounced one first, then the new one, which skips the orphan's number",
    );
    assert.ok(!existsSync(orphan), "the orphan directory is removed");
  });

  it("swaps generations under readers without a failed or half-written read", async () => {
    const ref = newRef();
    await completedPoll(
      ref,
      "2025-01-01T00:00:00Z",
      Array.from({ length: 200 }, (_, i) => userObject(i)),
    );
    let current = await gens.generate(ref.workspaceId);
    assert.ok(current);
    let stop = false;
    let reads = 0;
    const failures: unknown[] = [];
    // Readers: follow the latest manifest (as the query service does on GenerationCommitted), hold a
    // lease on it while reading, and check each table answers exactly the manifest's row counts.
    // Each reader holds its own lease; the workspace's oldest lease is the oldest any reader holds.
    const holding = new Map<number, number>();
    const readerLoop = async (reader: number) => {
      while (!stop) {
        const g: Generation = current as Generation;
        holding.set(reader, g.generationId);
        leased.set(ref.workspaceId, Math.min(...holding.values()));
        try {
          const r = await openGeneration(g.manifestPath);
          try {
            // The tables this test writes (a read of every catalog table would leave few reads per swap).
            for (const t of r.generation.tables.filter((x) => x.rows > 0)) {
              const n = (
                await r.conn.runAndReadAll(`SELECT count(*) AS n FROM "${t.name}"`)
              ).getRowObjectsJson()[0]?.n;
              if (Number(n) !== t.rows) failures.push(`${t.name}: ${n} != ${t.rows}`);
            }
            reads++;
          } finally {
            r.close();
          }
        } catch (err) {
          failures.push(err);
        }
      }
    };
    const readers = [readerLoop(0), readerLoop(1)];
    for (let i = 1; i <= 6; i++) {
      await completedPoll(
        ref,
        `2025-01-0${i + 1}T00:00:00Z`,
        Array.from({ length: 200 + i * 10 }, (_, k) => userObject(k, { jobTitle: `t${i}` })),
      );
      const g = await gens.generate(ref.workspaceId);
      assert.ok(g);
      current = g;
      await new Promise((r) => setTimeout(r, 20));
    }
    stop = true;
    await Promise.all(readers);
    leased.delete(ref.workspaceId);
    assert.deepEqual(failures, []);
    // Reads overlapped the six swaps (how many depends on the machine: at least a few).
    assert.ok(reads >= 3, `readers made ${reads} reads`);
  });
});
