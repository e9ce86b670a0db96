import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { getGeneration } from "../adapters/reads.js";
import { pruneHistory } from "../adapters/retention.js";
import { GenerationService } from "../generation-service.js";
import {
  msgRef,
  newPollId,
  newRef,
  page,
  pollCompleted,
  resourceCollected,
  userObject,
} from "../testing/fixtures.js";
import { openGeneration } from "../testing/generation-reader.js";
import { openTempWarehouse } from "../testing/temp-warehouse.js";
import type { Warehouse } from "../warehouse.js";

const repoRoot = path.resolve(import.meta.dirname, "../../../..");

import { asOfMacroSql, asOfSelectSql } from "./as-of.js";

const T1 = "2025-01-01T00:00:00.000Z";
const T2 = "2025-01-05T00:00:00.000Z";
const T3 = "2025-01-10T00:00:00.000Z";
const T4 = "2025-01-15T00:00:00.000Z";

describe("point-in-time reads (as of)", () => {
  let wh: Warehouse;
  let gens: GenerationService;
  let close: () => Promise<void>;
  const ref = newRef();

  async function poll(
    at: string,
    objects: Record<string, unknown>[],
    mode: "full" | "delta" = "full",
    removed: string[] = [],
  ) {
    const pollId = newPollId();
    await wh.pageCollected(
      page(ref, pollId, {
        objects,
        mode,
        at,
        removed: removed.map((id) => ({ id, reason: "deleted" as const })),
      }),
      msgRef(`${pollId}.users.0.0`),
    );
    await wh.resourceCollected(resourceCollected(ref, pollId, { mode, at }), msgRef(`${pollId}.users.done`));
    await wh.pollCompleted(pollCompleted(ref, pollId, { startedAt: at, at }), msgRef(`${pollId}.completed`));
  }

  before(async () => {
    const t = await openTempWarehouse();
    ({ wh, close } = t);
    gens = new GenerationService({
      warehouse: wh,
      dataDir: t.dir,
      publish: async () => {},
      leases: { oldestLeased: async () => null },
      debounceMs: 10,
      keep: 2,
      graceMs: 0,
      log: { info() {}, warn() {}, error() {} },
    });
    const u = (i: number, o: Record<string, unknown> = {}) => userObject(i, o);
    await poll(T1, [u(1), u(2), u(3)]);
    await poll(T2, [u(1, { jobTitle: "CISO", accountEnabled: false }), u(2), u(3), u(4)]);
    await poll(T3, [u(1, { jobTitle: "CISO", accountEnabled: false, displayName: "Ada" }), u(3), u(4)]);
    await poll(T4, [u(2, { displayName: "Back" })], "delta", [u(3).id as string]);
  });
  after(async () => {
    await gens.stop();
    await close();
  });

  /** id suffix → display name (and job title), as of `ts`, read like the query service would. */
  async function asOf(ts: string): Promise<Record<string, string>> {
    const g = await gens.generate(ref.workspaceId);
    const latest = g ?? (await getGeneration(wh.db.read(), ref.workspaceId));
    assert.ok(latest);
    const r = await openGeneration(latest.manifestPath);
    try {
      const rows = (
        await r.conn.runAndReadAll(
          `SELECT id, display_name, job_title, account_enabled FROM azuread_user_as_of('${ts}') ORDER BY id`,
        )
      ).getRowObjectsJson();
      return Object.fromEntries(
        rows.map((x) => [
          String(x.id).slice(-1),
          `${x.display_name}${x.job_title ? `/${x.job_title}` : ""}${x.account_enabled === false ? "/disabled" : ""}`,
        ]),
      );
    } finally {
      r.close();
    }
  }

  it("answers the state at several timestamps", async () => {
    assert.deepEqual(await asOf("2024-12-31T00:00:00Z"), {});
    // Changes recorded exactly at the timestamp are included.
    assert.deepEqual(await asOf(T1), { 1: "User 1", 2: "User 2", 3: "User 3/Engineer" });
    assert.deepEqual(await asOf("2025-01-03T00:00:00Z"), { 1: "User 1", 2: "User 2", 3: "User 3/Engineer" });
    assert.deepEqual(await asOf("2025-01-07T12:00:00Z"), {
      1: "User 1/CISO/disabled",
      2: "User 2",
      3: "User 3/Engineer",
      4: "User 4",
    });
    assert.deepEqual(await asOf("2025-01-12T00:00:00Z"), {
      1: "Ada/CISO/disabled",
      3: "User 3/Engineer",
      4: "User 4",
    });
    assert.deepEqual(await asOf("2030-01-01T00:00:00Z"), { 1: "Ada/CISO/disabled", 2: "Back", 4: "User 4" });
  });

  it("stays right inside the retention window after older history is pruned", async () => {
    const pruned = await pruneHistory(wh.db, wh.schema, { days: 8, now: new Date("2025-01-16T00:00:00Z") });
    assert.equal(pruned.deleted, 5, "the 3 additions of T1 and the 2 changes of T2");
    await wh.db.transaction(async (sql) => {
      // A retention run is not a poll: ask for a collected-tables generation to see it in Parquet.
      await sql.run(`INSERT INTO _tl_generation_requests VALUES ('prune-test', $ws, 'poll', NULL, now())`, {
        ws: ref.workspaceId,
      });
    });
    assert.deepEqual(await asOf("2025-01-12T00:00:00Z"), {
      1: "Ada/CISO/disabled",
      3: "User 3/Engineer",
      4: "User 4",
    });
    assert.deepEqual(await asOf("2025-01-09T00:00:00Z"), {
      1: "User 1/CISO/disabled",
      2: "User 2",
      3: "User 3/Engineer",
      4: "User 4",
    });
  });

  it("runs the SQL examples of docs/warehouse.md", async () => {
    const doc = await readFile(path.join(repoRoot, "docs", "warehouse.md"), "utf8");
    const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      // The macro definition itself is shown abbreviated.
      .filter((b) => !b.includes("CREATE OR REPLACE MACRO"));
    assert.equal(blocks.length, 5);
    const g = await getGeneration(wh.db.read(), ref.workspaceId);
    assert.ok(g);
    const r = await openGeneration(g.manifestPath);
    try {
      for (const block of blocks) {
        for (const statement of block.split(/;\s*\n/).filter((x) => x.trim())) await r.conn.run(statement);
      }
    } finally {
      r.close();
    }
  });

  it("generates a macro and a plain SELECT for every resource table", () => {
    const users = wh.schema.resources.find((r) => r.resource.name === "users");
    assert.ok(users);
    assert.match(asOfMacroSql(users), /^CREATE OR REPLACE MACRO "azuread_user_as_of"\(ts\) AS TABLE/);
    assert.match(
      asOfSelectSql(users, "TIMESTAMPTZ '2025-01-07 00:00:00+00'"),
      /recorded_at > TIMESTAMPTZ '2025-01-07/,
    );
  });
});
