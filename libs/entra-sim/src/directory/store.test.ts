import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IdentityPort } from "../types.js";
import { createDirectory, StoreError } from "./index.js";

const identity: IdentityPort = {
  verifyAccessToken: async () => ({ ok: false, code: "InvalidAuthenticationToken", message: "unused" }),
  tenant: () => undefined,
};

function make() {
  return createDirectory({
    tenantId: "3f9c1d2e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    tenantName: "Fabrikam",
    initialDomain: "fabrikam.onmicrosoft.com",
    seed: 4,
    sizes: { users: 40 },
    identity,
  });
}

describe("object store mutations", () => {
  it("creates, updates, soft-deletes, restores and hard-deletes with a change entry each", () => {
    const d = make();
    const s = d.store;
    const u = d.create("user", { displayName: "New Guest", userType: "Guest", mail: "new@partner.example" });
    assert.equal(u.obj.userType, "Guest");
    assert.match(String(u.obj.userPrincipalName), /#EXT#@fabrikam\.onmicrosoft\.com$/);
    assert.equal(s.activeCount("user"), 41);
    d.updateChecked(u.id, { jobTitle: "Auditor" });
    s.softDelete(u.id);
    assert.equal(s.getActive(u.id), undefined);
    assert.equal(s.softDeleted("user").length, 1);
    s.restore(u.id);
    s.hardDelete(u.id);
    assert.equal(s.get(u.id)?.state, "hardDeleted");
    assert.deepEqual(
      s.log.all().map((e) => e.type),
      ["created", "updated", "softDeleted", "restored", "hardDeleted"],
    );
    assert.deepEqual(s.log.all()[1]?.props, ["jobTitle"]);
    assert.equal(s.activeCount("user"), 40);
  });

  it("changes generated objects through the overlay and keeps listing order", () => {
    const d = make();
    const id = d.store.idAt("user", 7);
    d.updateChecked(id, { accountEnabled: false });
    assert.equal(d.store.atPosition("user", 7)?.accountEnabled, false);
    d.store.softDelete(id);
    assert.equal(d.store.atPosition("user", 7), undefined);
    assert.equal(d.store.positions("user"), 40);
  });

  it("rejects unknown properties, wrong types and read-only ids", () => {
    const d = make();
    const id = d.store.idAt("user", 1);
    assert.throws(() => d.updateChecked(id, { notAProperty: 1 }), StoreError);
    assert.throws(() => d.updateChecked(id, { accountEnabled: "no" }), /expects a boolean/);
    assert.throws(() => d.updateChecked(id, { id: "x" }), /read-only/);
    assert.throws(
      () => d.updateChecked("00000000-0000-0000-0000-000000000000", { jobTitle: "x" }),
      StoreError,
    );
  });

  it("adds and removes members on generated and created groups", () => {
    const d = make();
    const s = d.store;
    const g = s.idAt("group", 2);
    const before = s.memberIds(g);
    const outsider = Array.from({ length: 40 }, (_, i) => s.idAt("user", i)).find(
      (x) => !before.includes(x),
    )!;
    s.addMember(g, outsider);
    assert.ok(s.memberIds(g).includes(outsider));
    assert.ok(s.memberOf(outsider).some((o) => o.id === g));
    assert.throws(() => s.addMember(g, outsider), /already exist/);
    const existing = before[0]!;
    s.removeMember(g, existing);
    assert.ok(!s.memberIds(g).includes(existing));
    assert.ok(!s.memberOf(existing).some((o) => o.id === g));
    s.addMember(g, existing);
    assert.ok(s.memberIds(g).includes(existing));
    const created = d.create("group", { displayName: "Break glass" });
    s.addMember(created.id, outsider);
    assert.deepEqual(s.memberIds(created.id), [outsider]);
    assert.equal(s.log.all().filter((e) => e.type === "memberAdded").length, 3);
  });

  it("rotating a secret adds a password credential and returns the secret once", () => {
    const d = make();
    const app = d.store.idAt("application", 0);
    const count = (d.store.get(app)!.obj.passwordCredentials as unknown[]).length;
    const cred = d.addSecret(app, { displayName: "rotation" });
    assert.equal(typeof cred.secretText, "string");
    const creds = d.store.get(app)?.obj.passwordCredentials as { keyId: string; secretText: unknown }[];
    assert.equal(creds.length, count + 1);
    assert.equal(creds.at(-1)?.secretText, null);
  });

  it("live mode makes changes through the same log", () => {
    const d = make();
    for (let i = 0; i < 25; i++) d.liveTick();
    assert.ok(d.store.log.seq >= 20, `seq ${d.store.log.seq}`);
    assert.equal(d.liveStatus().changesMade, 25);
    d.startLive(60);
    assert.equal(d.liveStatus().enabled, true);
    d.stop();
    assert.equal(d.liveStatus().enabled, false);
  });
});
