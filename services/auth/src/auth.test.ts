import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import {
  AppError,
  type EventPayload,
  IntegrationChanged,
  IntegrationCreate,
  IntegrationDelete,
  IntegrationGet,
  IntegrationList,
  IntegrationUpdate,
  TokenGet,
} from "@tenantlens/contracts";
import { type Simulator, type SimulatorTenant, startSimulator } from "@tenantlens/entra-sim";
import { keyFilePath } from "@tenantlens/secrets";
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
import { INTEGRATIONS_BUCKET } from "./adapters/integration-store.js";
import { rejects } from "./testing/rejects.js";

/**
 * auth as its own process (msal needs NODE_EXTRA_CA_CERTS at start) against a real nats-server and
 * the simulator; the test talks to it over NATS like the gateway and the poller do.
 */
let nats: NatsServer;
let sim: Simulator;
let auth: ServiceProcess;
let bus: Bus;
let dataDir: string;
const events: EventPayload<typeof IntegrationChanged>[] = [];

// One simulator tenant per test that breaks its app, so tests stay independent.
const T = { main: 0, expire: 1, revoke: 2, deleted: 3, fix: 4, rotate: 5, forced: 6 } as const;
const tenant = (i: number): SimulatorTenant => {
  const t = sim.tenants[i];
  if (!t) throw new Error(`simulator tenant ${i} missing`);
  return t;
};

function authEnv(): Record<string, string> {
  return {
    NATS_URL: nats.url,
    TENANTLENS_DATA_DIR: dataDir,
    ...graphEnv(sim),
    LOG_LEVEL: "debug",
  };
}

async function create(workspaceId: string, t: SimulatorTenant, secret = t.clientSecret, name = "Contoso") {
  return bus.request(
    IntegrationCreate,
    {
      workspaceId,
      name,
      tenantId: t.tenantId,
      auth: { mode: "app", clientId: t.clientId, clientSecret: secret },
    },
    { timeoutMs: 30_000 },
  );
}

function eventsFor(id: string) {
  return events.filter((e) => e.integration.id === id);
}

