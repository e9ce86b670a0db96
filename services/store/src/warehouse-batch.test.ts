import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EventPayload, PageCollected } from "@tenantlens/contracts";
import { changeId } from "./domain/hash.js";
import {
  groupObject,
  msgRef,
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  resourceCollected,
  userObject,
} from "./testing/fixtures.js";
import { openTempWarehouse, type TempWarehouse } from "./testing/temp-warehouse.js";
import type { Warehouse } from "./warehouse.js";

type Step = (wh: Warehouse) => Promise<unknown>;

const at = (day: number, minutes = 0) =>
  new Date(Date.UTC(2026, 0, day, 8, minutes, 0, 123) + 456e-3).toISOString();

/**
 * Three polls whose pages exercise what a group must keep: ids repeated across pages (a new group
 * starts), a page time per page, annotations, a wrongly typed property, a volatile-only change,
 * delta merges, removals by id and by absence; and log pages whose windows overlap.
 */
function script(): Step[] {
  const ref = newRef();
  const steps: Step[] = [];
  const poll = (
    day: number,
    mode: "full" | "delta",
    pages: { objects: Record<string, unknown>[]; removed?: string[] }[],
  ) => {
    const pollId = newPollId();
    steps.push((wh) => wh.pollStarted(pollStarted(ref, pollId, at(day)), msgRef(`${pollId}.started`)));
    for (const [n, p] of pages.entries()) {
      const payload: EventPayload<typeof PageCollected> = page(ref, pollId, {
        mode,
        page: n,
        objects: p.objects,
        removed: (p.removed ?? []).map((id) => ({ id, reason: "deleted" as const })),
        at: at(day, n),
      });
      steps.push((wh) => wh.pageCollected(payload, msgRef(`${pollId}.users.${n}.0`)));
    }
    steps.push((wh) =>
      wh.resourceCollected(
        resourceCollected(ref, pollId, { mode, at: at(day, 30) }),
        msgRef(`${pollId}.done`),
      ),
    );
    steps.push((wh) =>
      wh.pollCompleted(
        pollCompleted(ref, pollId, { startedAt: at(day), at: at(day, 31) }),
        msgRef(`${pollId}.end`),
      ),
    );
  };
  const users = (from: number, to: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
    Array.from({ length: to - from }, (_, k) => userObject(from + k, extra(from + k)));

  poll(1, "full", [
    { objects: users(0, 10) },
    // users 3 and 12 again, the second copy of 3 changed: a new group starts here
    { objects: [...users(10, 20), userObject(3, { jobTitle: "Twice" }), userObject(12)] },
    {
      objects: users(20, 30, (i) =>
        i === 21
          ? { "@odata.type": "#microsoft.graph.user" }
          : i === 22
            ? { accountEnabled: "not-a-bool" }
            : {},
      ),
    },
  ]);
  poll(2, "delta", [
    {
      objects: [{ id: userObject(1).id, department: "Delta" }, userObject(40)],
      removed: [userObject(2).id as string],
    },
    { objects: [{ id: userObject(1).id, jobTitle: "Again" }] },
    { objects: [{ id: userObject(5).id, onPremisesLastSyncDateTime: "2026-01-02T00:00:00Z" }] },
  ]);
  poll(3, "full", [
    { objects: users(0, 12, (i) => (i === 4 ? { surname: "Renamed" } : {})) },
    {
      objects: users(12, 25, (i) =>
        i === 13
          ? { onPremisesLastSyncDateTime: "2026-01-03T00:00:00Z" }
          : i === 22
            ? { accountEnabled: "not-a-bool" }
            : {},
      ),
    },
  ]);
  // An append-only log read in overlapping windows: entries repeat across pages and polls.
  const audit = (n: number) => ({
    id: `Directory_${n}`,
    activityDateTime: at(1, n % 60),
    activityDisplayName: "Update user",
    category: "UserManagement",
    result: "success",
  });
  for (const day of [4, 5]) {
    const pollId = newPollId();
    const windows =
      day === 4
        ? [
            [0, 5],
            [5, 10],
            [8, 12],
          ]
        : [
            [10, 15],
            [15, 20],
          ];
    for (const [n, [from, to]] of windows.entries()) {
      const payload = page(ref, pollId, {
        resource: "directoryAudits",
        mode: "delta",
        page: n,
        objects: Array.from({ length: (to as number) - (from as number) }, (_, k) =>
          audit((from as number) + k),
        ),
        at: at(day, n),
      });
      steps.push((wh) => wh.pageCollected(payload, msgRef(`${pollId}.directoryAudits.${n}.0`)));
    }
  }
  return steps;
}

async function dump(wh: Warehouse): Promise<unknown> {
  const read = wh.db.read();
  const all = (sql: string) => read.all(sql);
  return {
    current: await all(`SELECT * EXCLUDE (_raw), CAST(_raw AS VARCHAR) AS raw FROM azuread_user ORDER BY id`),
    changes: await all(
      `SELECT * EXCLUDE ("before", "after"), CAST("before" AS VARCHAR) AS b, CAST("after" AS VARCHAR) AS a
       FROM azuread_user_changes ORDER BY resource_id, recorded_at, change_id`,
    ),
    polls: await all(`SELECT poll_id, status, added, modified, removed FROM polls ORDER BY poll_id`),
    audits: await all(
      `SELECT * EXCLUDE (_raw), CAST(_raw AS VARCHAR) AS raw FROM azuread_directory_audit ORDER BY id`,
    ),
  };
}

describe("pages written in groups (one batch) end exactly as pages written one by one", () => {
  let alone: TempWarehouse;
  let batched: TempWarehouse;
  before(async () => {
    [alone, batched] = await Promise.all([openTempWarehouse(), openTempWarehouse()]);
  });
  after(async () => {
    await Promise.all([alone.close(), batched.close()]);
  });

  it("same rows, change ids, times and counts", async () => {
    const steps = script();
    for (const step of steps) await step(alone.wh);
    await batched.wh.batch(async () => {
      for (const step of steps) await step(batched.wh);
    });
    const [a, b] = [await dump(alone.wh), await dump(batched.wh)];
    assert.deepEqual(b, a);
    const { current, changes } = a as { current: Record<string, unknown>[]; changes: unknown[] };
    // The script really did something: removals, a wrongly typed value, changes of every kind.
    assert.ok(current.length > 20);
    assert.equal(current.find((r) => r.id === userObject(22).id)?.account_enabled, null);
    assert.ok(changes.length > current.length);
    assert.equal((a as { audits: unknown[] }).audits.length, 20);
    // Change ids computed in SQL follow the formula of hash.ts (removals by absence use it too).
    const first = (changes as Record<string, string>[]).find(
      (c) => c.resource_id === userObject(0).id && c.change_type === "added",
    );
    assert.ok(first);
    const origin = `${first.poll_id}.users.0.0`;
    assert.equal(
      first.change_id,
      changeId({
        integrationId: first.integration_id as string,
        table: "azuread_user",
        objectId: first.resource_id as string,
        pollId: first.poll_id as string,
        changeType: "added",
        origin,
      }),
    );
    // A redelivered batch changes nothing.
    await batched.wh.batch(async () => {
      for (const step of steps) await step(batched.wh);
    });
    assert.deepEqual(await dump(batched.wh), a);
  });
});

/**
 * A first read as the poller sends it: pages of several resources interleaved in the stream (users,
 * groups, a log), an id repeated on a later page of the same table with another table's pages in
 * between, no PollStarted (the poll's row comes from its first page), then a second full read
 * whose end removes by absence. One batch keeps a group per table; the outcome must not differ.
 */
function interleaved(): Step[] {
  const ref = newRef();
  const steps: Step[] = [];
  const audit = (n: number) => ({
    id: `Directory_${n}`,
    activityDateTime: at(1, n % 60),
    activityDisplayName: "Update user",
    category: "UserManagement",
    result: "success",
  });
  for (const day of [6, 7]) {
    const pollId = newPollId();
    const pages: [string, Record<string, unknown>[]][] = [
      ["users", [0, 1, 2, 3].map((i) => userObject(i, day === 7 && i === 1 ? { jobTitle: "New" } : {}))],
      ["groups", [0, 1, 2].map((i) => groupObject(i))],
      ["directoryAudits", [0, 1, 2].map(audit)],
      ["users", [4, 5].map((i) => userObject(i))],
      ["groups", [3, 4].map((i) => groupObject(i))],
      // user 2 again (changed): the users group is written before this page joins a new one
      ["users", day === 6 ? [userObject(2, { surname: "Second" }), userObject(6)] : [userObject(6)]],
      ["directoryAudits", [2, 3, 4].map(audit)],
      ["groups", day === 6 ? [groupObject(5)] : []],
    ];
    for (const [n, [resource, objects]] of pages.entries()) {
      const payload = page(ref, pollId, { resource, page: n, objects, at: at(day, n) });
      steps.push((wh) => wh.pageCollected(payload, msgRef(`${pollId}.${resource}.${n}.0`)));
    }
    for (const resource of ["users", "groups"])
      steps.push((wh) =>
        wh.resourceCollected(
          resourceCollected(ref, pollId, { resource, at: at(day, 30) }),
          msgRef(`${pollId}.${resource}.done`),
        ),
      );
  }
  return steps;
}

async function dumpAll(wh: Warehouse): Promise<unknown> {
  const read = wh.db.read();
  const rows = (table: string, order: string) =>
    read.all(`SELECT * EXCLUDE (_raw), CAST(_raw AS VARCHAR) AS raw FROM ${table} ORDER BY ${order}`);
  const history = (table: string) =>
    read.all(
      `SELECT * EXCLUDE ("before", "after"), CAST("before" AS VARCHAR) AS b, CAST("after" AS VARCHAR) AS a
       FROM ${table} ORDER BY resource_id, recorded_at, change_id`,
    );
  return {
    users: await rows("azuread_user", "id"),
    groups: await rows("azuread_group", "id"),
    audits: await rows("azuread_directory_audit", "id"),
    userChanges: await history("azuread_user_changes"),
    groupChanges: await history("azuread_group_changes"),
    polls: await read.all(
      `SELECT poll_id, status, started_at, added, modified, removed FROM polls ORDER BY poll_id`,
    ),
    // Which tables were marked changed (how often is not meaningful: once per write).
    versions: await read.all(`SELECT workspace_id, table_name FROM _tl_table_versions ORDER BY ALL`),
    ledger: await read.all(`SELECT msg_key, stream, subject FROM _tl_ledger ORDER BY msg_key`),
  };
}

describe("a batch of interleaved resources (one group per table) ends as page by page", () => {
  let alone: TempWarehouse;
  let batched: TempWarehouse;
  before(async () => {
    [alone, batched] = await Promise.all([openTempWarehouse(), openTempWarehouse()]);
  });
  after(async () => {
    await Promise.all([alone.close(), batched.close()]);
  });

  it("same rows, history, poll rows, versions and ledger", async () => {
    const steps = interleaved();
    for (const step of steps) await step(alone.wh);
    await batched.wh.batch(async () => {
      for (const step of steps) await step(batched.wh);
    });
    const a = (await dumpAll(alone.wh)) as Record<string, Record<string, unknown>[]>;
    assert.deepEqual(await dumpAll(batched.wh), a);
    // The script did what it says: two polls, groups removed by absence, user 2 changed twice.
    assert.equal(a.polls?.length, 2);
    assert.ok(a.groupChanges?.some((c) => c.change_type === "removed"));
    assert.equal(a.userChanges?.filter((c) => c.change_type === "modified").length, 3);
    assert.equal(a.audits?.length, 5);
    assert.equal(a.ledger?.length, steps.length);
    // A redelivered batch changes nothing (copies inside one batch included).
    await batched.wh.batch(async () => {
      for (const step of [...steps, ...steps]) await step(batched.wh);
    });
    assert.deepEqual(await dumpAll(batched.wh), a);
  });
});
