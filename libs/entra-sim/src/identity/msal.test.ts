import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assembleSimulator, type Simulator } from "../server.js";
import { MSAL_CLIENT, parseResult, runChild } from "./test-fixtures/run-child.js";

/**
 * @azure/msal-node, unchanged, in a child process that trusts the simulator's CA through
 * NODE_EXTRA_CA_CERTS. The Graph half is stubbed: this suite is about the identity platform.
 */

type StepResult = {
  ok: boolean;
  error?: { name?: string; errorCode?: string; errorNo?: unknown; message?: string };
  roles?: string[];
  scp?: string;
  tid?: string;
  appid?: string;
  aud?: string;
  oid?: string;
  tokenHash?: string;
  idTokenClaims?: Record<string, unknown>;
  account?: { homeAccountId: string; username: string } | null;
  redirect?: Record<string, string>;
  body?: { value?: string };
  status?: number;
};

const stubGraph = () => ({ fetch: () => new Response(null, { status: 404 }), stop() {} });

let sim: Simulator;
let results: Record<string, StepResult>;

function step(label: string): StepResult {
  const r = results[label];
  assert.ok(r, `step ${label} did not run`);
  return r;
}

function assertAadsts(r: StepResult, errorCode: string, aadsts: number): void {
  assert.equal(r.ok, false, `expected failure, got ${JSON.stringify(r)}`);
  assert.equal(r.error?.errorCode, errorCode, JSON.stringify(r.error));
  assert.equal(Number(r.error?.errorNo), aadsts, JSON.stringify(r.error));
  assert.match(r.error?.message ?? "", new RegExp(`AADSTS${aadsts}`));
}

describe("msal-node against the simulator (child process, NODE_EXTRA_CA_CERTS)", () => {
  before(async () => {
    sim = await assembleSimulator(
      { port: 0, seed: 7, tenants: [{}], redirectUris: [], autoApprove: false },
      stubGraph,
    );
    const tenant = sim.tenants[0];
    assert.ok(tenant);
    const t = `/_sim/identity/tenants/${tenant.tenantId}`;
    const config = {
      authorityHost: sim.authorityHost,
      tenantId: tenant.tenantId,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      adminKey: sim.adminKey,
      // Registered as http://localhost/oauth/callback: loopback redirect URIs match on any port.
      redirectUri: "http://localhost:3999/oauth/callback",
      steps: [
        { op: "clientCredentials", label: "cc" },
        { op: "clientCredentials", label: "cc-by-domain", tenantSegment: tenant.initialDomain },
        { op: "clientCredentials", label: "cc-wrong-secret", secret: "not-the-secret" },
        { op: "authCode", label: "code-auto", consent: "auto" },
        { op: "silentRefresh", label: "refresh-1" },
        { op: "refreshWithToken", label: "replay-first-rt", which: "first" },
        { op: "silentRefresh", label: "refresh-2" },
        { op: "authCode", label: "code-approve", consent: "approve" },
        { op: "authCode", label: "code-decline", consent: "decline" },
        { op: "control", label: "revoke", method: "POST", path: `${t}/consent/revoke` },
        { op: "silentRefresh", label: "refresh-revoked" },
        { op: "clientCredentials", label: "cc-revoked" },
        { op: "control", label: "restore", method: "POST", path: `${t}/consent/restore` },
        { op: "control", label: "expire", method: "POST", path: `${t}/secrets/expire` },
        { op: "clientCredentials", label: "cc-expired-secret" },
        { op: "control", label: "rotate", method: "POST", path: `${t}/secrets/rotate` },
        { op: "clientCredentials", label: "cc-rotated-new", secretFromStep: "rotate" },
        { op: "clientCredentials", label: "cc-rotated-old" },
        { op: "control", label: "delete", method: "POST", path: `${t}/app/delete` },
        { op: "clientCredentials", label: "cc-deleted", secretFromStep: "rotate" },
        { op: "control", label: "undelete", method: "POST", path: `${t}/app/restore` },
        { op: "clientCredentials", label: "cc-undeleted", secretFromStep: "rotate" },
      ],
    };
    const out = await runChild(MSAL_CLIENT, [JSON.stringify(config)], { caCertPath: sim.caCertPath });
    results = parseResult(out.stdout, out.stderr);
  });

  after(async () => {
    await sim?.stop();
  });

  it("client credentials: a token with the app's roles for the tenant", () => {
    const tenant = sim.tenants[0]!;
    for (const label of ["cc", "cc-by-domain"]) {
      const r = step(label);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.tid, tenant.tenantId);
      assert.equal(r.appid, tenant.clientId);
      assert.equal(r.aud, "https://graph.microsoft.com");
      assert.ok(r.roles?.includes("User.Read.All") && r.roles.includes("AuditLog.Read.All"));
    }
  });

  it("authorization code with PKCE through auto-approve: access, id token and account", () => {
    const r = step("code-auto");
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.tid, sim.tenants[0]?.tenantId);
    assert.ok(r.oid, "delegated token names the user");
    assert.match(r.scp ?? "", /\bUser\.Read\.All\b/);
    assert.equal(r.roles, undefined);
    assert.equal(r.account?.username, `admin@${sim.tenants[0]?.initialDomain}`);
    assert.equal(r.idTokenClaims?.tid, sim.tenants[0]?.tenantId);
  });

  it("refresh works and rotates: the spent refresh token answers invalid_grant AADSTS70008", () => {
    const first = step("refresh-1");
    const second = step("refresh-2");
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(second.ok, true, JSON.stringify(second));
    assert.notEqual(first.tokenHash, step("code-auto").tokenHash);
    assert.notEqual(second.tokenHash, first.tokenHash);
    assertAadsts(step("replay-first-rt"), "invalid_grant", 70008);
  });

  it("authorization code through the consent page: Approve gives a code, Decline gives access_denied", () => {
    const approved = step("code-approve");
    assert.equal(approved.ok, true, JSON.stringify(approved));
    assert.match(approved.scp ?? "", /\bAuditLog\.Read\.All\b/);
    const declined = step("code-decline");
    assert.equal(declined.ok, false);
    assert.equal(declined.redirect?.error, "access_denied");
    assert.match(declined.redirect?.error_description ?? "", /^AADSTS65004:/);
  });

  it("revoked consent: refresh fails with invalid_grant AADSTS65001; app-only tokens lose their roles", () => {
    assertAadsts(step("refresh-revoked"), "invalid_grant", 65001);
    const cc = step("cc-revoked");
    assert.equal(cc.ok, true, JSON.stringify(cc));
    assert.equal(cc.roles, undefined);
  });

  it("wrong secret AADSTS7000215, expired secret AADSTS7000222, both invalid_client", () => {
    assertAadsts(step("cc-wrong-secret"), "invalid_client", 7000215);
    assertAadsts(step("cc-expired-secret"), "invalid_client", 7000222);
  });

  it("rotated secret: the new one works, the old one is invalid", () => {
    assert.equal(step("rotate").status, 200);
    assert.equal(step("cc-rotated-new").ok, true, JSON.stringify(step("cc-rotated-new")));
    assertAadsts(step("cc-rotated-old"), "invalid_client", 7000215);
  });

  it("deleted app: unauthorized_client AADSTS700016, and restoring it brings it back", () => {
    assertAadsts(step("cc-deleted"), "unauthorized_client", 700016);
    assert.equal(step("cc-undeleted").ok, true);
  });
});