describe("auth service", { timeout: 180_000 }, () => {
  before(async () => {
    nats = await startNats();
    // Tokens shorter than msal's 5-minute renewal margin: every TokenGet asks the simulator, so
    // run-time changes (expired secret, revoked consent) are seen at once.
    sim = await startSimulator({
      seed: 7,
      tenants: Array.from({ length: 7 }, () => ({ users: 3 })),
      accessTokenLifetimeSeconds: 120,
    });
    dataDir = tempDir("tl-auth");
    auth = await startService("auth", authEnv());
    bus = await connectTestBus(nats, { service: "gateway", label: "auth-test", level: "warn" });
    bus.subscribe(IntegrationChanged, async (p) => {
      events.push(p);
    });
  });

  after(() => stopStack(bus, sim, nats));

  it("creates an app integration with the right secret as active and hands out tokens", () =>
    withServiceLogs(async () => {
      const t = tenant(T.main);
      const { integration } = await create("ws-main", t);
      assert.equal(integration.status, "active");
      assert.equal(integration.statusReason, null);
      assert.equal(integration.tenantId, t.tenantId);
      assert.equal(integration.clientId, t.clientId);
      assert.equal("clientSecret" in integration, false);

      const tok = await bus.request(TokenGet, { integrationId: integration.id }, { timeoutMs: 30_000 });
      assert.equal(tok.tenantId, t.tenantId);
      assert.equal(tok.graphEndpoint, sim.graphEndpoint);
      assert.ok(Date.parse(tok.expiresAt) > Date.now());
      const claims = JSON.parse(Buffer.from(tok.accessToken.split(".")[1] ?? "", "base64url").toString()) as {
        tid: string;
        roles?: string[];
      };
      assert.equal(claims.tid, t.tenantId);
      assert.ok((claims.roles ?? []).length > 0, "app-only token carries application permissions");

      await waitFor(
        () =>
          eventsFor(integration.id).some((e) => e.change === "created" && e.integration.status === "active"),
        {
          timeoutMs: 5_000,
          what: "IntegrationChanged created",
        },
      );
    }));

  it("creates an integration with a wrong secret as broken, with a reason, and refuses tokens fast", () =>
    withServiceLogs(async () => {
      const t = tenant(T.main);
      const { integration } = await create("ws-main", t, "definitely-not-the-secret");
      assert.equal(integration.status, "broken");
      assert.match(integration.statusReason ?? "", /secret is wrong.*AADSTS7000215/);
      const got = await bus.request(IntegrationGet, { workspaceId: "ws-main", id: integration.id });
      assert.equal(got.status, "broken");
      await rejects(
        bus.request(TokenGet, { integrationId: integration.id }),
        "integration_broken",
        /secret is wrong/,
      );
    }));

  it("names a tenant that does not exist", () =>
    withServiceLogs(async () => {
      const t = tenant(T.main);
      const { integration } = await bus.request(
        IntegrationCreate,
        {
          workspaceId: "ws-main",
          name: "Typo",
          tenantId: randomUUID(),
          auth: { mode: "app", clientId: t.clientId, clientSecret: t.clientSecret },
        },
        { timeoutMs: 30_000 },
      );
      assert.equal(integration.status, "broken");
      assert.match(integration.statusReason ?? "", /was not found \(AADSTS90002\)/);
    }));

  it("rejects malformed input without creating anything", () =>
    withServiceLogs(async () => {
      const t = tenant(T.main);
      const before = (await bus.request(IntegrationList, { workspaceId: "ws-bad" })).integrations.length;
      await rejects(
        bus.request(IntegrationCreate, {
          workspaceId: "ws-bad",
          name: "x",
          tenantId: t.tenantId,
          auth: { mode: "app", clientId: "not-a-guid", clientSecret: "s" },
        }),
        "bad_request",
        /GUID/,
      );
      await rejects(
        bus.request(IntegrationCreate, {
          workspaceId: "ws-bad",
          name: "x",
          auth: { mode: "app", clientId: t.clientId, clientSecret: "s" },
        }),
        "bad_request",
        /tenantId is required/,
      );
      await rejects(
        bus.request(IntegrationCreate, { workspaceId: "ws-bad", name: "x", auth: { mode: "delegated" } }),
        "bad_request",
        /TENANTLENS_CLIENT_ID and TENANTLENS_CLIENT_SECRET/,
      );
      await rejects(bus.request(TokenGet, { integrationId: "int_doesnotexist0000" }), "not_found");
      assert.equal(
        (await bus.request(IntegrationList, { workspaceId: "ws-bad" })).integrations.length,
        before,
      );
    }));

  it("scopes every request to its workspace", () =>
    withServiceLogs(async () => {
      const { integration } = await create("ws-a", tenant(T.main), undefined, "Workspace A");
      const id = integration.id;
      await rejects(bus.request(IntegrationGet, { workspaceId: "ws-b", id }), "not_found");
      await rejects(bus.request(IntegrationUpdate, { workspaceId: "ws-b", id, name: "stolen" }), "not_found");
      await rejects(bus.request(IntegrationDelete, { workspaceId: "ws-b", id }), "not_found");
      const listB = await bus.request(IntegrationList, { workspaceId: "ws-b" });
      assert.ok(!listB.integrations.some((i) => i.id === id));
      const listA = await bus.request(IntegrationList, { workspaceId: "ws-a" });
      assert.deepEqual(
        listA.integrations.map((i) => i.id),
        [id],
      );
      assert.equal((await bus.request(IntegrationGet, { workspaceId: "ws-a", id })).name, "Workspace A");
    }));

  it("marks an integration broken once when its secret expires at run time", () =>
    withServiceLogs(async () => {
      const t = tenant(T.expire);
      const { integration } = await create("ws-main", t);
      assert.equal(integration.status, "active");
      await bus.request(TokenGet, { integrationId: integration.id }, { timeoutMs: 30_000 });
      await sim.control.expireSecrets(t.tenantId);

      const attempts = await Promise.allSettled(
        Array.from({ length: 6 }, () =>
          bus.request(TokenGet, { integrationId: integration.id }, { timeoutMs: 30_000 }),
        ),
      );
      for (const a of attempts) {
        assert.equal(a.status, "rejected");
        assert.ok(a.reason instanceof AppError && a.reason.code === "integration_broken", String(a.reason));
      }
      await rejects(
        bus.request(TokenGet, { integrationId: integration.id }),
        "integration_broken",
        /expired/,
      );
      const got = await bus.request(IntegrationGet, { workspaceId: "ws-main", id: integration.id });
      assert.equal(got.status, "broken");
      assert.match(got.statusReason ?? "", /AADSTS7000222/);

      await waitFor(() => eventsFor(integration.id).some((e) => e.integration.status === "broken"), {
        timeoutMs: 5_000,
        what: "broken event",
      });
      // Give stragglers a moment, then count: exactly one "became broken" event.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(eventsFor(integration.id).filter((e) => e.integration.status === "broken").length, 1);
    }));

  it("forceRefresh skips the token cache: a secret revoked while its token is cached breaks the integration at once", () =>
    withServiceLogs(async () => {
      const t = tenant(T.forced);
      // A token that outlives msal's renewal margin, so the cache would keep answering with it.
      await sim.control.setTokenLifetime(3600);
      try {
        const { integration } = await create("ws-main", t);
        const cached = await bus.request(TokenGet, { integrationId: integration.id }, { timeoutMs: 30_000 });
        await sim.control.rotateSecret(t.tenantId);
        const again = await bus.request(TokenGet, { integrationId: integration.id }, { timeoutMs: 30_000 });
        assert.equal(again.accessToken, cached.accessToken, "without forceRefresh the cache answers");
        await rejects(
          bus.request(TokenGet, { integrationId: integration.id, forceRefresh: true }, { timeoutMs: 30_000 }),
          "integration_broken",
          /secret is wrong \(AADSTS7000215\).* Microsoft said: AADSTS7000215: Invalid client secret provided\./,
        );
        const got = await bus.request(IntegrationGet, { workspaceId: "ws-main", id: integration.id });
        assert.equal(got.status, "broken");
        assert.match(got.statusReason ?? "", /Microsoft said: AADSTS7000215/);
      } finally {
        await sim.control.setTokenLifetime(120);
      }
    }));

  it("marks an integration broken once when admin consent is revoked at run time", () =>
    withServiceLogs(async () => {
      const t = tenant(T.revoke);
      const { integration } = await create("ws-main", t);
      assert.equal(integration.status, "active");
      await sim.control.revokeConsent(t.tenantId);
      const attempts = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          bus.request(TokenGet, { integrationId: integration.id }, { timeoutMs: 30_000 }),
        ),
      );
      assert.ok(attempts.every((a) => a.status === "rejected"));
      const got = await bus.request(IntegrationGet, { workspaceId: "ws-main", id: integration.id });
      assert.equal(got.status, "broken");
      assert.match(got.statusReason ?? "", /admin consent/i);
      await waitFor(() => eventsFor(integration.id).some((e) => e.integration.status === "broken"), {
        timeoutMs: 5_000,
        what: "broken event",
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(eventsFor(integration.id).filter((e) => e.integration.status === "broken").length, 1);
    }));

  it("names a deleted app", () =>
    withServiceLogs(async () => {
      const t = tenant(T.deleted);
      await sim.control.deleteApp(t.tenantId);
      const { integration } = await create("ws-main", t);
      assert.equal(integration.status, "broken");
      assert.match(integration.statusReason ?? "", /AADSTS700016/);
    }));

  it("disables, refuses tokens while disabled, and re-checks on enable (which also fixes a broken one)", () =>
    withServiceLogs(async () => {
      const t = tenant(T.fix);
      const { integration } = await create("ws-main", t);
      const id = integration.id;
      const disabled = await bus.request(IntegrationUpdate, { workspaceId: "ws-main", id, enabled: false });
      assert.equal(disabled.enabled, false);
      assert.equal(disabled.status, "disabled");
      await rejects(bus.request(TokenGet, { integrationId: id }), "integration_broken", /^disabled$/);

      await sim.control.revokeConsent(t.tenantId);
      const stillBroken = await bus.request(
        IntegrationUpdate,
        { workspaceId: "ws-main", id, enabled: true },
        { timeoutMs: 30_000 },
      );
      assert.equal(stillBroken.status, "broken");
      assert.equal(stillBroken.enabled, true);

      await sim.control.restoreConsent(t.tenantId);
      const fixed = await bus.request(
        IntegrationUpdate,
        { workspaceId: "ws-main", id, enabled: true },
        { timeoutMs: 30_000 },
      );
      assert.equal(fixed.status, "active");
      assert.equal(fixed.statusReason, null);
      await bus.request(TokenGet, { integrationId: id }, { timeoutMs: 30_000 });

      const renamed = await bus.request(IntegrationUpdate, { workspaceId: "ws-main", id, name: "Renamed" });
      assert.equal(renamed.name, "Renamed");
      assert.ok(renamed.updatedAt > fixed.updatedAt);
      await waitFor(() => eventsFor(id).filter((e) => e.change === "updated").length >= 4, {
        timeoutMs: 5_000,
        what: "one updated event per change",
      });
    }));

  it("fixes a broken integration with new credentials: re-sealed, re-checked, announced once", () =>
    withServiceLogs(async () => {
      const t = tenant(T.rotate);
      const wrong = "wrong-secret-0123456789";
      const { integration } = await create("ws-main", t, wrong, "Rotating");
      const id = integration.id;
      assert.equal(integration.status, "broken");
      const kv = await bus.kv(INTEGRATIONS_BUCKET);
      const sealedBefore = new TextDecoder().decode((await kv.get(id))?.value);

      // The right secret: active at once, tokens flow again, the stored ciphertext changed.
      const fixed = await bus.request(
        IntegrationUpdate,
        { workspaceId: "ws-main", id, clientSecret: t.clientSecret },
        { timeoutMs: 30_000 },
      );
      assert.equal(fixed.status, "active");
      assert.equal(fixed.statusReason, null);
      assert.equal("clientSecret" in fixed, false);
      assert.equal(
        (await bus.request(TokenGet, { integrationId: id }, { timeoutMs: 30_000 })).tenantId,
        t.tenantId,
      );
      const sealedAfter = new TextDecoder().decode((await kv.get(id))?.value);
      assert.notEqual(sealedAfter, sealedBefore);
      assert.ok(!sealedAfter.includes(t.clientSecret), "secret in KV plaintext");
      assert.match(sealedAfter, /"alg":"A256GCM"/);
      await waitFor(() => eventsFor(id).some((e) => e.integration.status === "active"), {
        timeoutMs: 5_000,
        what: "active event",
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(eventsFor(id).filter((e) => e.change === "updated").length, 1, "one event for the fix");

      // The app's secret is rotated in Entra; the new one goes in while the integration is active.
      const rotated = await sim.control.rotateSecret(t.tenantId);
      const stale = await bus.request(
        IntegrationUpdate,
        { workspaceId: "ws-main", id, clientSecret: "still-wrong-secret" },
        { timeoutMs: 30_000 },
      );
      assert.equal(stale.status, "broken");
      assert.match(stale.statusReason ?? "", /AADSTS7000215/);
      const good = await bus.request(
        IntegrationUpdate,
        { workspaceId: "ws-main", id, clientId: t.clientId.toUpperCase(), clientSecret: rotated.value },
        { timeoutMs: 30_000 },
      );
      assert.equal(good.status, "active");
      await bus.request(TokenGet, { integrationId: id }, { timeoutMs: 30_000 });

      await rejects(
        bus.request(IntegrationUpdate, { workspaceId: "ws-main", id, clientId: "not-a-guid" }),
        "bad_request",
        /GUID/,
      );
      await rejects(
        bus.request(IntegrationUpdate, { workspaceId: "ws-other", id, clientSecret: rotated.value }),
        "not_found",
      );
      for (const e of eventsFor(id)) {
        const text = JSON.stringify(e);
        for (const s of [wrong, t.clientSecret, rotated.value])
          assert.ok(!text.includes(s), "secret in an event");
      }
      for (const s of [wrong, t.clientSecret, rotated.value, "still-wrong-secret"])
        assert.ok(!auth.logs().includes(s), "secret in auth logs");
    }));

  it("keeps new credentials of a disabled integration and checks them on enable", () =>
    withServiceLogs(async () => {
      const t = tenant(T.main);
      const { integration } = await create("ws-main", t, "wrong-secret-disabled", "Disabled");
      const id = integration.id;
      await bus.request(IntegrationUpdate, { workspaceId: "ws-main", id, enabled: false });
      const stored = await bus.request(IntegrationUpdate, {
        workspaceId: "ws-main",
        id,
        clientSecret: t.clientSecret,
      });
      assert.equal(stored.status, "disabled");
      const enabled = await bus.request(
        IntegrationUpdate,
        { workspaceId: "ws-main", id, enabled: true },
        { timeoutMs: 30_000 },
      );
      assert.equal(enabled.status, "active");
    }));

  it("keeps the client secret encrypted in KV, out of events and out of logs; deletes purge it", () =>
    withServiceLogs(async () => {
      const t = tenant(T.main);
      const { integration } = await create("ws-main", t);
      const kv = await bus.kv(INTEGRATIONS_BUCKET);
      const raw = await kv.get(integration.id);
      assert.ok(raw);
      const text = new TextDecoder().decode(raw.value);
      assert.ok(!text.includes(t.clientSecret), "secret in KV plaintext");
      const stored = JSON.parse(text) as { clientSecret: { alg: string; kid: string; ct: string } };
      assert.equal(stored.clientSecret.alg, "A256GCM");
      assert.ok(stored.clientSecret.ct.length > 0);

      await waitFor(() => eventsFor(integration.id).length > 0, { timeoutMs: 5_000, what: "created event" });
      for (const e of events) assert.ok(!JSON.stringify(e).includes(t.clientSecret), "secret in an event");

      assert.deepEqual(await bus.request(IntegrationDelete, { workspaceId: "ws-main", id: integration.id }), {
        deleted: true,
        purgeData: false,
      });
      await rejects(bus.request(IntegrationGet, { workspaceId: "ws-main", id: integration.id }), "not_found");
      const gone = await kv.get(integration.id);
      assert.ok(gone?.operation !== "PUT");
      await waitFor(() => eventsFor(integration.id).some((e) => e.change === "deleted"), {
        timeoutMs: 5_000,
        what: "deleted event",
      });

      for (const s of sim.tenants) assert.ok(!auth.logs().includes(s.clientSecret), "secret in auth logs");
    }));

  it("creates its key file with mode 0600 and reuses it after a restart", () =>
    withServiceLogs(async () => {
      const file = keyFilePath(dataDir);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const t = tenant(T.main);
      const { integration } = await create("ws-restart", t);
      await auth.stop();
      auth = await startService("auth", authEnv());
      const tok = await bus.request(TokenGet, { integrationId: integration.id }, { timeoutMs: 30_000 });
      assert.equal(tok.tenantId, t.tenantId);
      for (const s of sim.tenants) assert.ok(!auth.logs().includes(s.clientSecret), "secret in auth logs");
    }));
});
