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
  userObject,
} from "./testing/fixtures.js";
import { openTempWarehouse } from "./testing/temp-warehouse.js";
import type { Warehouse } from "./warehouse.js";

describe("warehouse ingest and change detection", () => {
  let wh: Warehouse;
  let close: () => Promise<void>;

  before(async () => {
    ({ wh, close } = await openTempWarehouse("warehouse.duckdb"));
  });
  after(() => close());

  const rows = (sql: string, params?: Record<string, string>) => wh.db.read().all(sql, params);
  const changes = (ref: Ref) =>
    rows(
      `SELECT resource_id, change_type, fields, CAST(before AS VARCHAR) AS before, CAST(after AS VARCHAR) AS after,
         strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%fZ') AS recorded_at, poll_id, change_id
       FROM azuread_user_changes WHERE integration_id = $i ORDER BY recorded_at, resource_id`,
      { i: ref.integrationId },
    );

  /** One whole poll of users: started, pages, resource collected, completed. */
  async function poll(
    ref: Ref,
    at: string,
    objects: Record<string, unknown>[],
    opts: {
      mode?: "full" | "delta";
      outcome?: "complete" | "partial" | "failed" | "not_collected";
      removed?: { id: string; reason: "changed" | "deleted" }[];
    } = {},
  ) {
    const pollId = newPollId();
    await wh.pollStarted(pollStarted(ref, pollId, at), msgRef(`${pollId}.started`));
    await wh.pageCollected(
      page(ref, pollId, { objects, mode: opts.mode, removed: opts.removed, at }),
      msgRef(`${pollId}.users.0.0`),
    );
    await wh.resourceCollected(
      resourceCollected(ref, pollId, { mode: opts.mode, outcome: opts.outcome, at }),
      msgRef(`${pollId}.users.done`),
    );
    await wh.pollCompleted(pollCompleted(ref, pollId, { startedAt: at, at }), msgRef(`${pollId}.completed`));
    return pollId;
  }

  it("adds objects as typed rows with an 'added' change each", async () => {
    const ref = newRef();
    const pollId = await poll(ref, "2025-01-01T10:00:00.000Z", [userObject(1), userObject(2), userObject(3)]);
    const users = await rows(
      `SELECT id, display_name, account_enabled, user_type, created_date_time = TIMESTAMPTZ '2023-01-02 03:04:05+00' AS ts_ok,
         proxy_addresses, json_extract_string(identities, '$[0].signInType') AS sign_in, tenant_id,
         json_extract_string(_raw, '$.displayName') AS raw_name, _first_seen_at = _last_seen_at AS fresh
       FROM azuread_user WHERE integration_id = $i ORDER BY id`,
      { i: ref.integrationId },
    );
    assert.equal(users.length, 3);
    assert.deepEqual(users[0], {
      id: userObject(1).id as string,
      display_name: "User 1",
      account_enabled: true,
      user_type: "Member",
      ts_ok: true,
      proxy_addresses: ["SMTP:user1@contoso.test"],
      sign_in: "userPrincipalName",
      tenant_id: ref.tenantId,
      raw_name: "User 1",
      fresh: true,
    });
    const c = await changes(ref);
    assert.deepEqual(
      c.map((r) => [r.change_type, r.before, r.poll_id]),
      Array(3).fill(["added", null, pollId]),
    );
    assert.equal(JSON.parse(String(c[0]?.after)).displayName, "User 1");
    const [p] = await rows(`SELECT status, added, modified, removed FROM polls WHERE poll_id = $p`, {
      p: pollId,
    });
    assert.deepEqual(p, { status: "succeeded", added: "3", modified: "0", removed: "0" });
  });

  it("records modified (with fields), unchanged (no row) and removed by absence after a complete full read", async () => {
    const ref = newRef();
    await poll(ref, "2025-01-01T10:00:00.000Z", [userObject(1), userObject(2), userObject(3)]);
    const second = await poll(ref, "2025-01-02T10:00:00.000Z", [
      userObject(1, { displayName: "Renamed", accountEnabled: false }),
      userObject(2),
    ]);
    const c = (await changes(ref)).filter((r) => r.poll_id === second);
    assert.deepEqual(
      c.map((r) => [r.resource_id, r.change_type, r.fields]),
      [
        [userObject(1).id, "modified", ["accountEnabled", "displayName"]],
        [userObject(3).id, "removed", null],
      ],
    );
    const modified = c[0];
    assert.equal(JSON.parse(String(modified?.before)).displayName, "User 1");
    assert.equal(JSON.parse(String(modified?.after)).displayName, "Renamed");
    assert.equal(JSON.parse(String(c[1]?.before)).displayName, "User 3");
    assert.equal(c[1]?.after, null);

    const current = await rows(
      `SELECT id, display_name, account_enabled, strftime(_last_seen_at, '%Y-%m-%d') AS seen, strftime(_first_seen_at, '%Y-%m-%d') AS first
       FROM azuread_user WHERE integration_id = $i ORDER BY id`,
      { i: ref.integrationId },
    );
    assert.deepEqual(current, [
      {
        id: userObject(1).id,
        display_name: "Renamed",
        account_enabled: false,
        seen: "2025-01-02",
        first: "2025-01-01",
      },
      {
        id: userObject(2).id,
        display_name: "User 2",
        account_enabled: true,
        seen: "2025-01-02",
        first: "2025-01-01",
      },
    ]);
    const [p] = await rows(`SELECT added, modified, removed FROM polls WHERE poll_id = $p`, { p: second });
    assert.deepEqual(p, { added: "0", modified: "1", removed: "1" });
  });

  for (const outcome of ["partial", "failed", "not_collected"] as const) {
    it(`never removes anything after a ${outcome} full read`, async () => {
      const ref = newRef();
      await poll(ref, "2025-01-01T10:00:00.000Z", [userObject(1), userObject(2)]);
      const p = await poll(ref, "2025-01-02T10:00:00.000Z", [userObject(1)], { outcome });
      const c = (await changes(ref)).filter((r) => r.poll_id === p);
      assert.deepEqual(c, []);
      const [n] = await rows(`SELECT count(*) AS n FROM azuread_user WHERE integration_id = $i`, {
        i: ref.integrationId,
      });
      assert.equal(n?.n, "2");
    });
  }

  it("merges delta objects into the stored state and removes @removed ids", async () => {
    const ref = newRef();
    await poll(ref, "2025-01-01T10:00:00.000Z", [userObject(1), userObject(2), userObject(3)]);
    const d = await poll(
      ref,
      "2025-01-02T10:00:00.000Z",
      [{ id: userObject(1).id, jobTitle: "CISO", "@odata.type": "#microsoft.graph.user" }],
      {
        mode: "delta",
        removed: [
          { id: userObject(2).id as string, reason: "deleted" },
          { id: "never-seen", reason: "changed" },
        ],
      },
    );
    const c = (await changes(ref)).filter((r) => r.poll_id === d);
    assert.deepEqual(
      c.map((r) => [r.resource_id, r.change_type, r.fields]),
      [
        [userObject(1).id, "modified", ["jobTitle"]],
        [userObject(2).id, "removed", null],
      ],
    );
    const [u1] = await rows(
      `SELECT display_name, job_title FROM azuread_user WHERE integration_id = $i AND id = $id`,
      {
        i: ref.integrationId,
        id: userObject(1).id as string,
      },
    );
    assert.deepEqual(u1, { display_name: "User 1", job_title: "CISO" });
    // A delta round never removes by absence: user 3 stays.
    const [n] = await rows(`SELECT count(*) AS n FROM azuread_user WHERE integration_id = $i`, {
      i: ref.integrationId,
    });
    assert.equal(n?.n, "2");
  });

  it("applies a redelivered message once and records nothing for an unchanged object", async () => {
    const ref = newRef();
    const pollId = newPollId();
    const msg = page(ref, pollId, { objects: [userObject(1)], at: "2025-01-01T10:00:00.000Z" });
    assert.equal((await wh.pageCollected(msg, msgRef(`${pollId}.users.0.0`))).status, "applied");
    assert.equal((await wh.pageCollected(msg, msgRef(`${pollId}.users.0.0`))).status, "duplicate");
    // The same content in another message (a replayed page, a later poll): no change row.
    const again = newPollId();
    await wh.pageCollected(
      page(ref, again, { objects: [userObject(1)], at: "2025-01-01T11:00:00.000Z" }),
      msgRef(`${again}.users.0.0`),
    );
    assert.equal((await changes(ref)).length, 1);
    const [p] = await rows(`SELECT added FROM polls WHERE poll_id = $p`, { p: pollId });
    assert.equal(p?.added, "1");
  });

  it("treats a volatile property change as a refresh without a change row", async () => {
    const ref = newRef();
    await poll(ref, "2025-01-01T10:00:00.000Z", [
      userObject(1, { onPremisesLastSyncDateTime: "2025-01-01T09:00:00Z" }),
    ]);
    await poll(ref, "2025-01-02T10:00:00.000Z", [
      userObject(1, { onPremisesLastSyncDateTime: "2025-01-02T09:30:00Z" }),
    ]);
    assert.equal((await changes(ref)).length, 1);
    const [u] = await rows(
      `SELECT strftime(on_premises_last_sync_date_time, '%Y-%m-%d %H:%M') AS t FROM azuread_user WHERE integration_id = $i`,
      { i: ref.integrationId },
    );
    assert.equal(u?.t, "2025-01-02 09:30");
  });

  it("keeps the last copy of an object repeated in a page and bad property types become NULL", async () => {
    const ref = newRef();
    await poll(ref, "2025-01-01T10:00:00.000Z", [
      userObject(1, { displayName: "first" }),
      userObject(1, {
        displayName: "second",
        accountEnabled: "not-a-bool",
        createdDateTime: "garbage",
        proxyAddresses: "x",
      }),
    ]);
    const u = await rows(
      `SELECT display_name, account_enabled, created_date_time, json_extract_string(_raw, '$.accountEnabled') AS raw
       FROM azuread_user WHERE integration_id = $i`,
      { i: ref.integrationId },
    );
    assert.deepEqual(u, [
      { display_name: "second", account_enabled: null, created_date_time: null, raw: "not-a-bool" },
    ]);
  });

  it("records each object's changes at strictly increasing times", async () => {
    const ref = newRef();
    const at = "2025-01-01T10:00:00.000Z";
    await poll(ref, at, [userObject(1)]);
    await poll(ref, at, [userObject(1, { displayName: "B" })]);
    await poll(ref, at, []);
    const times = (await changes(ref)).map((r) => r.recorded_at);
    assert.deepEqual(times, [
      "2025-01-01T10:00:00.000000Z",
      "2025-01-01T10:00:00.000001Z",
      "2025-01-01T10:00:00.000002Z",
    ]);
  });
});
