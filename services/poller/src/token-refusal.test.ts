import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { IntegrationGet } from "@tenantlens/contracts";
import type { SimulatorTenant } from "@tenantlens/entra-sim";
import { withServiceLogs } from "@tenantlens/testkit";
import { type CollectionStack, firstPoll, startCollectionStack } from "./testing/collection-stack.js";

const BACKOFF_BASE_MS = 200;

/**
 * A token Graph refuses is replaced, not replayed: real auth and poller processes against the
 * simulator. Every token request the poller makes is watched on the bus (`auth.token.get`).
 */
describe("tokens Graph refuses", { timeout: 300_000 }, () => {
  let stack: CollectionStack;
  const tokenRequests: { integrationId: string; forceRefresh: boolean; at: number }[] = [];
  const tenant = (i: number) => stack.sim.tenants[i] as SimulatorTenant;
  const forced = (integrationId: string) =>
    tokenRequests.filter((r) => r.integrationId === integrationId && r.forceRefresh);

  before(async () => {
    stack = await startCollectionStack(
      { seed: 31, tenants: [{ users: 40 }, { users: 40 }] },
      // Four reads at once per tenant (fewer than the six 401s of the second test): see there why.
      { GRAPH_BACKOFF_BASE_MS: String(BACKOFF_BASE_MS), TENANT_CONCURRENCY: "4" },
    );
    stack.bus.nc.subscribe("auth.token.get", {
      callback: (_err, m) => {
        const req = m.json<{ integrationId: string; forceRefresh?: boolean }>();
        tokenRequests.push({
          integrationId: req.integrationId,
          forceRefresh: req.forceRefresh === true,
          at: Date.now(),
        });
      },
    });
  });
  after(() => stack?.stop());

  it("an app deleted while its token is cached: the next poll forces a refresh once, and the integration is broken with Microsoft's message in that poll", () =>
    withServiceLogs(async () => {
      const t = tenant(0);
      const integration = await stack.createIntegration(t, "App deleted");
      const first = await firstPoll(stack, integration.id);
      assert.equal(
        (await stack.poll(first, integration.id, (p) => p.committedAt !== null, 300_000)).status,
        "succeeded",
      );
      assert.equal(forced(integration.id).length, 0);

      // Auth's msal cache still holds a valid token of the app; Graph now refuses it (401).
      await stack.sim.control.deleteApp(t.tenantId);
      const second = await stack.startPoll(integration.id);
      const failed = await stack.poll(second, integration.id, (p) => p.committedAt !== null);

      assert.equal(failed.status, "failed");
      assert.match(
        failed.error ?? "",
        /^Access token lost during the poll: App .* was not found in tenant .*AADSTS700016/,
      );
      assert.match(failed.error ?? "", /Microsoft said: AADSTS700016: /);
      assert.equal(forced(integration.id).length, 1, "one forced refresh, not a replay per request");
      const now = await stack.bus.request(IntegrationGet, { workspaceId: "default", id: integration.id });
      assert.equal(now.status, "broken");
      assert.match(
        now.statusReason ?? "",
        /\(AADSTS700016\)\. .* Microsoft said: AADSTS700016: Application with identifier/,
      );
      // Later resources were not even tried with the dead token.
      const notRead = failed.resources.filter((r) => r.reason?.startsWith("Not read: no access token"));
      assert.ok(notRead.length > 10, `${notRead.length} resources skipped`);
    }));

  it("a token Graph keeps refusing while the credentials are fine: at most one forced refresh per backoff step, the integration stays active", () =>
    withServiceLogs(async () => {
      const t = tenant(1);
      const integration = await stack.createIntegration(t, "Graph refuses");
      const first = await firstPoll(stack, integration.id);
      assert.equal(
        (await stack.poll(first, integration.id, (p) => p.committedAt !== null)).status,
        "succeeded",
      );

      // Six answers of 401 to valid tokens. A resource that meets one asks for a replacement (reads
      // running in parallel share it) and fails if the replacement is refused too. With at most
      // four reads at once, some read always meets two of the six: for none to, six reads would
      // each have met one and be waiting for their replacement at the same time. (With eight at
      // once, six parallel reads can each absorb one 401 and all succeed: a correct `succeeded`.)
      await stack.sim.control.setFaults([{ type: "status", status: 401, count: 6 }], t.tenantId);
      const second = await stack.startPoll(integration.id);
      const done = await stack.poll(second, integration.id, (p) => p.committedAt !== null);

      const refreshes = forced(integration.id);
      assert.ok(refreshes.length >= 1 && refreshes.length <= 6, `${refreshes.length} forced refreshes`);
      // Equal-jitter backoff: step k waits at least half of base × 2^k after the previous one.
      for (let k = 1; k < refreshes.length; k++) {
        const gap = (refreshes[k]?.at ?? 0) - (refreshes[k - 1]?.at ?? 0);
        assert.ok(
          gap >= (BACKOFF_BASE_MS * 2 ** (k - 1)) / 2,
          `forced refresh ${k + 1} came ${gap} ms after the previous one`,
        );
      }
      assert.equal(done.status, "partial");
      // Each refused resource met two 401s (before and after its replacement): at most three.
      const refused = done.resources.filter((r) => r.outcome === "failed");
      assert.ok(refused.length >= 1 && refused.length <= 3, `${refused.length} resources refused`);
      for (const r of refused) assert.match(r.reason ?? "", /HTTP 401 InvalidAuthenticationToken/);
      const now = await stack.bus.request(IntegrationGet, { workspaceId: "default", id: integration.id });
      assert.equal(now.status, "active");
    }));
});
