import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import { type EventPayload, IntegrationChanged } from "@tenantlens/contracts";
import { caFetch, type Simulator, type SimulatorTenant, startSimulator } from "@tenantlens/entra-sim";
import { cleanup, connectTestBus, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { api, queryCounts, type System, startSystem } from "./system.js";

/**
 * The two ways a user gets a tenant collecting, through every real service: fixing a broken
 * app-mode integration with PATCH (no delete), and delegated mode — create over REST, an
 * administrator follows the consent URL (the simulator's identity platform) back to the gateway's
 * callback, auth redeems the code, the poller collects, and the users are queryable.
 */

interface Integration {
  id: string;
  status: string;
  statusReason: string | null;
  tenantId: string | null;
  updatedAt: string;
  lastPoll?: { pollId: string; status: string } | null;
}

interface Stats {
  users: { total: number };
}

describe("end to end: fixing credentials and delegated consent", { timeout: 300_000 }, () => {
  let sim: Simulator;
  let sys: System;
  let bus: Bus;
  let simFetch: typeof fetch;
  const events: EventPayload<typeof IntegrationChanged>[] = [];
  /** Every REST answer of these tests, to prove no secret ever comes back. */
  const answers: string[] = [];
  let delegatedId = "";

  const tenant = (i: number): SimulatorTenant => {
    const t = sim.tenants[i];
    if (!t) throw new Error(`simulator tenant ${i} missing`);
    return t;
  };
  // Tenant 0's seeded app plays Tenantlens's multi-tenant app (delegated); tenant 1 is app mode.
  const home = () => tenant(0);
  const appTenant = () => tenant(1);

  async function call<T>(method: string, path: string, body?: unknown) {
    const res = await api<T>(sys, method, path, body === undefined ? {} : { body });
    answers.push(JSON.stringify(res.body));
    return res;
  }

  async function userCount(integrationId: string): Promise<number> {
    const rows = await queryCounts(
      sys,
      `SELECT integration_id, count(*) AS users FROM azuread_user WHERE integration_id = '${integrationId}' GROUP BY ALL`,
    );
    return rows[integrationId] ?? 0;
  }

  async function usersInTenant(t: SimulatorTenant): Promise<number> {
    return (await sim.control.request<Stats>("GET", `/_sim/tenants/${t.tenantId}/stats`)).users.total;
  }

  /** The poller collects an integration that became active on its own; wait for that poll's commit. */
  async function committedPoll(id: string): Promise<string> {
    return waitFor(
      async () => {
        const res = await api<Integration>(sys, "GET", `/api/integrations/${id}`);
        const p = res.body.lastPoll;
        if (p?.status === "failed") throw new Error(`poll ${p.pollId} failed: ${JSON.stringify(res.body)}`);
        return p && (p.status === "succeeded" || p.status === "partial") ? p.pollId : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 250, what: `a committed poll of ${id}` },
    );
  }

  /** The administrator's browser: authorize (consent page or auto-approve) → redirect to our callback. */
  async function consent(consentUrl: string, decision: "auto" | "decline"): Promise<URL> {
    const url = new URL(consentUrl);
    if (decision === "auto") url.searchParams.set("sim_auto_approve", "1");
    let res = await simFetch(url, { redirect: "manual" });
    if (res.status === 200) {
      const page = await res.text();
      const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
      const txn = /name="txn" value="([^"]+)"/.exec(page)?.[1];
      assert.ok(action && txn, `no consent form: ${page.slice(0, 200)}`);
      res = await simFetch(new URL(action.replace(/&amp;/g, "&"), url), {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ txn, decision }).toString(),
      });
    }
    const location = res.headers.get("location");
    assert.equal(res.status, 302, await res.text());
    assert.ok(location);
    const back = new URL(location);
    assert.equal(`${back.origin}${back.pathname}`, `${sys.baseUrl}/oauth/callback`);
    return back;
  }

  async function callback(url: URL): Promise<{ status: number; page: string }> {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(60_000) });
    return { status: res.status, page: await res.text() };
  }

  before(async () => {
    // Short-lived access tokens: every token request refreshes (and rotates), so a revoked consent
    // shows on the next poll.
    sim = await startSimulator({
      seed: 5,
      tenants: [{ users: 12 }, { users: 8 }],
      accessTokenLifetimeSeconds: 120,
    });
    simFetch = caFetch(readFileSync(sim.caCertPath, "utf8"));
    // A schedule, so an integration that becomes active is collected at once (no manual poll).
    sys = await withServiceLogs(() =>
      startSystem(sim, {
        POLL_INTERVAL_SECONDS: "3600",
        POLL_RESOURCES: "users,groups",
        TENANTLENS_CLIENT_ID: home().clientId,
        TENANTLENS_CLIENT_SECRET: home().clientSecret,
      }),
    );
    bus = await connectTestBus(sys.nats, { service: "gateway", label: "e2e-credentials" });
    bus.subscribe(IntegrationChanged, async (p) => {
      events.push(p);
    });
  });

  after(async () => {
    await bus?.drain();
    await sys?.stop();
    await sim?.stop();
    await cleanup();
  });

  it("fixes a broken app-mode integration with PATCH: active, collected, secret never shown", () =>
    withServiceLogs(async () => {
      const t = appTenant();
      const wrong = "wrong-secret-e2e-0123456789";
      const created = await call<Integration & { id: string }>("POST", "/api/integrations", {
        name: "App mode",
        tenantId: t.tenantId,
        auth: { mode: "app", clientId: t.clientId, clientSecret: wrong },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, "broken");
      const id = created.body.id;
      const view = await call<Integration>("GET", `/api/integrations/${id}`);
      assert.match(view.body.statusReason ?? "", /secret is wrong.*AADSTS7000215/);
      const refused = await call<{ error: { code: string } }>("POST", `/api/integrations/${id}/polls`, {});
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, "integration_broken");

      const fixed = await call<Integration>("PATCH", `/api/integrations/${id}`, {
        auth: { clientSecret: t.clientSecret },
      });
      assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
      assert.equal(fixed.body.status, "active");
      assert.equal(fixed.body.statusReason, null);

      // The poller saw the integration turn active and collects it without being asked.
      await committedPoll(id);
      assert.equal(await userCount(id), await usersInTenant(t));
      const again = await call<{ pollId: string }>("POST", `/api/integrations/${id}/polls`, {});
      assert.equal(again.status, 202, JSON.stringify(again.body));

      const kv = await bus.kv("tl_integrations");
      const raw = new TextDecoder().decode((await kv.get(id))?.value);
      assert.match(raw, /"alg":"A256GCM"/);
      await waitFor(() => events.some((e) => e.integration.id === id && e.integration.status === "active"), {
        timeoutMs: 5_000,
        what: "the active event",
      });
      const places = {
        responses: answers.join("\n"),
        events: JSON.stringify(events),
        kv: raw,
        logs: [...sys.services.values()].map((s) => s.logs()).join("\n"),
      };
      for (const [where, text] of Object.entries(places)) {
        for (const secret of [wrong, t.clientSecret, home().clientSecret]) {
          assert.ok(!text.includes(secret), `a client secret appears in ${where}`);
        }
      }
    }));

  it("connects a delegated integration through the consent URL and the gateway's callback, then collects it", () =>
    withServiceLogs(async () => {
      const created = await call<{ id: string; status: string; consentUrl?: string }>(
        "POST",
        "/api/integrations",
        {
          name: "Delegated",
          auth: { mode: "delegated" },
        },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, "pending_consent");
      assert.ok(
        created.body.consentUrl?.startsWith(`${sim.authorityHost}/organizations/oauth2/v2.0/authorize?`),
      );
      delegatedId = created.body.id;

      const back = await consent(created.body.consentUrl ?? "", "auto");
      const done = await callback(back);
      assert.equal(done.status, 200, done.page);
      assert.match(done.page, /Tenant connected/);
      assert.ok(done.page.includes(home().tenantId));

      const view = await call<Integration>("GET", `/api/integrations/${delegatedId}`);
      assert.equal(view.body.status, "active");
      assert.equal(view.body.tenantId, home().tenantId);

      await committedPoll(delegatedId);
      assert.equal(await userCount(delegatedId), await usersInTenant(home()));

      // The browser's back button: the state is spent, the page says so, nothing changes.
      const replay = await callback(back);
      assert.equal(replay.status, 400);
      assert.match(replay.page, /already used/);
      const still = await call<Integration>("GET", `/api/integrations/${delegatedId}`);
      assert.equal(still.body.updatedAt, view.body.updatedAt);
    }));

  it("keeps a declined consent waiting with the reason, and connects with a new consent link", () =>
    withServiceLogs(async () => {
      const created = await call<{ id: string; consentUrl: string }>("POST", "/api/integrations", {
        name: "Declined first",
        tenantId: home().tenantId,
        auth: { mode: "delegated" },
      });
      const id = created.body.id;
      const declined = await callback(await consent(created.body.consentUrl, "decline"));
      assert.equal(declined.status, 400);
      assert.match(declined.page, /Consent not completed/);
      assert.match(declined.page, /declined/);
      const waiting = await call<Integration>("GET", `/api/integrations/${id}`);
      assert.equal(waiting.body.status, "pending_consent");
      assert.match(waiting.body.statusReason ?? "", /^Consent was declined \(access_denied/);

      const link = await call<{ consentUrl: string; status: string }>(
        "POST",
        `/api/integrations/${id}/consent`,
      );
      assert.equal(link.status, 200, JSON.stringify(link.body));
      assert.equal(link.body.status, "pending_consent");
      const ok = await callback(await consent(link.body.consentUrl, "auto"));
      assert.equal(ok.status, 200, ok.page);
      assert.equal((await call<Integration>("GET", `/api/integrations/${id}`)).body.status, "active");
      assert.equal((await call("DELETE", `/api/integrations/${id}`)).status, 200);
    }));

  it("marks a delegated integration broken once when its consent is revoked at run time", () =>
    withServiceLogs(async () => {
      await sim.control.revokeConsent(home().tenantId);
      const poll = await call<{ pollId: string }>("POST", `/api/integrations/${delegatedId}/polls`, {});
      assert.equal(poll.status, 202, JSON.stringify(poll.body));
      const broken = await waitFor(
        async () => {
          const res = await api<Integration>(sys, "GET", `/api/integrations/${delegatedId}`);
          return res.body.status === "broken" ? res.body : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: "the integration to be broken" },
      );
      assert.match(broken.statusReason ?? "", /^Consent revoked \(AADSTS65001\)/);
      const refused = await call<{ error: { code: string } }>(
        "POST",
        `/api/integrations/${delegatedId}/polls`,
        {},
      );
      assert.equal(refused.status, 409);
      await new Promise((r) => setTimeout(r, 500));
      const brokenEvents = events.filter(
        (e) => e.integration.id === delegatedId && e.integration.status === "broken",
      );
      assert.equal(brokenEvents.length, 1);
    }));
});
