import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Directory } from "../directory/index.js";
import { type GraphFixture, graphFixture } from "./test-helpers.js";

/**
 * A deleted member leaves every group, role and administrative unit it was in, and a restored one
 * is back: delta rounds with `members` selected report exactly those membership changes, and the
 * members / transitiveMembers / memberOf reads agree with them.
 */

type MemberDelta = { "@odata.type": string; id: string; "@removed"?: { reason: string } };
type Item = { id: string; "@removed"?: { reason: string }; "members@delta"?: MemberDelta[] } & Record<
  string,
  unknown
>;

async function round(f: GraphFixture, url: string): Promise<{ items: Item[]; deltaLink: string }> {
  const items: Item[] = [];
  let next = url;
  for (let i = 0; i < 500; i++) {
    const r = await f.call(next);
    assert.equal(r.status, 200, `${next} → ${r.text.slice(0, 300)}`);
    items.push(...(r.json.value as Item[]));
    if (r.json["@odata.deltaLink"]) return { items, deltaLink: String(r.json["@odata.deltaLink"]) };
    next = String(r.json["@odata.nextLink"]);
  }
  throw new Error("delta round did not end");
}

const USER = "#microsoft.graph.user";

describe("groups delta when a member is deleted or restored", () => {
  let f: GraphFixture;
  // 200 users give 10 groups, so group 6 nests group 7 (transitive membership to check).
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 200 }, seed: 77 }] });
  });
  after(() => f.stop());
  const dir = (): Directory => f.tenants[0]!.directory;

  async function ids(path: string): Promise<string[]> {
    const r = await f.call(`${path}${path.includes("?") ? "&" : "?"}$select=id&$top=999`);
    assert.equal(r.status, 200, `${path} → ${r.text.slice(0, 300)}`);
    return (r.json.value as { id: string }[]).map((o) => o.id);
  }

  /** The groups (by id) a round reports, each with its members@delta. */
  function membershipChanges(items: Item[]): Map<string, MemberDelta[]> {
    return new Map(items.map((i) => [i.id, i["members@delta"] ?? []]));
  }

  it("soft delete reports @removed in each group; restore reports it added back; reads agree", async () => {
    const s = dir().store;
    const parent = s.idAt("group", 6);
    const child = s.idAt("group", 7);
    assert.ok(s.memberIds(parent).includes(child), "group 6 nests group 7");
    const user = s
      .memberIds(child)
      .find((m) => s.get(m)?.kind === "user" && !s.memberIds(parent).includes(m));
    assert.ok(user, "a user in group 7 that is not a direct member of group 6");
    // One membership added at run time, one group created at run time.
    const created = dir().create("group", { displayName: "Created at run time" });
    s.addMember(created.id, user);
    const added = s.idAt("group", 0) === child ? s.idAt("group", 1) : s.idAt("group", 0);
    if (!s.memberIds(added).includes(user)) s.addMember(added, user);
    const groups = s
      .memberOf(user)
      .filter((c) => c.kind === "group")
      .map((c) => c.id);
    assert.ok(groups.length >= 3, `user in ${groups.length} groups`);
    assert.ok((await ids(`/v1.0/groups/${parent}/transitiveMembers`)).includes(user));

    const withMembers = await round(f, "/v1.0/groups/delta?$select=displayName,members");
    const membersOnly = await round(f, "/v1.0/groups/delta?$select=members");
    const withoutMembers = await round(f, "/v1.0/groups/delta?$select=displayName");

    s.softDelete(user);
    const removed = await round(f, withMembers.deltaLink);
    const byGroup = membershipChanges(removed.items);
    assert.deepEqual([...byGroup.keys()].sort(), [...groups].sort());
    for (const [g, md] of byGroup) {
      assert.deepEqual(md, [{ "@odata.type": USER, id: user, "@removed": { reason: "deleted" } }], g);
    }
    for (const item of removed.items) assert.equal(typeof item.displayName, "string");
    const onlyMembers = await round(f, membersOnly.deltaLink);
    assert.deepEqual(
      onlyMembers.items.map((i) => Object.keys(i).sort()),
      groups.map(() => ["id", "members@delta"]),
    );
    assert.deepEqual((await round(f, withoutMembers.deltaLink)).items, []);

    // Reads agree: no group lists the user, directly or transitively; the user has no memberOf.
    for (const g of groups) assert.ok(!(await ids(`/v1.0/groups/${g}/members`)).includes(user), g);
    assert.ok(!(await ids(`/v1.0/groups/${parent}/transitiveMembers`)).includes(user));
    assert.ok(!(await ids(`/v1.0/groups/${child}/transitiveMembers`)).includes(user));
    assert.equal((await f.call(`/v1.0/users/${user}/memberOf`)).status, 404);
    const fresh = await round(f, "/v1.0/groups/delta?$select=members");
    for (const item of fresh.items) assert.ok(!(item["members@delta"] ?? []).some((m) => m.id === user));

    s.restore(user);
    const back = await round(f, removed.deltaLink);
    const backByGroup = membershipChanges(back.items);
    assert.deepEqual([...backByGroup.keys()].sort(), [...groups].sort());
    for (const [g, md] of backByGroup) assert.deepEqual(md, [{ "@odata.type": USER, id: user }], g);
    for (const g of groups) assert.ok((await ids(`/v1.0/groups/${g}/members`)).includes(user), g);
    assert.ok((await ids(`/v1.0/groups/${parent}/transitiveMembers`)).includes(user));
    assert.deepEqual(
      (await ids(`/v1.0/users/${user}/memberOf`)).filter((id) => s.get(id)?.kind === "group").sort(),
      [...groups].sort(),
    );
    assert.deepEqual((await round(f, back.deltaLink)).items, []);
  });

  it("hard delete of an active member reports removals once; purging a soft-deleted one reports none", async () => {
    const s = dir().store;
    const users = Array.from({ length: 200 }, (_, i) => s.idAt("user", i)).filter(
      (u) => s.getActive(u) && s.memberOf(u).some((c) => c.kind === "group"),
    );
    const [hard, soft] = [users[10]!, users[11]!];
    const hardGroups = s
      .memberOf(hard)
      .filter((c) => c.kind === "group")
      .map((c) => c.id);
    s.softDelete(soft);
    const first = await round(f, "/v1.0/groups/delta?$select=members");
    s.hardDelete(hard);
    s.hardDelete(soft);
    const second = await round(f, first.deltaLink);
    const byGroup = membershipChanges(second.items);
    assert.deepEqual([...byGroup.keys()].sort(), [...hardGroups].sort());
    for (const md of byGroup.values()) {
      assert.deepEqual(md, [{ "@odata.type": USER, id: hard, "@removed": { reason: "deleted" } }]);
    }
  });

  it("directory roles and administrative units report the same; the audit log has one event per delete", async () => {
    const s = dir().store;
    const role = s.idAt("directoryRole", 1);
    const au = dir().create("administrativeUnit", { displayName: "Region" });
    const user = s.idAt("user", 40);
    if (!s.memberIds(role).includes(user)) s.addMember(role, user);
    s.addMember(au.id, user);
    const roles = await round(f, "/v1.0/directoryRoles/delta?$select=displayName,members");
    const aus = await round(f, "/v1.0/directory/administrativeUnits/delta?$select=members");
    const audits = dir().audits.size;
    s.softDelete(user);
    assert.equal(dir().audits.size, audits + 1);
    assert.equal(dir().audits.newestFirst()[0]?.activityDisplayName, "Delete user");
    const roleRound = await round(f, roles.deltaLink);
    // Every role the user held reports the removal (the seeded user may hold more than this one).
    const removal = [{ "@odata.type": USER, id: user, "@removed": { reason: "deleted" } }];
    assert.ok(roleRound.items.some((i) => i.id === role));
    for (const i of roleRound.items) assert.deepEqual(i["members@delta"], removal, String(i.id));
    assert.ok(!(await ids(`/v1.0/directoryRoles/${role}/members`)).includes(user));
    const auRound = await round(f, aus.deltaLink);
    assert.ok(auRound.items.some((i) => i.id === au.id && i["members@delta"]?.[0]?.id === user));
    // The change feed marks these entries as following the member's own deletion.
    const log = s.log.all();
    const at = log.findLastIndex((e) => e.id === user && e.type === "softDeleted");
    const cascade = log.slice(at + 1);
    assert.ok(cascade.every((e) => e.type === "memberRemoved" && e.cascade === true && e.memberId === user));
    assert.ok(cascade.some((e) => e.id === role) && cascade.some((e) => e.id === au.id));
    s.restore(user);
  });
});
