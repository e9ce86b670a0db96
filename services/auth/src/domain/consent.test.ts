import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authorizeUrl, checkConsentState, newConsentState, pkceChallenge } from "./consent.js";

const now = new Date("2024-01-01T00:00:00Z");
const input = {
  integrationId: "int_aaaaaaaaaaaaaaaaaaaa",
  workspaceId: "default",
  redirectUri: "http://localhost:8080/oauth/callback",
  tenant: "organizations",
};

describe("consent state", () => {
  it("computes the RFC 7636 S256 challenge", () => {
    // Appendix B of RFC 7636.
    assert.equal(
      pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("makes fresh unguessable states and verifiers", () => {
    const a = newConsentState(input, now);
    const b = newConsentState(input, now);
    assert.notEqual(a.state, b.state);
    assert.notEqual(a.codeVerifier, b.codeVerifier);
    assert.ok(a.codeVerifier.length >= 43 && a.codeVerifier.length <= 128);
    assert.equal(a.codeChallenge, pkceChallenge(a.codeVerifier));
  });

  it("puts state, nonce and the S256 challenge in the authorize URL, never the verifier", () => {
    const s = newConsentState(input, now);
    const url = new URL(
      authorizeUrl("https://login.example/", "client", ["User.Read.All", "offline_access"], s),
    );
    assert.equal(url.pathname, "/organizations/oauth2/v2.0/authorize");
    assert.equal(url.searchParams.get("state"), s.state);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(url.searchParams.get("scope"), "User.Read.All offline_access");
    assert.ok(!url.toString().includes(s.codeVerifier));
  });

  it("accepts a matching fresh state once and rejects the rest", () => {
    const s = newConsentState(input, now);
    assert.deepEqual(checkConsentState(s, s.state, now), { ok: true });
    assert.equal(checkConsentState(null, s.state, now).ok, false);
    assert.equal(checkConsentState(s, `${s.state}x`, now).ok, false);
    assert.equal(checkConsentState(s, s.state, new Date(now.getTime() + 601_000)).ok, false);
  });
});
