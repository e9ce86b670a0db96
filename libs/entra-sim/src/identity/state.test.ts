import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SimAppChange } from "../types.js";
import { IdentityState } from "./state.js";
import { buildTenants } from "./tenants.js";

const now = new Date("2025-01-01T00:00:00Z");

describe("identity state app-change notifications", () => {
  it("every app mutation notifies listeners with the tenant, the live app and what changed", () => {
    const tenants = buildTenants({ seed: 9, tenants: [{}, {}], redirectUris: [], now });
    const state = new IdentityState(tenants);
    const seen: SimAppChange[] = [];
    const stop = state.onAppChange((c) => seen.push(c));
    const app = tenants[1]!.apps[0]!;

    const added = state.addSecret(app, { displayName: "CI", now: now.getTime() });
    assert.equal(added.displayName, "CI");
    assert.equal(added.startDateTime, now.toISOString());
    state.rotateSecret(app);
    state.expireSecrets(app);
    state.expireSecrets(app, "no-such-key");
    state.setPermission(app, "application", "Mail.Read", true);
    state.setConsentRevoked(app, true);
    state.setDeleted(app, true);
    assert.deepEqual(
      seen.map((c) => c.what),
      ["secrets", "secrets", "secrets", "permissions", "consent", "deleted"],
    );
    assert.ok(seen.every((c) => c.tenantId === tenants[1]!.tenantId && c.app === app));

    stop();
    state.setDeleted(app, false);
    assert.equal(seen.length, 6);
  });

  it("a failing listener does not keep the others from hearing; its error surfaces afterwards", () => {
    const tenants = buildTenants({ seed: 9, tenants: [{}], redirectUris: [], now });
    const state = new IdentityState(tenants);
    let heard = 0;
    state.onAppChange(() => {
      throw new Error("mirror broke");
    });
    state.onAppChange(() => {
      heard++;
    });
    assert.throws(() => state.setDeleted(tenants[0]!.apps[0]!, true), /mirror broke/);
    assert.equal(heard, 1);
    assert.equal(tenants[0]!.apps[0]!.deleted, true);
  });
});
