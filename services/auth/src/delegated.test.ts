import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import {
  AppError,
  ConsentComplete,
  ConsentStart,
  type EventPayload,
  IntegrationChanged,
  IntegrationCreate,
  IntegrationDelete,
  IntegrationGet,
  IntegrationUpdate,
  TokenGet,
} from "@tenantlens/contracts";
import { caFetch, type Simulator, type SimulatorTenant, startSimulator } from "@tenantlens/entra-sim";
import {
  connectTestBus,
  graphEnv,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  stopStack,
  tempDir,
  waitFor,
  withServiceLogs,
} from "@tenantlens/testkit";
import { CONSENT_BUCKET } from "./adapters/consent-store.js";
import { TOKEN_CACHE_BUCKET } from "./adapters/token-cache-store.js";
import { answerConsent, callbackParams, type Decision } from "./testing/consent-browser.js";
import { rejects } from "./testing/rejects.js";

/**
 * Delegated mode through the real auth process, nats-server and the simulator's identity platform:
 * consent links, the one-time state, code redemption, rotating refresh tokens persisted encrypted,
 * declined and revoked consent. The gateway's part (the callback page) is in its own tests.
 */
let nats: NatsServer;
let sim: Simulator;
let auth: ServiceProcess;
let bus: Bus;
let simFetch: typeof fetch;
let dataDir: string;
const events: EventPayload<typeof IntegrationChanged>[] = [];
const WS = "ws-delegated";
const PUBLIC_URL = "http://127.0.0.1:18081";

function home(): SimulatorTenant {
  const t = sim.tenants[0];
  if (!t) throw new Error("simulator tenant missing");
  return t;
}

function authEnv(): Record<string, string> {
  return {
    NATS_URL: nats.url,
    TENANTLENS_DATA_DIR: dataDir,
    ...graphEnv(sim),
    PUBLIC_URL,
    // The simulator's seeded "Tenantlens" app plays the product's multi-tenant app registration.
    TENANTLENS_CLIENT_ID: home().clientId,
    TENANTLENS_CLIENT_SECRET: home().clientSecret,
    LOG_LEVEL: "debug",
  };
}

async function createDelegated(name: string, tenantId?: string) {
  const res = await bus.request(
    IntegrationCreate,
    { workspaceId: WS, name, ...(tenantId ? { tenantId } : {}), auth: { mode: "delegated" } },
    { timeoutMs: 30_000 },
  );
  assert.ok(res.consentUrl, "a delegated integration comes with a consent URL");
  return { integration: res.integration, consentUrl: res.consentUrl };
}

async function consent(consentUrl: string, decision: Decision, extra: { tenant?: string } = {}) {
  const redirect = await answerConsent(simFetch, consentUrl, decision);
  assert.equal(`${redirect.origin}${redirect.pathname}`, `${PUBLIC_URL}/oauth/callback`);
  const params = { ...callbackParams(redirect), ...extra };
  return { params, res: await bus.request(ConsentComplete, params, { timeoutMs: 30_000 }) };
}

const get = (id: string) => bus.request(IntegrationGet, { workspaceId: WS, id });
const token = (id: string) => bus.request(TokenGet, { integrationId: id }, { timeoutMs: 30_000 });
const eventsFor = (id: string) => events.filter((e) => e.integration.id === id);

async function rawValues(bucket: string): Promise<string[]> {
  const kv = await bus.kv(bucket);
  const out: string[] = [];
  for (const k of await kv.list()) {
    const e = await kv.get(k);
    if (e?.operation === "PUT") out.push(`${k} ${new TextDecoder().decode(e.value)}`);
  }
  return out;
}

function claimsOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split(".")[1] ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;
}

