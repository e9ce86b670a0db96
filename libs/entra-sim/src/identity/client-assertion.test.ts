import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { importPKCS8, SignJWT } from "jose";
import type { Simulator, SimulatorTenant } from "../server.js";
import { newClientCertificate } from "../tls.js";
import { JWT_BEARER } from "./client-assertion.js";
import { form, startIdentitySim } from "./test-fixtures/stub-sim.js";

/**
 * Certificate credentials at the token endpoint: a client assertion signed with a registered
 * certificate's key gets a token; a wrong key, audience, issuer or lifetime gets Entra's error.
 */

let sim: Simulator;
let f: typeof fetch;
let tenant: SimulatorTenant;
let cert: Awaited<ReturnType<typeof newClientCertificate>>;
let other: Awaited<ReturnType<typeof newClientCertificate>>;

const tokenUrl = () => `${sim.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`;

function x5t(pem: string, alg: "sha1" | "sha256"): string {
  return createHash(alg).update(new X509Certificate(pem).raw).digest("base64url");
}

async function assertion(opts: {
  keyPem?: string;
  certPem?: string;
  alg?: "PS256" | "RS256";
  aud?: string;
  iss?: string;
  exp?: number;
}): Promise<string> {
  const alg = opts.alg ?? "PS256";
  const certPem = opts.certPem ?? cert.certificatePem;
  const key = await importPKCS8(opts.keyPem ?? cert.privateKeyPem, alg);
  const now = Math.floor(Date.now() / 1000);
  const header =
    alg === "PS256"
      ? { alg, typ: "JWT", "x5t#S256": x5t(certPem, "sha256") }
      : { alg, typ: "JWT", x5t: x5t(certPem, "sha1") };
  return new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader(header)
    .setAudience(opts.aud ?? tokenUrl())
    .setIssuer(opts.iss ?? tenant.clientId)
    .setSubject(opts.iss ?? tenant.clientId)
    .setNotBefore(now)
    .setExpirationTime(opts.exp ?? now + 600)
    .sign(key);
}

async function token(clientAssertion: string) {
  const res = await f(
    tokenUrl(),
    form({
      grant_type: "client_credentials",
      client_id: tenant.clientId,
      client_assertion_type: JWT_BEARER,
      client_assertion: clientAssertion,
      scope: "https://graph.microsoft.com/.default",
    }),
  );
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function assertAadsts(r: { status: number; body: Record<string, unknown> }, code: number): void {
  assert.equal(r.status, 401, JSON.stringify(r.body));
  assert.equal(r.body.error, "invalid_client");
  assert.deepEqual(r.body.error_codes, [code]);
  assert.match(String(r.body.error_description), new RegExp(`^AADSTS${code}: `));
}

describe("certificate credentials (client_assertion)", () => {
  before(async () => {
    ({ sim, fetch: f } = await startIdentitySim());
    tenant = sim.tenants[0] as SimulatorTenant;
    [cert, other] = await Promise.all([newClientCertificate(), newClientCertificate("someone else")]);
  });
  after(() => sim.stop());

  it("refuses an assertion signed by a certificate the app does not have (AADSTS700027)", async () => {
    assertAadsts(await token(await assertion({})), 700027);
  });

  it("registers a certificate through the control API and accepts PS256 (x5t#S256) and RS256 (x5t)", async () => {
    const registered = await sim.control.addCertificate(tenant.tenantId, {
      certificatePem: cert.certificatePem,
      displayName: "tests",
    });
    assert.equal(registered.thumbprintSha256, cert.thumbprintSha256);
    assert.ok(!JSON.stringify(registered).includes("PRIVATE KEY"));
    for (const alg of ["PS256", "RS256"] as const) {
      const r = await token(await assertion({ alg }));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const claims = JSON.parse(
        Buffer.from(String(r.body.access_token).split(".")[1] ?? "", "base64url").toString(),
      );
      assert.equal(claims.appid, tenant.clientId);
      assert.ok(Array.isArray(claims.roles) && claims.roles.length > 0);
    }
  });

  it("refuses a wrong key, audience, issuer or an expired assertion with Entra's codes", async () => {
    // The registered certificate's thumbprint, signed with another key: the signature fails.
    assertAadsts(await token(await assertion({ keyPem: other.privateKeyPem })), 700027);
    assertAadsts(await token(await assertion({ aud: "https://example.com/token" })), 700023);
    assertAadsts(await token(await assertion({ iss: "00000000-0000-0000-0000-000000000001" })), 700021);
    assertAadsts(await token(await assertion({ exp: Math.floor(Date.now() / 1000) - 3600 })), 700024);
    const garbage = await token("not.a.jwt");
    assert.equal(garbage.status, 401);
    assert.deepEqual(garbage.body.error_codes, [50027]);
  });

  it("rejects a body that is not a certificate", async () => {
    await assert.rejects(
      sim.control.addCertificate(tenant.tenantId, {
        certificatePem: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----",
      }),
      (err: { status?: number }) => err.status === 400,
    );
  });
});
