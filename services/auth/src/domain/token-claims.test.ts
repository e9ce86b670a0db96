import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appRolesOf, tenantOfToken } from "./token-claims.js";

function jwt(claims: Record<string, unknown>): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b({ alg: "RS256", typ: "JWT" })}.${b(claims)}.sig`;
}

describe("appRolesOf", () => {
  it("reads the roles claim of an app-only token", () => {
    assert.deepEqual(appRolesOf(jwt({ roles: ["User.Read.All", "Group.Read.All"] })), [
      "User.Read.All",
      "Group.Read.All",
    ]);
  });
  it("reports no roles when the claim is missing (consent revoked)", () => {
    assert.deepEqual(appRolesOf(jwt({ tid: "t" })), []);
  });
  it("does not judge opaque or malformed tokens", () => {
    assert.equal(appRolesOf("opaque-token"), undefined);
    assert.equal(appRolesOf("a.!!!.c"), undefined);
    assert.equal(appRolesOf(jwt({ roles: "User.Read.All" })), undefined);
  });
});

describe("tenantOfToken", () => {
  it("reads tid from a JWT and nothing from opaque tokens", () => {
    assert.equal(
      tenantOfToken(jwt({ tid: "11111111-1111-1111-1111-111111111111" })),
      "11111111-1111-1111-1111-111111111111",
    );
    assert.equal(tenantOfToken(jwt({ roles: [] })), undefined);
    assert.equal(tenantOfToken("opaque"), undefined);
    assert.equal(tenantOfToken(jwt({ tid: 42 })), undefined);
  });
});
