import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  msgRef,
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  type Ref,
  resourceCollected,
} from "./testing/fixtures.js";
import { openTempWarehouse } from "./testing/temp-warehouse.js";
import type { Warehouse } from "./warehouse.js";

const audit = (n: number, at: string) => ({
  id: `Directory_${n}`,
  activityDateTime: at,
  activityDisplayName: "Update user",
  category: "UserManagement",
  operationType: "Update",
  result: "success",
  initiatedBy: { user: { id: "u1", userPrincipalName: "a@b.c" } },
  targetResources: [{ id: "t1", type: "User" }],
});

describe("append-only logs in the warehouse", () => {
  let wh: Warehouse;
  let close: () => Promise<void>;
  before(async () => {
    ({ wh, close } = await openTempWarehouse("logs.duckdb"));
  });
  after(() => close());

  const rows = (sql: string, params?: Record<string, string>) => wh.db.read().all(sql, params);

  /** One poll of directory audits: the window's entries in pages of `per`, then done. */
  async function logPoll(ref: Ref, at: string, entries: Record<string, unknown>[], mode: "full" | "delta") {
    const pollId = newPollId();
    await wh.pollStarted(pollStarted(ref, pollId, at), msgRef(`${pollId}.started`));
    for (let k = 0; k * 2 < Math.max(1, entries.length); k++) {
      await wh.pageCollected(
        page(ref, pollId, {
          resource: "directoryAudits",
          mode,
          page: k,
          objects: entries.slice(2 * k, 2 * k + 2),
          at,
        }),
        msgRef(`${pollId}.directoryAudits.${k}.0`),
      );
    }
    await wh.resourceCollected(
      resourceCollected(ref, pollId, { resource: "directoryAudits", mode, at }),
      msgRef(`${pollId}.directoryAudits.done`),
    );
    await wh.pollCompleted(pollCompleted(ref, pollId, { startedAt: at, at }), msgRef(`${pollId}.completed`));
    return pollId;
  }

  it("has no history twin for logs and exports the log tables", () => {
    const names = wh.schema.exported.map((t) => t.name);
    assert.ok(names.includes("azuread_directory_audit") && names.includes("azuread_sign_in"));
    assert.ok(!names.includes("azuread_directory_audit_changes"));
    assert.ok(!names.includes("azuread_sign_in_changes"));
    assert.ok(names.includes("azuread_user_changes"));
  });

  it("keeps each entry once across overlapping windows, never removes on a complete read, and types the row", async () => {
    const ref = newRef();
    const now = "2026-12-01T12:00:00.000Z";
    await logPoll(
      ref,
      now,
      [1, 2, 3].map((n) => audit(n, `2026-12-01T11:0${n}:00Z`)),
      "full",
    );
    // The next window overlaps the first (entry 3 again), brings a late entry (4, older than 3) and a new one.
    await logPoll(
      ref,
      "2026-12-01T12:05:00.000Z",
      [audit(3, "2026-12-01T11:03:00Z"), audit(4, "2026-12-01T11:02:30Z"), audit(5, "2026-12-01T12:04:00Z")],
      "delta",
    );
    // A complete first read of a later window that sees none of the earlier entries removes nothing.
    await logPoll(ref, "2026-12-01T12:10:00.000Z", [audit(6, "2026-12-01T12:09:00Z")], "full");
    const got = await rows(
      `SELECT id, CAST(activity_date_time AS VARCHAR) AS t, category, json_extract_string(initiated_by, '$.user.id') AS who
       FROM azuread_directory_audit WHERE integration_id = $i ORDER BY activity_date_time`,
      { i: ref.integrationId },
    );
    assert.deepEqual(
      got.map((r) => r.id),
      ["Directory_1", "Directory_2", "Directory_4", "Directory_3", "Directory_5", "Directory_6"],
    );
    assert.equal(got[0]?.category, "UserManagement");
    assert.equal(got[0]?.who, "u1");
    const counts = await rows(
      "SELECT CAST(added AS INTEGER) AS added FROM polls WHERE integration_id = $i ORDER BY started_at",
      { i: ref.integrationId },
    );
    assert.deepEqual(
      counts.map((c) => c.added),
      [3, 2, 1],
      "entries read again are not counted as added",
    );
  });

  it("deletes entries older than the retention when the integration's next poll completes", async () => {
    const ref = newRef();
    const other = newRef();
    const old = audit(10, "2026-08-01T00:00:00Z");
    const recent = audit(11, "2026-11-30T00:00:00Z");
    await logPoll(ref, "2026-08-01T01:00:00.000Z", [old], "full");
    await logPoll(other, "2026-08-01T01:00:00.000Z", [{ ...old }], "full");
    assert.equal(
      (
        await rows("SELECT id FROM azuread_directory_audit WHERE integration_id = $i", {
          i: ref.integrationId,
        })
      ).length,
      1,
    );
    // 90 days (the default) after, at the next poll's completion, the August entry goes; other integrations keep theirs.
    await logPoll(ref, "2026-12-01T00:00:00.000Z", [recent], "delta");
    const left = await rows("SELECT id FROM azuread_directory_audit WHERE integration_id = $i ORDER BY id", {
      i: ref.integrationId,
    });
    assert.deepEqual(
      left.map((r) => r.id),
      ["Directory_11"],
    );
    const untouched = await rows("SELECT id FROM azuread_directory_audit WHERE integration_id = $i", {
      i: other.integrationId,
    });
    assert.equal(untouched.length, 1);
  });
});
