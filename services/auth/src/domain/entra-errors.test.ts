import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aadstsIn, classifyTokenFailure, microsoftMessage } from "./entra-errors.js";

const ctx = {
  tenantId: "11111111-1111-1111-1111-111111111111",
  clientId: "22222222-2222-2222-2222-222222222222",
};

function broken(f: Parameters<typeof classifyTokenFailure>[0]): string {
  const d = classifyTokenFailure(f, ctx);
  assert.equal(d.kind, "broken", JSON.stringify(d));
  return d.kind === "broken" ? d.reason : "";
}

describe("classifyTokenFailure", () => {
  it("names the fix for each known AADSTS code", () => {
    assert.match(
      broken({ oauthError: "invalid_client", aadsts: 7000215, status: 401, message: "x" }),
      /secret is wrong/,
    );
    assert.match(
      broken({ oauthError: "invalid_client", aadsts: 7000222, status: 401, message: "x" }),
      /expired/,
    );
    assert.match(
      broken({ oauthError: "unauthorized_client", aadsts: 700016, status: 400, message: "x" }),
      /not found in tenant/,
    );
    assert.match(
      broken({ oauthError: "invalid_request", aadsts: 90002, status: 400, message: "x" }),
      /Tenant .* was not found/,
    );
    assert.match(
      broken({ oauthError: "invalid_grant", aadsts: 65001, status: 400, message: "x" }),
      /consent/,
    );
  });

  it("ends the reason with Microsoft's own message (its first line), once", () => {
    const said = "AADSTS700016: Application with identifier 'abc' was not found in the directory 'Contoso'.";
    assert.match(
      broken({
        oauthError: "unauthorized_client",
        aadsts: 700016,
        status: 400,
        message: `${said}\r\nTrace ID: 1`,
      }),
      /^App .* was not found in tenant .*\(AADSTS700016\)\..* Microsoft said: AADSTS700016: Application with identifier 'abc' was not found in the directory 'Contoso'\.$/,
    );
    const invalidClient = broken({
      oauthError: "invalid_client",
      message: "AADSTS7000215: Invalid client secret provided.",
    });
    assert.match(
      invalidClient,
      /client credentials .* Microsoft said: AADSTS7000215: Invalid client secret provided\.$/,
    );
    assert.equal(
      broken({ oauthError: "weird", status: 400, message: "AADSTS1: odd" }).split("odd").length,
      2,
    );
  });

  it("takes Microsoft's message out of msal's wrapping", () => {
    const description =
      "AADSTS700016: Application with identifier 'abc' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.";
    const wrapped = `Error(s): 700016 - Timestamp: 2025-01-09 02:02:12Z - Description: ${description}\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2025-01-09 02:02:12Z - Correlation ID: 2 - Trace ID: 1`;
    assert.equal(microsoftMessage(wrapped), description);
    assert.equal(
      microsoftMessage("AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1"),
      "AADSTS7000215: Invalid client secret provided.",
    );
    assert.equal(microsoftMessage("plain words"), "plain words");
  });

  it("falls back to the OAuth error when the number is unknown", () => {
    assert.match(
      broken({ oauthError: "invalid_client", aadsts: 1234567, message: "x" }),
      /client credentials/,
    );
    assert.match(broken({ oauthError: "invalid_grant", message: "x" }), /consent/);
    assert.match(
      broken({ oauthError: "weird", status: 400, message: "AADSTS1: odd\r\nTrace ID: 1" }),
      /odd$/,
    );
  });

  it("treats network failures, 5xx, 429 and temporarily_unavailable as transient", () => {
    assert.equal(classifyTokenFailure({ network: true, message: "ECONNREFUSED" }, ctx).kind, "transient");
    assert.equal(
      classifyTokenFailure({ status: 503, oauthError: "invalid_client", message: "x" }, ctx).kind,
      "transient",
    );
    assert.equal(classifyTokenFailure({ status: 429, message: "x" }, ctx).kind, "transient");
    assert.equal(
      classifyTokenFailure({ oauthError: "temporarily_unavailable", message: "x" }, ctx).kind,
      "transient",
    );
    assert.equal(classifyTokenFailure({ message: "something odd" }, ctx).kind, "transient");
  });

  it("tells delegated integrations to consent again, and the operator to fix the Tenantlens app", () => {
    const d = { ...ctx, mode: "delegated" as const };
    const reason = (f: Parameters<typeof classifyTokenFailure>[0]) => {
      const r = classifyTokenFailure(f, d);
      assert.equal(r.kind, "broken", JSON.stringify(r));
      return r.kind === "broken" ? r.reason : "";
    };
    assert.match(
      reason({ oauthError: "invalid_grant", aadsts: 65001, status: 400, message: "x" }),
      /^Consent revoked \(AADSTS65001\).*consent again/,
    );
    assert.match(reason({ oauthError: "invalid_grant", aadsts: 70008, message: "x" }), /sign-in expired/);
    assert.match(reason({ oauthError: "invalid_grant", aadsts: 50173, message: "x" }), /revoked/);
    assert.match(
      reason({ oauthError: "invalid_client", aadsts: 7000215, status: 401, message: "x" }),
      /TENANTLENS_CLIENT_SECRET/,
    );
    assert.match(reason({ oauthError: "invalid_grant", message: "odd\r\nmore" }), /odd\. An administrator/);
    assert.match(reason({ oauthError: "no_tokens_found", message: "no account" }), /consent again/);
    assert.equal(classifyTokenFailure({ network: true, message: "ECONNRESET" }, d).kind, "transient");
  });

  it("finds AADSTS numbers in descriptions", () => {
    assert.equal(aadstsIn("AADSTS7000215: Invalid client secret"), 7000215);
    assert.equal(aadstsIn("Error(s): 65001 - Description: AADSTS65001: no"), 65001);
    assert.equal(aadstsIn("nothing"), undefined);
  });
});
