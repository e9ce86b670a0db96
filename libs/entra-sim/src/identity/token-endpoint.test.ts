import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, jwtVerify } from "jose";
import type { Simulator, SimulatorTenant } from "../server.js";
import { form, startIdentitySim } from "./test-fixtures/stub-sim.js";
import { s256 } from "./token-endpoint.js";

type ErrorBody = {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
};

let sim: Simulator;
let f: typeof fetch;
let tenant: SimulatorTenant;
const GRAPH_DEFAULT = "https://graph.microsoft.com/.default";
const REDIRECT = "http://localhost:4000/oauth/callback";

function tokenUrl(segment = tenant.tenantId): string {
  return `${sim.authorityHost}/${segment}/oauth2/v2.0/token`;
}

async function expectError(res: Response, status: number, error: string, code: number): Promise<ErrorBody> {
  const body = (await res.json()) as ErrorBody;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error, error);
  assert.deepEqual(body.error_codes, [code]);
  assert.match(body.error_description, new RegExp(`^AADSTS${code}: `));
  assert.match(
    body.error_description,
    /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: /,
  );
  assert.deepEqual(Object.keys(body).sort(), [
    "correlation_id",
    "error",
    "error_codes",
    "error_description",
    "error_uri",
    "timestamp",
    "trace_id",
  ]);
  assert.match(body.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  assert.equal(body.error_uri, `${sim.authorityHost}/error?code=${code}`);
  return body;
}

/** Runs authorize with auto-approve and returns the code from the redirect. */
async function authorize(params: Record<string, string>): Promise<URL> {
  const url = new URL(`${sim.authorityHost}/${tenant.tenantId}/oauth2/v2.0/authorize`);
  const all = {
    client_id: tenant.clientId,
    response_type: "code",
    redirect_uri: REDIRECT,
    scope: "User.Read.All offline_access openid",
    sim_auto_approve: "1",
    ...params,
  };
  for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  const res = await f(url);
  assert.equal(res.status, 302, await res.clone().text());
  return new URL(res.headers.get("location") ?? "");
}

