import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type GraphFixture, graphFixture } from "./test-helpers.js";

type Item = {
  id: string;
  "@removed"?: { reason: string };
  "members@delta"?: { id: string; "@removed"?: unknown }[];
} & Record<string, unknown>;

/** Follows nextLinks to the deltaLink; returns all items and the deltaLink. */
async function round(
  f: GraphFixture,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ items: Item[]; deltaLink: string; pages: number }> {
  const items: Item[] = [];
  let next: string | undefined = url;
  for (let i = 0; i < 1000; i++) {
    const r = await f.call(next!, { headers });
    assert.equal(r.status, 200, `${next} → ${r.text.slice(0, 300)}`);
    items.push(...(r.json.value as Item[]));
    if (r.json["@odata.deltaLink"])
      return { items, deltaLink: String(r.json["@odata.deltaLink"]), pages: i + 1 };
    next = r.json["@odata.nextLink"] as string;
    assert.ok(next, "neither nextLink nor deltaLink");
  }
  throw new Error("delta round did not end");
}

describe("delta queries", () => {
  let f: GraphFixture;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 450 } }] });
  });
  after(() => f.stop());
  const dir = () => f.tenants[0]!.directory;

  it("initial sync pages ~200 users, each once, then a deltaLink; nextLinks carry only $skiptoken", async () => {
    const r = await f.call("/v1.0/users/delta?$select=displayName,jobTitle");
    assert.equal((r.json.value as unknown[]).length, 200);
    assert.match(
      String(r.json["@odata.nextLink"]),
      /^https:\/\/graph\.test\/v1\.0\/users\/delta\?\$skiptoken=[^&]+$/,
    );
    const all = await round(f, "/v1.0/users/delta?$select=displayName,jobTitle");
    assert.equal(all.pages, 3);
    const ids = all.items.map((i) => i.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(ids.length, dir().stats().users.total);
    assert.match(all.deltaLink, /\/users\/delta\?\$deltatoken=/);
    for (const u of all.items) assert.deepEqual(Object.keys(u).sort(), ["displayName", "id", "jobTitle"]);
  });

  it("honours Prefer: odata.maxpagesize", async () => {
    const r = await f.call("/v1.0/users/delta?$select=id", { headers: { Prefer: "odata.maxpagesize=50" } });
    assert.equal((r.json.value as unknown[]).length, 50);
    assert.equal(r.headers.get("preference-applied"), "odata.maxpagesize=50");
  });

  it("after mutations, the next round returns exactly those changes with @removed reasons", async () => {
    const first = await round(f, "/v1.0/users/delta?$select=displayName,jobTitle,accountEnabled");
    const s = dir().store;
    const [a, b, c] = [s.idAt("user", 11), s.idAt("user", 12), s.idAt("user", 13)];
    dir().updateChecked(a, { jobTitle: "Chief Delta Officer" });
    s.softDelete(b);
    s.hardDelete(c);
    const created = dir().create("user", { displayName: "Delta Newcomer" });
    s.update(a, { accountEnabled: false });
    const second = await round(f, first.deltaLink);
    const byId = new Map(second.items.map((i) => [i.id, i]));
    assert.deepEqual([...byId.keys()].sort(), [a, b, c, created.id].sort());
    assert.equal(second.items.length, 4);
    assert.equal(byId.get(a)!.jobTitle, "Chief Delta Officer");
    assert.equal(byId.get(a)!.accountEnabled, false);
    assert.deepEqual(byId.get(b)!["@removed"], { reason: "changed" });
    assert.deepEqual(byId.get(c)!["@removed"], { reason: "deleted" });
    assert.equal(byId.get(created.id)!.displayName, "Delta Newcomer");
    // Restoring shows the object again; a quiet round is empty.
    s.restore(b);
    const third = await round(f, second.deltaLink);
    assert.deepEqual(
      third.items.map((i) => i.id),
      [b],
    );
    assert.equal(third.items[0]!["@removed"], undefined);
    const quiet = await round(f, third.deltaLink);
    assert.equal(quiet.items.length, 0);
  });

  it("with $select, changes to unselected properties produce no entry", async () => {
    const first = await round(f, "/v1.0/users/delta?$select=displayName");
    const s = dir().store;
    s.update(s.idAt("user", 20), { jobTitle: "Invisible change" });
    s.update(s.idAt("user", 21), { displayName: "Visible Change" });
    const second = await round(f, first.deltaLink);
    assert.deepEqual(second.items, [{ displayName: "Visible Change", id: s.idAt("user", 21) }]);
  });

  it("groups delta tracks membership with members@delta", async () => {
    const s = dir().store;
    const g = s.idAt("group", 4);
    const first = await round(f, "/v1.0/groups/delta?$select=displayName,members");
    const initial = first.items.find((i) => i.id === g)!;
    assert.deepEqual(
      initial["members@delta"]!.map((m) => m.id),
      s.memberIds(g),
    );
    const leaving = s.memberIds(g)[0]!;
    const joining = Array.from({ length: 450 }, (_, i) => s.idAt("user", i)).find(
      (u) => !s.memberIds(g).includes(u) && s.getActive(u),
    )!;
    s.removeMember(g, leaving);
    s.addMember(g, joining);
    const second = await round(f, first.deltaLink);
    assert.equal(second.items.length, 1);
    const md = second.items[0]!["members@delta"]!;
    assert.deepEqual(md.find((m) => m.id === leaving)?.["@removed"], { reason: "deleted" });
    assert.equal(md.find((m) => m.id === joining)?.["@removed"], undefined);
    assert.equal(md.length, 2);
    // Without members in $select, membership changes are not tracked.
    const noMembers = await round(f, "/v1.0/groups/delta?$select=displayName");
    s.removeMember(g, joining);
    assert.equal((await round(f, noMembers.deltaLink)).items.length, 0);
  });

  it("$deltatoken=latest starts from now", async () => {
    const r = await f.call("/v1.0/devices/delta?$deltatoken=latest");
    assert.deepEqual(r.json.value, []);
    const link = String(r.json["@odata.deltaLink"]);
    const d = dir().store.idAt("device", 2);
    // A change whatever the generated device looks like (its traits depend on the tenant id).
    dir().updateChecked(d, { displayName: `renamed-${Date.now()}` });
    const next = await round(f, link);
    assert.deepEqual(
      next.items.map((i) => i.id),
      [d],
    );
  });

  it("every delta resource answers: users, groups, servicePrincipals, applications, directoryRoles, administrativeUnits, oauth2PermissionGrants, contacts, devices", async () => {
    for (const set of [
      "users",
      "groups",
      "servicePrincipals",
      "applications",
      "directoryRoles",
      "directory/administrativeUnits",
      "oauth2PermissionGrants",
      "contacts",
      "devices",
    ]) {
      const r = await round(f, `/v1.0/${set}/delta`);
      assert.ok(r.items.length > 0, set);
    }
    const roles = await round(f, "/v1.0/directoryRoles/delta?$select=displayName,members");
    assert.ok(roles.items.some((r) => (r["members@delta"] ?? []).length > 0));
  });

  it("replays (switchable) repeat objects across and within pages", async () => {
    const off = await round(f, "/v1.0/users/delta?$select=id");
    assert.equal(new Set(off.items.map((i) => i.id)).size, off.items.length);
    await f.control("POST", `/_sim/tenants/${dir().tenantId}/delta`, { replays: true });
    const on = await round(f, "/v1.0/users/delta?$select=id");
    const unique = new Set(on.items.map((i) => i.id));
    assert.ok(on.items.length > unique.size, "expected duplicates");
    assert.equal(unique.size, off.items.length, "replays must not lose objects");
    await f.control("POST", `/_sim/tenants/${dir().tenantId}/delta`, { replays: false });
  });

  it("resync answers 410 Gone with a Location that restarts the sync", async () => {
    const first = await round(f, "/v1.0/contacts/delta?$select=displayName");
    const page = await f.call("/v1.0/contacts/delta?$select=displayName", {
      headers: { Prefer: "odata.maxpagesize=1" },
    });
    const c = await f.control("POST", `/_sim/tenants/${dir().tenantId}/delta`, { resync: true });
    assert.equal(c.status, 200);
    for (const link of [first.deltaLink, String(page.json["@odata.nextLink"])]) {
      const r = await f.call(link);
      assert.equal(r.status, 410);
      assert.equal((r.json.error as { code: string }).code, "resyncRequired");
      const location = r.headers.get("location");
      assert.match(location ?? "", /\/contacts\/delta\?\$select=displayName&\$deltatoken=$/);
      const again = await round(f, location!);
      assert.equal(again.items.length, dir().stats().orgContacts);
    }
  });

  it("expired tokens answer syncStateNotFound (control switch and 7-day age)", async () => {
    const t = dir().tenantId;
    const first = await round(f, "/v1.0/applications/delta");
    await f.control("POST", `/_sim/tenants/${t}/delta`, { expireTokens: true });
    const r = await f.call(first.deltaLink);
    assert.equal(r.status, 410);
    assert.equal((r.json.error as { code: string }).code, "syncStateNotFound");
    const fresh = await round(f, "/v1.0/applications/delta");
    assert.equal((await f.call(fresh.deltaLink)).status, 200);
    await f.control("POST", `/_sim/tenants/${t}/delta`, { tokenMaxAgeSeconds: 1 });
    await sleep(1100);
    const aged = await f.call(fresh.deltaLink);
    assert.equal((aged.json.error as { code: string }).code, "syncStateNotFound");
    await f.control("POST", `/_sim/tenants/${t}/delta`, { tokenMaxAgeSeconds: 7 * 86_400 });
  });

  it("rejects what Graph rejects on delta", async () => {
    assert.equal((await f.call("/v1.0/users/delta?$select=signInActivity")).status, 400);
    assert.equal((await f.call("/v1.0/users/delta?$top=5")).status, 400);
    assert.equal((await f.call("/v1.0/users/delta?$filter=userType eq 'Guest'")).status, 400);
    assert.equal((await f.call("/v1.0/users/delta?$deltatoken=garbage")).status, 400);
    const id = dir().store.idAt("user", 30);
    const byId = await f.call(`/v1.0/users/delta?$filter=id eq '${id}'&$select=displayName`);
    assert.deepEqual(
      (byId.json.value as Item[]).map((i) => i.id),
      [id],
    );
  });
});
