import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import type { IdentityPort } from "../types.js";
import { createDirectory, type Directory, KINDS, resolveCounts } from "./index.js";

const identity: IdentityPort = {
  verifyAccessToken: async () => ({ ok: false, code: "InvalidAuthenticationToken", message: "unused" }),
  tenant: () => undefined,
};
const REF = Date.UTC(2025, 5, 1);
const TENANT = "6a1f0e2c-9b7d-4c3e-8f10-2d4b6a8c0e12";

function make(seed: number, users: number, tenantId = TENANT): Directory {
  return createDirectory({
    tenantId,
    tenantName: "Contoso",
    initialDomain: "contoso.onmicrosoft.com",
    seed,
    sizes: { users },
    identity,
    referenceTime: REF,
  });
}

/** Hash of every object of every kind, in listing order. */
function digest(d: Directory): string {
  const h = createHash("sha256");
  for (const k of KINDS)
    for (let p = 0; p < d.store.positions(k); p++) h.update(JSON.stringify(d.store.atPosition(k, p) ?? null));
  for (const x of [
    d.data.domains(),
    d.data.conditionalAccessPolicies(),
    d.data.groupSettings(),
    d.data.roleAssignments(),
  ])
    h.update(JSON.stringify(x));
  return h.digest("hex");
}

describe("seeded generator", () => {
  it("gives byte-identical tenants for the same seed and different ones for another seed or tenant", () => {
    const a = digest(make(7, 300));
    assert.equal(digest(make(7, 300)), a);
    assert.notEqual(digest(make(8, 300)), a);
    assert.notEqual(digest(make(7, 300, "0b8e4b1e-0000-4000-8000-000000000001")), a);
  });

  it("derives missing sizes from users and reports what it produced", () => {
    const d = make(3, 2000);
    const c = resolveCounts({ users: 2000 });
    const s = d.stats();
    assert.equal(s.users.total, 2000);
    assert.equal(s.groups.total, c.group);
    assert.equal(s.applications.total, c.application);
    assert.equal(s.devices.total, c.device);
    assert.equal(s.servicePrincipals.total, c.servicePrincipal);
    assert.equal(s.oauth2PermissionGrants.total, c.oauth2PermissionGrant);
    assert.equal(s.users.members + s.users.guests, 2000);
    assert.equal(s.users.enabled + s.users.disabled, 2000);
    assert.equal(s.users.synced + s.users.cloudOnly, 2000);
    // Realistic mixes that rules can find.
    assert.ok(s.users.guests > 100 && s.users.guests < 300, `guests ${s.users.guests}`);
    assert.ok(s.users.disabled > 80, `disabled ${s.users.disabled}`);
    assert.ok(s.users.synced > 500, `synced ${s.users.synced}`);
    assert.ok(s.users.staleSignIn90d > 100 && s.users.neverSignedIn > 20);
    assert.ok(
      s.groups.microsoft365 > 0 && s.groups.roleAssignable > 0 && s.groups.dynamic > 0 && s.groups.teams > 0,
    );
    assert.ok(s.applications.expiredSecrets > 0 && s.applications.withCertificates > 0);
    assert.ok(s.oauth2PermissionGrants.allPrincipals > 0 && s.oauth2PermissionGrants.principal > 0);
    assert.ok(s.roleAssignments.active >= 10 && s.roleAssignments.eligible >= 3);
    assert.equal(s.domains.unverified, 1);
    assert.ok(s.servicePrincipals.managedIdentity > 0 && s.servicePrincipals.microsoftOwned === 10);
  });

  it("a handful of objects still covers every group flavour and role", () => {
    const s = make(1, 5).stats();
    assert.equal(s.users.total, 5);
    assert.equal(s.groups.total, 4);
    assert.ok(s.groups.microsoft365 === 1 && s.groups.roleAssignable === 1 && s.groups.dynamic === 1);
    assert.equal(s.directoryRoles.total, 10);
  });

  it("ids decode back to their kind and index, and foreign GUIDs are rejected", () => {
    const d = make(5, 100);
    for (const k of KINDS) {
      const n = d.store.generated(k);
      for (const i of [0, Math.floor(n / 2), n - 1]) {
        if (n === 0) continue;
        const id = d.store.idAt(k, i);
        assert.deepEqual(d.ctx.ids.decode(id), { kind: k, index: i }, `${k} ${i}`);
        assert.equal(d.store.get(id)?.obj.id, id);
      }
    }
    assert.equal(d.ctx.ids.decode("00000000-0000-0000-0000-000000000000"), undefined);
    assert.equal(d.ctx.ids.decode(make(6, 100).store.idAt("user", 3)), undefined);
  });

  it("group membership arithmetic is consistent in both directions", () => {
    const d = make(9, 3000);
    const store = d.store;
    for (let u = 0; u < 3000; u += 37) {
      const uid = store.idAt("user", u);
      for (const g of store.memberOf(uid).filter((o) => o.kind === "group")) {
        assert.ok(store.memberIds(g.id).includes(uid), `user ${u} in ${g.id}`);
      }
    }
    for (let g = 0; g < 150; g += 11) {
      const gid = store.idAt("group", g);
      for (const m of store.members(gid).filter((o) => o.kind === "user")) {
        assert.ok(store.memberOf(m.id).some((o) => o.id === gid));
      }
    }
  });

  it("serves a million-user tenant without materialising it", () => {
    const before = process.memoryUsage().heapUsed;
    const d = make(11, 1_000_000);
    assert.ok(d.store.generated("user") === 1_000_000);
    const total = KINDS.reduce((n, k) => n + d.store.generated(k), 0);
    assert.ok(total >= 1_000_000, `total ${total}`);
    // Random access anywhere, no per-object state retained.
    for (let i = 0; i < 2000; i++) {
      const p = (i * 7919 * 13) % 1_000_000;
      const o = d.store.atPosition("user", p);
      assert.equal(o?.id, d.store.idAt("user", p));
    }
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 200 * 1024 * 1024, `heap grew ${Math.round(grown / 1e6)} MB`);
    assert.equal(d.store.activeCount("user"), 1_000_000);
  });
});