describe("token endpoint", () => {
  before(async () => {
    ({ sim, fetch: f } = await startIdentitySim());
    tenant = sim.tenants[0]!;
  });
  after(() => sim.stop());

  it("client_credentials returns a bearer token that verifies against the tenant's JWKS", async () => {
    const res = await f(
      tokenUrl(),
      form({
        grant_type: "client_credentials",
        client_id: tenant.clientId,
        client_secret: tenant.clientSecret,
        scope: GRAPH_DEFAULT,
      }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store, no-cache");
    const body = (await res.json()) as { token_type: string; expires_in: number; access_token: string };
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 3600);
    const meta = (await (
      await f(`${sim.authorityHost}/${tenant.tenantId}/v2.0/.well-known/openid-configuration`)
    ).json()) as {
      jwks_uri: string;
      issuer: string;
    };
    const jwks = createLocalJWKSet((await (await f(meta.jwks_uri)).json()) as { keys: [] });
    const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, {
      issuer: meta.issuer,
      audience: "https://graph.microsoft.com",
    });
    assert.equal(protectedHeader.alg, "RS256");
    assert.equal(payload.tid, tenant.tenantId);
    assert.equal(payload.appid, tenant.clientId);
    assert.equal(payload.exp, (payload.iat ?? 0) + 3600);
  });

  it("accepts client_secret_basic and the simulator's own Graph endpoint as the resource", async () => {
    const basic = Buffer.from(`${tenant.clientId}:${encodeURIComponent(tenant.clientSecret)}`).toString(
      "base64",
    );
    const res = await f(tokenUrl(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        scope: `${sim.graphEndpoint}/.default`,
      }).toString(),
    });
    assert.equal(res.status, 200, await res.clone().text());
  });

  it("answers client errors in Entra's shape and status", async () => {
    const cc = {
      grant_type: "client_credentials",
      client_id: tenant.clientId,
      client_secret: tenant.clientSecret,
      scope: GRAPH_DEFAULT,
    };
    await expectError(
      await f(tokenUrl(), form({ ...cc, client_secret: "wrong" })),
      401,
      "invalid_client",
      7000215,
    );
    await expectError(
      await f(tokenUrl(), form({ ...cc, client_secret: "" })),
      401,
      "invalid_client",
      7000218,
    );
    await expectError(
      await f(tokenUrl("00000000-0000-4000-8000-000000000000"), form(cc)),
      400,
      "invalid_request",
      90002,
    );
    await expectError(await f(tokenUrl("common"), form(cc)), 400, "invalid_request", 50059);
    await expectError(
      await f(tokenUrl(), form({ ...cc, client_id: "11111111-1111-4111-8111-111111111111" })),
      400,
      "unauthorized_client",
      700016,
    );
    await expectError(
      await f(tokenUrl(), form({ ...cc, client_id: "not-a-guid" })),
      400,
      "unauthorized_client",
      700038,
    );
    await expectError(
      await f(tokenUrl(), form({ ...cc, scope: "User.Read.All" })),
      400,
      "invalid_scope",
      1002012,
    );
    await expectError(
      await f(tokenUrl(), form({ ...cc, scope: "https://management.azure.com/.default" })),
      400,
      "invalid_resource",
      500011,
    );
    await expectError(
      await f(tokenUrl(), form({ ...cc, grant_type: "password" })),
      400,
      "unsupported_grant_type",
      70003,
    );
  });

  it("echoes client-request-id as the correlation id", async () => {
    const id = "0a1b2c3d-0000-4000-8000-123456789abc";
    const res = await f(tokenUrl(), {
      ...form({
        grant_type: "client_credentials",
        client_id: tenant.clientId,
        client_secret: "x",
        scope: GRAPH_DEFAULT,
      }),
      headers: { "content-type": "application/x-www-form-urlencoded", "client-request-id": id },
    });
    const body = await expectError(res, 401, "invalid_client", 7000215);
    assert.equal(body.correlation_id, id);
    assert.equal(res.headers.get("client-request-id"), id);
  });

  it("malformed requests get invalid_request and never crash the server", async () => {
    const url = tokenUrl();
    await expectError(await f(url, { method: "POST" }), 400, "invalid_request", 900144);
    await expectError(
      await f(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"grant_type":"client_credentials"}',
      }),
      400,
      "invalid_request",
      900144,
    );
    await expectError(
      await f(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "%%%&&&==\u0000\uffff",
      }),
      400,
      "invalid_request",
      900144,
    );
    await expectError(
      await f(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "a=".padEnd(300_000, "x"),
      }),
      400,
      "invalid_request",
      90014,
    );
    await expectError(await f(url), 400, "invalid_request", 900561);
    const basic = await f(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: "Basic %%%" },
      body: "grant_type=client_credentials&scope=x",
    });
    await expectError(basic, 400, "invalid_request", 900144);
    for (const path of [
      "/%zz/oauth2/v2.0/token",
      "/x/v2.0/.well-known/openid-configuration",
      "/common/discovery/instance?authorization_endpoint=%%",
    ]) {
      const res = await f(`${sim.authorityHost}${path}`, path.includes("token") ? form({}) : undefined);
      assert.ok(res.status < 500, `${path} -> ${res.status}`);
    }
    const ok = await f(
      url,
      form({
        grant_type: "client_credentials",
        client_id: tenant.clientId,
        client_secret: tenant.clientSecret,
        scope: GRAPH_DEFAULT,
      }),
    );
    assert.equal(ok.status, 200, "the server still serves good requests");
  });

  it("authorization code: PKCE S256 verified, redirect URI exact, single use", async () => {
    const verifier = "v".repeat(50);
    const code = async () =>
      (
        await authorize({ code_challenge: s256(verifier), code_challenge_method: "S256", state: "s1" })
      ).searchParams.get("code") ?? "";
    const redeem = (c: string, extra: Record<string, string> = {}) =>
      f(
        tokenUrl(),
        form({
          grant_type: "authorization_code",
          client_id: tenant.clientId,
          client_secret: tenant.clientSecret,
          code: c,
          redirect_uri: REDIRECT,
          code_verifier: verifier,
          scope: "User.Read.All offline_access openid",
          ...extra,
        }),
      );
    await expectError(
      await redeem(await code(), { code_verifier: "w".repeat(50) }),
      400,
      "invalid_grant",
      501481,
    );
    await expectError(await redeem(await code(), { code_verifier: "" }), 400, "invalid_grant", 501481);
    await expectError(
      await redeem(await code(), { redirect_uri: "http://localhost:4001/oauth/callback" }),
      400,
      "invalid_grant",
      500112,
    );
    await expectError(await redeem("garbage"), 400, "invalid_grant", 9002313);
    const good = await code();
    const res = await redeem(good);
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as Record<string, string>;
    assert.ok(body.access_token && body.refresh_token && body.id_token);
    await expectError(await redeem(good), 400, "invalid_grant", 54005);
  });

  it("refresh tokens rotate; revoked sessions answer AADSTS50173 and expired ones AADSTS70008", async () => {
    const c = (await authorize({})).searchParams.get("code") ?? "";
    const first = (await (
      await f(
        tokenUrl(),
        form({
          grant_type: "authorization_code",
          client_id: tenant.clientId,
          client_secret: tenant.clientSecret,
          code: c,
          redirect_uri: REDIRECT,
        }),
      )
    ).json()) as { refresh_token: string };
    const refresh = (rt: string) =>
      f(
        tokenUrl(),
        form({
          grant_type: "refresh_token",
          client_id: tenant.clientId,
          client_secret: tenant.clientSecret,
          refresh_token: rt,
          scope: "User.Read.All offline_access",
        }),
      );
    const second = (await (await refresh(first.refresh_token)).json()) as { refresh_token: string };
    assert.ok(second.refresh_token && second.refresh_token !== first.refresh_token);
    await expectError(await refresh(first.refresh_token), 400, "invalid_grant", 70008);
    await sim.control.revokeSessions(tenant.tenantId);
    await expectError(await refresh(second.refresh_token), 400, "invalid_grant", 50173);

    const c2 = (await authorize({})).searchParams.get("code") ?? "";
    const third = (await (
      await f(
        tokenUrl(),
        form({
          grant_type: "authorization_code",
          client_id: tenant.clientId,
          client_secret: tenant.clientSecret,
          code: c2,
          redirect_uri: REDIRECT,
        }),
      )
    ).json()) as { refresh_token: string };
    assert.ok((await sim.control.expireRefreshTokens(tenant.tenantId)).expired >= 1);
    await expectError(await refresh(third.refresh_token), 400, "invalid_grant", 70008);
    await expectError(await refresh("1.ARnot-a-token"), 400, "invalid_grant", 9002313);
  });

  it("token lifetime follows the control setting", async () => {
    await sim.control.setTokenLifetime(120);
    try {
      const res = await f(
        tokenUrl(),
        form({
          grant_type: "client_credentials",
          client_id: tenant.clientId,
          client_secret: tenant.clientSecret,
          scope: GRAPH_DEFAULT,
        }),
      );
      assert.equal(((await res.json()) as { expires_in: number }).expires_in, 120);
    } finally {
      await sim.control.setTokenLifetime(3600);
    }
  });
});