describe("auth: delegated integrations", { timeout: 180_000 }, () => {
  let connectedId = "";
  let usedCode = "";

  before(async () => {
    nats = await startNats();
    // Access tokens shorter than msal's 5-minute renewal margin: every TokenGet uses (and rotates)
    // the refresh token, so persistence and run-time revocation show at once.
    sim = await startSimulator({
      seed: 11,
      tenants: [{ users: 3 }, { users: 3 }],
      accessTokenLifetimeSeconds: 120,
    });
    simFetch = caFetch(readFileSync(sim.caCertPath, "utf8"));
    dataDir = tempDir("tl-auth-delegated");
    auth = await startService("auth", authEnv());
    bus = await connectTestBus(nats, { service: "gateway", label: "delegated-test", level: "warn" });
    bus.subscribe(IntegrationChanged, async (p) => {
      events.push(p);
    });
  });

  after(() => stopStack(bus, sim, nats));

  it("creates a pending integration with a PKCE consent URL whose secrets stay in auth, sealed", () =>
    withServiceLogs(async () => {
      const { integration, consentUrl } = await createDelegated("Pending");
      assert.equal(integration.status, "pending_consent");
      assert.equal(integration.authMode, "delegated");
      assert.equal(integration.tenantId, null);
      assert.equal(integration.clientId, home().clientId);
      assert.match(integration.statusReason ?? "", /consent/);

      const url = new URL(consentUrl);
      assert.equal(url.origin, sim.authorityHost);
      assert.equal(url.pathname, "/organizations/oauth2/v2.0/authorize");
      const q = url.searchParams;
      assert.equal(q.get("response_type"), "code");
      assert.equal(q.get("client_id"), home().clientId);
      assert.equal(q.get("redirect_uri"), `${PUBLIC_URL}/oauth/callback`);
      assert.equal(q.get("code_challenge_method"), "S256");
      assert.match(q.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/);
      assert.match(q.get("state") ?? "", /^[A-Za-z0-9_-]{43}$/);
      assert.ok(q.get("nonce"));
      const scopes = (q.get("scope") ?? "").split(" ");
      for (const s of ["User.Read.All", "GroupMember.Read.All", "offline_access"])
        assert.ok(scopes.includes(s), s);
      assert.equal(q.get("code_verifier"), null);

      // The pending state is stored under a hash, sealed: neither the state nor a verifier in clear.
      const stored = await rawValues(CONSENT_BUCKET);
      assert.ok(stored.length > 0);
      for (const v of stored) {
        assert.ok(!v.includes(q.get("state") ?? "?"), "state in clear in KV");
        assert.ok(!/codeVerifier|nonce/.test(v), "consent secrets in clear in KV");
        assert.match(v, /"alg":"A256GCM"/);
      }
      await rejects(token(integration.id), "integration_broken", /consent/);
    }));

  it("connects on approval: tenant from the tokens, tokens refreshed and the rotated cache persisted", () =>
    withServiceLogs(async () => {
      const { integration, consentUrl } = await createDelegated("Connected");
      const other = sim.tenants[1]?.tenantId;
      // An attacker-chosen `tenant` parameter on the callback changes nothing: the tokens decide.
      const { res, params } = await consent(consentUrl, "auto", { tenant: other });
      assert.equal(res.outcome, "connected");
      assert.equal(res.integration.status, "active");
      assert.equal(res.integration.tenantId, home().tenantId);
      connectedId = integration.id;
      usedCode = params.code ?? "";

      await waitFor(
        () =>
          eventsFor(integration.id).some((e) => e.change === "updated" && e.integration.status === "active"),
        { timeoutMs: 5_000, what: "IntegrationChanged active" },
      );

      const first = await token(integration.id);
      assert.equal(first.tenantId, home().tenantId);
      const claims = claimsOf(first.accessToken);
      assert.equal(claims.tid, home().tenantId);
      assert.match(String(claims.scp ?? ""), /User\.Read\.All/);

      // Every TokenGet spends the refresh token (the simulator rotates them); the new cache is stored.
      const sealedBefore = await rawValues(TOKEN_CACHE_BUCKET);
      await token(integration.id);
      const sealedAfter = await rawValues(TOKEN_CACHE_BUCKET);
      assert.notDeepEqual(sealedAfter, sealedBefore, "the rotated cache was persisted");
      for (const v of sealedAfter) {
        assert.match(v, /"alg":"A256GCM"/);
        assert.ok(
          !/RefreshToken|refresh_token|secret/i.test(v.replace(/"ct":"[^"]*"/, "")),
          "cache in clear",
        );
      }

      // A fresh process only has the stored cache: it works only if the latest refresh token was saved.
      await auth.stop();
      auth = await startService("auth", authEnv());
      const afterRestart = await token(integration.id);
      assert.equal(afterRestart.tenantId, home().tenantId);
      assert.equal((await get(integration.id)).status, "active");

      // Replaying the callback: the state is spent; nothing changes.
      const before = await get(integration.id);
      await rejects(
        bus.request(ConsentComplete, params, { timeoutMs: 30_000 }),
        "bad_request",
        /already used.*Nothing was changed/,
      );
      assert.deepEqual(await get(integration.id), before);
    }));

  it("rejects unknown states and keeps a declined integration waiting with the reason, then connects on a new link", () =>
    withServiceLogs(async () => {
      await rejects(
        bus.request(ConsentComplete, { state: "x".repeat(43), code: "1.Afake" }),
        "bad_request",
        /unknown or already used/,
      );

      const { integration, consentUrl } = await createDelegated("Declined", home().tenantId);
      assert.equal(new URL(consentUrl).pathname, `/${home().tenantId}/oauth2/v2.0/authorize`);
      const declined = await consent(consentUrl, "decline");
      assert.equal(declined.params.error, "access_denied");
      assert.equal(declined.res.outcome, "declined");
      assert.equal(declined.res.integration.status, "pending_consent");
      assert.match(
        declined.res.integration.statusReason ?? "",
        /^Consent was declined \(access_denied: AADSTS65004/,
      );
      assert.match(declined.res.message ?? "", /new consent link/);
      await rejects(token(integration.id), "integration_broken", /declined/);

      const again = await bus.request(ConsentStart, { workspaceId: WS, id: integration.id });
      assert.notEqual(again.consentUrl, consentUrl);
      const ok = await consent(again.consentUrl, "approve");
      assert.equal(ok.res.outcome, "connected");
      assert.equal(ok.res.integration.status, "active");
      await token(integration.id);

      await rejects(bus.request(ConsentStart, { workspaceId: "ws-other", id: integration.id }), "not_found");
      await bus.request(IntegrationDelete, { workspaceId: WS, id: integration.id });
      assert.ok(!(await rawValues(TOKEN_CACHE_BUCKET)).some((v) => v.startsWith(`${integration.id} `)));
    }));

  it("refuses credentials updates for delegated integrations", () =>
    withServiceLogs(async () => {
      await rejects(
        bus.request(IntegrationUpdate, { workspaceId: WS, id: connectedId, clientSecret: "nope" }),
        "bad_request",
        /no client id, secret or certificate/,
      );
    }));

  it("marks the integration broken once with 'consent revoked' when consent is revoked at run time", () =>
    withServiceLogs(async () => {
      const id = connectedId;
      await token(id);
      await sim.control.revokeConsent(home().tenantId);
      const attempts = await Promise.allSettled(Array.from({ length: 4 }, () => token(id)));
      for (const a of attempts) {
        assert.equal(a.status, "rejected");
        assert.ok(a.reason instanceof AppError && a.reason.code === "integration_broken", String(a.reason));
      }
      await rejects(token(id), "integration_broken", /^Consent revoked \(AADSTS65001\)/);
      const got = await get(id);
      assert.equal(got.status, "broken");
      assert.match(got.statusReason ?? "", /^Consent revoked/);
      await waitFor(() => eventsFor(id).some((e) => e.integration.status === "broken"), {
        timeoutMs: 5_000,
        what: "broken event",
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(eventsFor(id).filter((e) => e.integration.status === "broken").length, 1);

      // Consent given again (the simulator restores the grant): enabling re-checks and recovers.
      await sim.control.restoreConsent(home().tenantId);
      const fixed = await bus.request(
        IntegrationUpdate,
        { workspaceId: WS, id, enabled: true },
        { timeoutMs: 30_000 },
      );
      assert.equal(fixed.status, "active");
      await token(id);

      const logs = auth.logs();
      for (const secret of [home().clientSecret, ...sim.tenants.map((t) => t.clientSecret)])
        assert.ok(!logs.includes(secret), "client secret in auth logs");
      assert.ok(!/1\.AR[A-Za-z0-9_-]{20}/.test(logs), "refresh token in auth logs");
      assert.ok(!/code_verifier|codeVerifier/.test(logs), "PKCE verifier in auth logs");
      assert.ok(usedCode.length > 20 && !logs.includes(usedCode), "authorization code in auth logs");
    }));
});
