import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Simulator, SimulatorTenant } from "../server.js";
import { redirectUriMatches } from "./authorize.js";
import { form, startIdentitySim } from "./test-fixtures/stub-sim.js";

let sim: Simulator;
let f: typeof fetch;
let tenant: SimulatorTenant;
const REDIRECT = "https://app.example.com/oauth/callback";

function url(path: string, params: Record<string, string>): string {
  const u = new URL(`${sim.authorityHost}${path}`);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

function authorizeParams(extra: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: tenant.clientId,
    response_type: "code",
    redirect_uri: REDIRECT,
    scope: "https://graph.microsoft.com/User.Read.All offline_access openid profile",
    state: "st-1",
    ...extra,
  };
}

async function submitConsent(html: string, decision: "approve" | "decline"): Promise<Response> {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const txn = /name="txn" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(action && txn, "the consent page has a form with a transaction id");
  return f(`${sim.authorityHost}${action}`, form({ txn, decision }));
}

describe("authorize, consent and discovery endpoints", () => {
  before(async () => {
    ({ sim, fetch: f } = await startIdentitySim({ redirectUris: [REDIRECT] }));
    tenant = sim.tenants[0]!;
  });
  after(() => sim.stop());

  it("serves OpenID metadata per tenant, for common, and instance discovery", async () => {
    const meta = (await (
      await f(`${sim.authorityHost}/${tenant.tenantId}/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    assert.equal(meta.issuer, `${sim.authorityHost}/${tenant.tenantId}/v2.0`);
    assert.equal(meta.token_endpoint, `${sim.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`);
    assert.equal(
      meta.authorization_endpoint,
      `${sim.authorityHost}/${tenant.tenantId}/oauth2/v2.0/authorize`,
    );
    const byDomain = (await (
      await f(`${sim.authorityHost}/${tenant.initialDomain}/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    assert.equal(byDomain.issuer, meta.issuer);
    const common = (await (
      await f(`${sim.authorityHost}/common/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    assert.equal(common.issuer, `${sim.authorityHost}/{tenantid}/v2.0`);
    const unknown = await f(
      `${sim.authorityHost}/nowhere.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
    );
    assert.equal(unknown.status, 400);
    assert.deepEqual(((await unknown.json()) as { error_codes: number[] }).error_codes, [90002]);
    const discovery = (await (
      await f(
        url("/common/discovery/instance", {
          "api-version": "1.1",
          authorization_endpoint: meta.authorization_endpoint,
        }),
      )
    ).json()) as { tenant_discovery_endpoint: string; metadata: Array<{ preferred_network: string }> };
    assert.equal(
      discovery.tenant_discovery_endpoint,
      `${sim.authorityHost}/${tenant.tenantId}/v2.0/.well-known/openid-configuration`,
    );
    assert.equal(discovery.metadata[0]?.preferred_network, new URL(sim.authorityHost).host);
  });

  it("shows a consent page; Approve redirects with a code and the state, Decline with access_denied", async () => {
    const page = await f(url(`/${tenant.tenantId}/oauth2/v2.0/authorize`, authorizeParams()));
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /User\.Read\.All/);
    assert.match(html, /Approve/);
    assert.match(html, /Decline/);
    const approved = await submitConsent(html, "approve");
    assert.equal(approved.status, 302);
    const back = new URL(approved.headers.get("location") ?? "");
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.ok(back.searchParams.get("code"));
    assert.equal(back.searchParams.get("state"), "st-1");
    // The transaction is single use.
    const again = await submitConsent(html, "approve");
    assert.equal(again.status, 400);

    const page2 = await (await f(url(`/${tenant.tenantId}/oauth2/v2.0/authorize`, authorizeParams()))).text();
    const declined = await submitConsent(page2, "decline");
    const err = new URL(declined.headers.get("location") ?? "");
    assert.equal(err.searchParams.get("error"), "access_denied");
    assert.equal(err.searchParams.get("error_subcode"), "cancel");
    assert.match(err.searchParams.get("error_description") ?? "", /^AADSTS65004:/);
    assert.equal(err.searchParams.get("state"), "st-1");
  });

  it("supports response_mode=form_post and fragment, and /common resolved by client id", async () => {
    const post = await f(
      url(
        "/common/oauth2/v2.0/authorize",
        authorizeParams({ response_mode: "form_post", sim_auto_approve: "1" }),
      ),
    );
    assert.equal(post.status, 200);
    const html = await post.text();
    assert.match(html, new RegExp(`action="${REDIRECT}"`));
    assert.match(html, /name="code" value="[^"]+"/);
    const frag = await f(
      url(
        `/${tenant.tenantId}/oauth2/v2.0/authorize`,
        authorizeParams({ response_mode: "fragment", sim_auto_approve: "1" }),
      ),
    );
    assert.match(frag.headers.get("location") ?? "", /#code=.+&state=st-1/);
  });

  it("errors before the redirect URI is trusted are pages, after it are redirects", async () => {
    const badRedirect = await f(
      url(
        `/${tenant.tenantId}/oauth2/v2.0/authorize`,
        authorizeParams({ redirect_uri: "https://evil.example/cb" }),
      ),
    );
    assert.equal(badRedirect.status, 400);
    assert.match(await badRedirect.text(), /AADSTS50011/);
    const badTenant = await f(
      url("/00000000-0000-4000-8000-000000000000/oauth2/v2.0/authorize", authorizeParams()),
    );
    assert.equal(badTenant.status, 400);
    assert.match(await badTenant.text(), /AADSTS90002/);
    const badClient = await f(
      url(
        `/${tenant.tenantId}/oauth2/v2.0/authorize`,
        authorizeParams({ client_id: "22222222-2222-4222-8222-222222222222" }),
      ),
    );
    assert.match(await badClient.text(), /AADSTS700016/);

    const cases: Array<[Record<string, string>, string, string]> = [
      [{ response_type: "token" }, "unsupported_response_type", "AADSTS70005"],
      [{ scope: "Not.A.Scope" }, "invalid_scope", "AADSTS70011"],
      [{ scope: "https://management.azure.com/user_impersonation" }, "invalid_resource", "AADSTS500011"],
      [{ code_challenge: "abc", code_challenge_method: "plain" }, "invalid_request", "AADSTS50148"],
    ];
    for (const [extra, error, code] of cases) {
      const res = await f(url(`/${tenant.tenantId}/oauth2/v2.0/authorize`, authorizeParams(extra)));
      assert.equal(res.status, 302, JSON.stringify(extra));
      const back = new URL(res.headers.get("location") ?? "");
      assert.equal(back.searchParams.get("error"), error);
      assert.ok(back.searchParams.get("error_description")?.startsWith(`${code}:`));
      assert.equal(back.searchParams.get("state"), "st-1");
    }
  });

  it("admin consent: success redirects with admin_consent=True, decline with access_denied, and it restores revoked consent", async () => {
    await sim.control.revokeConsent(tenant.tenantId);
    const params = {
      client_id: tenant.clientId,
      redirect_uri: REDIRECT,
      scope: "https://graph.microsoft.com/.default",
      state: "adm",
    };
    const page = await (await f(url("/organizations/v2.0/adminconsent", params))).text();
    assert.match(page, /only an admin can grant/);
    const ok = new URL((await submitConsent(page, "approve")).headers.get("location") ?? "");
    assert.equal(ok.searchParams.get("admin_consent"), "True");
    assert.equal(ok.searchParams.get("tenant"), tenant.tenantId);
    assert.equal(ok.searchParams.get("scope"), "https://graph.microsoft.com/.default");
    assert.equal(ok.searchParams.get("state"), "adm");
    const identity = await sim.control.getTenantIdentity(tenant.tenantId);
    assert.equal(identity.apps[0]?.consentRevoked, false);

    const page2 = await (await f(url(`/${tenant.tenantId}/v2.0/adminconsent`, params))).text();
    const no = new URL((await submitConsent(page2, "decline")).headers.get("location") ?? "");
    assert.equal(no.searchParams.get("error"), "access_denied");
    assert.equal(no.searchParams.get("state"), "adm");

    const auto = await f(url(`/${tenant.tenantId}/v2.0/adminconsent`, { ...params, sim_auto_approve: "1" }));
    assert.equal(new URL(auto.headers.get("location") ?? "").searchParams.get("admin_consent"), "True");
  });
});

describe("redirect URI matching", () => {
  const registered = ["http://localhost/oauth/callback", "https://app.example.com/cb"];
  it("is exact, with any port allowed only for http loopback", () => {
    assert.equal(redirectUriMatches(registered, "https://app.example.com/cb"), true);
    assert.equal(redirectUriMatches(registered, "https://app.example.com/cb/"), false);
    assert.equal(redirectUriMatches(registered, "https://app.example.com:8443/cb"), false);
    assert.equal(redirectUriMatches(registered, "http://localhost:53123/oauth/callback"), true);
    assert.equal(redirectUriMatches(registered, "http://localhost:53123/oauth/callback2"), false);
    assert.equal(redirectUriMatches(registered, "https://localhost:53123/oauth/callback"), false);
    assert.equal(redirectUriMatches(registered, "http://127.0.0.1:53123/oauth/callback"), false);
    assert.equal(redirectUriMatches(registered, "http://localhost:1/oauth/callback?x=1"), false);
    assert.equal(redirectUriMatches(registered, "not a url"), false);
  });
});
