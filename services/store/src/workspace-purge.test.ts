import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { catalog } from "@tenantlens/graph";
import { GenerationService } from "./generation-service.js";
import {
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
import { Warehouse } from "./warehouse.js";

const quiet = { info() {}, warn() {}, error() {} };

/**
 * A deleted workspace on a real warehouse file: every row and generation of it goes, the other
 * workspace keeps everything, a second purge removes nothing, and a page of it arriving afterwards
 * is dropped instead of bringing it back.
 */
describe("purging a deleted workspace", () => {
  let wh: Warehouse;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let gens: GenerationService;

  before(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    dataDir = t.dir;
    wh = await Warehouse.open({ file: path.join(dataDir, "warehouse", "warehouse.duckdb"), catalog });
    gens = new GenerationService({
      warehouse: wh,
      dataDir,
      publish: async () => {},
      leases: { oldestLeased: async () => null },
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

  async function completedPoll(ref: Ref, at: string, n: number): Promise<void> {
    const pollId = newPollId();
    await wh.pollStarted(pollStarted(ref, pollId, at), msgRef(`${pollId}.started`));
    const users = Array.from({ length: n }, (_, i) => userObject(i));
    await wh.pageCollected(page(ref, pollId, { objects: users, at }), msgRef(`${pollId}.users.0.0`));
    await wh.pollCompleted(pollCompleted(ref, pollId, { startedAt: at, at }), msgRef(`${pollId}.completed`));
  }

  async function rowsOf(workspaceId: string): Promise<number> {
    const rows = await wh.db
      .read()
      .all(`SELECT count(*)::INTEGER AS n FROM azuread_user WHERE _tl_workspace_id = $ws`, {
        ws: workspaceId,
      });
    return Number(rows[0]?.n ?? 0);
  }

  it("removes its rows and generations, keeps the other's, and stays purged", async () => {
    const doomed = newRef();
    const kept = newRef();
    await completedPoll(doomed, "2026-01-01T00:00:00.000Z", 3);
    await completedPoll(kept, "2026-01-01T00:00:00.000Z", 2);
    assert.ok(await gens.generate(doomed.workspaceId));
    assert.ok(await gens.generate(kept.workspaceId));
    const dir = path.join(dataDir, "generations", doomed.workspaceId);
    assert.ok(existsSync(dir));

    const first = await gens.purgeWorkspace(doomed.workspaceId, "2026-01-02T00:00:00.000Z");
    assert.ok((first.rows ?? 0) >= 3, JSON.stringify(first));
    assert.ok((first.generations ?? 0) >= 1, JSON.stringify(first));
    assert.equal(await rowsOf(doomed.workspaceId), 0);
    assert.equal(await rowsOf(kept.workspaceId), 2);
    assert.ok(!existsSync(dir), "its Parquet files are removed");
    assert.ok(existsSync(path.join(dataDir, "generations", kept.workspaceId)));
    const polls = await wh.db
      .read()
      .all(`SELECT count(*)::INTEGER AS n FROM polls WHERE _tl_workspace_id = $ws`, {
        ws: doomed.workspaceId,
      });
    assert.equal(Number(polls[0]?.n), 0);

    // Again: nothing left to remove.
    const again = await gens.purgeWorkspace(doomed.workspaceId, "2026-01-02T00:00:00.000Z");
    assert.deepEqual(again, { rows: 0, bookkeeping: 0, generations: 0 });

    // A late poll of the deleted workspace is dropped and no generation of it is written.
    await completedPoll(doomed, "2026-01-03T00:00:00.000Z", 4);
    assert.equal(await rowsOf(doomed.workspaceId), 0);
    assert.equal(await gens.generate(doomed.workspaceId), null);
    assert.ok(!existsSync(dir));
    // The other workspace still collects.
    await completedPoll(kept, "2026-01-03T00:00:00.000Z", 5);
    assert.equal(await rowsOf(kept.workspaceId), 5);
  });
});
