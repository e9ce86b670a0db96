import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { catalog } from "@tenantlens/graph";
import { consentScopes, delegatedReadScopes } from "./delegated-scopes.js";

describe("delegated scopes", () => {
  it("asks for one documented least-privileged read scope per catalog resource", () => {
    const scopes = delegatedReadScopes();
    assert.equal(new Set(scopes).size, scopes.length, "no duplicates");
    for (const r of catalog) {
      assert.ok(
        r.permissions.some((p) => scopes.includes(p)),
        `${r.name} is readable with ${r.permissions.join(" / ")}`,
      );
    }
    assert.ok(scopes.includes("User.Read.All"));
    assert.ok(!scopes.some((s) => /ReadWrite/.test(s)), "read scopes only");
  });

  it("adds offline_access (refresh tokens) and the OIDC scopes msal needs", () => {
    const scopes = consentScopes();
    for (const s of ["offline_access", "openid", "profile"]) assert.ok(scopes.includes(s), s);
  });

  it("skips undocumented scopes for the next one the resource accepts", () => {
    const [grants] = catalog.filter((r) => r.name === "oauth2PermissionGrants");
    assert.ok(grants);
    assert.deepEqual(delegatedReadScopes([grants]), ["Directory.Read.All"]);
  });
});
