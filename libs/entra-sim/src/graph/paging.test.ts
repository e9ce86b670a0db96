import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GraphFixture, graphFixture, pages } from "./test-helpers.js";

const ids = (ps: Record<string, unknown>[]) =>
  ps.flatMap((p) => (p.value as { id: string }[]).map((o) => o.id));

describe("collection paging", () => {
  let f: GraphFixture;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 2500, groups: 300 } }] });
  });
  after(() => f.stop());

  it("returns each user exactly once across 999-object pages, then no nextLink", async () => {
    const ps = await pages(f, "/v1.0/users?$top=999&$select=id,displayName");
    assert.deepEqual(
      ps.map((p) => (p.value as unknown[]).length),
      [999, 999, 503],
    );
    const all = ids(ps);
    assert.equal(new Set(all).size, all.length);
    assert.equal(all.length, f.tenants[0]!.directory.stats().users.total);
    assert.equal(ps.at(-1)!["@odata.nextLink"], undefined);
  });

  it("defaults to 100 per page and keeps the query options in an opaque $skiptoken nextLink", async () => {
    const r = await f.call("/v1.0/groups?$select=id,displayName");
    assert.equal((r.json.value as unknown[]).length, 100);
    const next = String(r.json["@odata.nextLink"]);
    assert.match(
      next,
      /^https:\/\/graph\.test\/v1\.0\/groups\?\$select=id,displayName&\$skiptoken=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    );
    const all = ids(await pages(f, "/v1.0/groups?$select=id"));
    assert.equal(new Set(all).size, 300);
  });

  it("pages a filtered collection without losing or repeating objects", async () => {
    const all = ids(await pages(f, "/v1.0/users?$filter=userType eq 'Guest'&$select=id,userType&$top=50"));
    assert.equal(new Set(all).size, all.length);
    assert.equal(all.length, f.tenants[0]!.directory.stats().users.guests);
  });

  it("skips deleted objects and includes created ones", async () => {
    const d = f.tenants[0]!.directory;
    const victim = d.store.idAt("group", 10);
    d.store.softDelete(victim);
    const created = d.create("group", { displayName: "Paging new group" });
    const all = ids(await pages(f, "/v1.0/groups?$top=999&$select=id"));
    assert.ok(!all.includes(victim));
    assert.ok(all.includes(created.id));
    assert.equal(all.length, 300);
    d.store.restore(victim);
  });

  it("rejects $top outside 1..999 (1000 for sign-ins) with Graph's message", async () => {
    for (const top of ["0", "1000", "-5", "abc", "1.5"]) {
      const r = await f.call(`/v1.0/users?$top=${top}`);
      assert.equal(r.status, 400, top);
      assert.equal((r.json.error as { code: string }).code, "Request_BadRequest");
      assert.equal(
        (r.json.error as { message: string }).message,
        `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
      );
    }
    assert.equal((await f.call("/v1.0/auditLogs/signIns?$top=1000")).status, 200);
    assert.equal((await f.call("/v1.0/auditLogs/signIns?$top=1001")).status, 400);
  });

  it("rejects tampered or foreign skip tokens", async () => {
    const r = await f.call("/v1.0/users?$top=5");
    const next = String(r.json["@odata.nextLink"]);
    const tampered = next.replace(
      /skiptoken=([A-Za-z0-9_-])/,
      (_m, c: string) => `skiptoken=${c === "A" ? "B" : "A"}`,
    );
    const bad = await f.call(tampered);
    assert.equal(bad.status, 400);
    const foreign = await f.call(next.replace("/users?", "/groups?"));
    assert.equal(foreign.status, 400);
  });

  it("pages relationship collections (group members) and answers $count with ConsistencyLevel", async () => {
    const d = f.tenants[0]!.directory;
    const g = d.store.idAt("group", 3);
    const expected = d.store.memberIds(g);
    const all = ids(await pages(f, `/v1.0/groups/${g}/members?$top=5&$select=id`));
    assert.deepEqual(all, expected);
    const c = await f.call(`/v1.0/groups/${g}/members/$count`, { headers: { ConsistencyLevel: "eventual" } });
    assert.equal(c.text, String(expected.length));
  });
});
