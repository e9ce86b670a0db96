import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GraphFixture, graphFixture, pages } from "./test-helpers.js";

/** Audit logs and sign-ins read by time window, as the poller's log cursors read them. */
describe("log windows", () => {
  let f: GraphFixture;
  let base: string;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 300 } }] });
    base = `/_sim/tenants/${f.tenants[0]!.tenantId}`;
  });
  after(() => f.stop());

  const iso = (ms: number) => new Date(ms).toISOString();
  const window = async (path: string, field: string, from: number, to: number, top = 7) => {
    const ps = await pages(
      f,
      `/v1.0/auditLogs/${path}?$filter=${field} ge ${iso(from)} and ${field} lt ${iso(to)}&$orderby=${field}&$top=${top}`,
    );
    return ps.flatMap((p) => p.value as Record<string, string>[]);
  };

  for (const [path, field] of [
    ["directoryAudits", "activityDateTime"],
    ["signIns", "createdDateTime"],
  ] as const) {
    it(`${path}: adjacent windows cover the log once, oldest first, across generated and new entries`, async () => {
      const now = Date.now();
      const added = await f.control("POST", `${base}/logs/${path}`, { count: 5, at: iso(now - 60_000) });
      assert.equal(added.status, 201);
      const addedIds = (added.json.entries as { id: string }[]).map((e) => e.id);
      const more = await f.control("POST", `${base}/logs/${path}`, { count: 2 });
      addedIds.push(...(more.json.entries as { id: string }[]).map((e) => e.id));
      assert.equal(new Set(addedIds).size, 7, "every new entry has its own id");
      const start = now - 2 * 86_400_000;
      const cuts = [start, now - 86_400_000, now - 30_000, now + 1000];
      const seen: Record<string, string>[] = [];
      for (let k = 0; k + 1 < cuts.length; k++) {
        const items = await window(path, field, cuts[k]!, cuts[k + 1]!);
        for (const o of items) {
          const t = Date.parse(o[field]!);
          assert.ok(t >= cuts[k]! && t < cuts[k + 1]!, `${o[field]} within window ${k}`);
        }
        const times = items.map((o) => Date.parse(o[field]!));
        assert.deepEqual(
          times,
          [...times].sort((a, b) => a - b),
          "oldest first",
        );
        seen.push(...items);
      }
      const ids = seen.map((o) => o.id);
      assert.equal(new Set(ids).size, ids.length, "no entry in two windows or two pages");
      for (const id of addedIds) assert.ok(ids.includes(id), `new entry ${id} listed`);
      // The same span in one window: the same entries.
      const whole = await window(path, field, start, now + 1000, 1000);
      assert.deepEqual(whole.map((o) => o.id).sort(), [...ids].sort());
      // Newest first by default and with desc.
      const desc = await f.call(`/v1.0/auditLogs/${path}?$orderby=${field} desc&$top=20`);
      const dt = (desc.json.value as Record<string, string>[]).map((o) => Date.parse(o[field]!));
      assert.deepEqual(
        dt,
        [...dt].sort((a, b) => b - a),
      );
    });

    it(`${path}: a late entry written while a client pages does not shift its pages, and a later window finds it`, async () => {
      const now = Date.now();
      const from = now - 3_600_000;
      const first = await f.call(
        `/v1.0/auditLogs/${path}?$filter=${field} ge ${iso(from)} and ${field} lt ${iso(now)}&$orderby=${field}&$top=2`,
      );
      // A late arrival, inside the window already being read, before the next page is asked for.
      const late = await f.control("POST", `${base}/logs/${path}`, { at: iso(now - 120_000) });
      const lateId = (late.json.entries as { id: string }[])[0]!.id;
      const rest = await pages(f, String(first.json["@odata.nextLink"] ?? ""));
      const listed = [first.json, ...rest].flatMap((p) => (p.value as { id: string }[]).map((o) => o.id));
      assert.equal(new Set(listed).size, listed.length, "no entry twice");
      const again = await window(path, field, from, now, 1000);
      assert.ok(
        again.some((o) => o.id === lateId),
        "the late entry is in the log",
      );
      for (const id of listed)
        assert.ok(
          again.some((o) => o.id === id),
          "nothing listed before was lost",
        );
    });
  }

  it("refuses other orderings, foreign tokens and unknown logs", async () => {
    const bad = await f.call("/v1.0/auditLogs/signIns?$orderby=userId");
    assert.equal(bad.status, 400);
    const r = await f.call("/v1.0/auditLogs/signIns?$top=2&$orderby=createdDateTime asc");
    const next = String(r.json["@odata.nextLink"]);
    assert.equal((await f.call(next.replace("signIns", "directoryAudits"))).status, 400);
    assert.equal((await f.call(next.replace("asc", "desc"))).status, 400);
    assert.equal((await f.control("POST", `${base}/logs/provisioning`, {})).status, 404);
    assert.equal((await f.control("POST", `${base}/logs/signIns`, { at: "yesterday" })).status, 400);
  });
});
