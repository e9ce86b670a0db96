import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Integration } from "@tenantlens/contracts";
import type { SimulatorTenant } from "@tenantlens/entra-sim";
import { compareIntegrations } from "@tenantlens/store/testing";
import { withServiceLogs } from "@tenantlens/testkit";
import { RUNNING_POLLS_BUCKET } from "./adapters/poll-state.js";
import { type CollectionStack, firstPoll, startCollectionStack } from "./testing/collection-stack.js";

/**
 * kill -9 in the middle of a collection, with real processes: the poller mid-poll, then auth while
 * the poller's token request is in flight. Three integrations of one simulated tenant: one polled
 * without interruption (the reference), one per kill. In the end each interrupted integration holds
 * exactly the reference's rows, current state and history, and no poll is left running.
 */
describe("kill -9 during collection", { timeout: 600_000 }, () => {
  let stack: CollectionStack;
  let tenant: SimulatorTenant;
  let reference: Integration;
  const interrupted: Integration[] = [];

  before(async () => {
    stack = await startCollectionStack(
      { seed: 21, tenants: [{ users: 120, groups: 20, applications: 8 }] },
      { PAGE_SIZE: "20", LEASE_TTL_SECONDS: "3" },
    );
    tenant = stack.sim.tenants[0] as SimulatorTenant;
    reference = await stack.createIntegration(tenant, "Uninterrupted");
    const p = await firstPoll(stack, reference.id);
    const done = await stack.poll(p, reference.id, (x) => x.committedAt !== null);
    assert.equal(done.status, "succeeded", done.error ?? "");
  });
  after(() => stack?.stop());

  it("the poller killed mid-poll: its successor resumes the poll where the checkpoints say and completes it", () =>
    withServiceLogs(async () => {
      // Slow answers keep the poll going long enough to be cut in the middle.
      await stack.sim.control.setFaults([{ type: "slow", delayMs: 40, count: 1_000_000 }], tenant.tenantId);
      const crashed = await stack.createIntegration(tenant, "Poller killed");
      interrupted.push(crashed);
      const p1 = await firstPoll(stack, crashed.id);
      await stack.poll(p1, crashed.id, (p) => p.status === "running" && p.changes.added > 0);
      await stack.services.get("poller")?.kill();
      // The kill landed mid-poll: the poller's own record of it is still there.
      const kv = await stack.bus.kv(RUNNING_POLLS_BUCKET);
      assert.equal((await kv.get(p1))?.operation, "PUT", "the poll was still running when the poller died");
      await stack.sim.control.clearFaults(tenant.tenantId);

      await stack.start("poller");
      const closed = await stack.poll(
        p1,
        crashed.id,
        (p) => p.status !== "running" && p.committedAt !== null,
      );
      assert.equal(closed.status, "succeeded", closed.error ?? "");
      const resumed = closed.resources.filter((r) => (r.attempts ?? 1) > 1);
      assert.ok(resumed.length >= 1, "at least the resource being read when the poller died was resumed");
      assert.notEqual((await kv.get(p1))?.operation, "PUT", "the closed poll left the registry");

      const p2 = await stack.startPoll(crashed.id);
      const done = await stack.poll(p2, crashed.id, (p) => p.committedAt !== null);
      assert.equal(done.status, "succeeded", done.error ?? "");
    }));

  it("auth killed while the poller's token request is in flight: the poller waits for its restart, the poll completes", () =>
    withServiceLogs(async () => {
      const control = stack.sim.control;
      // Tokens shorter than the 5-minute renewal margin: every Graph request asks auth, and auth
      // the identity platform, so a token request is always about to be made.
      await control.setTokenLifetime(120);
      try {
        const victim = await stack.createIntegration(tenant, "Auth killed");
        interrupted.push(victim);
        const p1 = await firstPoll(stack, victim.id);
        await stack.poll(p1, victim.id, (p) => p.status === "running" && p.changes.added > 0);

        // From now on the identity platform answers slowly; the next token request of this
        // integration kills auth while it waits for that answer.
        await control.updateIdentitySettings({ tokenDelayMs: 1_000 });
        const nc = stack.bus.nc;
        const answers: unknown[] = [];
        const killed = new Promise<void>((resolve) => {
          const spy = nc.subscribe("auth.token.get", {
            callback: (_err, m) => {
              if (!m.reply || (m.json() as { integrationId?: string }).integrationId !== victim.id) return;
              spy.unsubscribe();
              nc.subscribe(m.reply, {
                callback: (_e, answer) => {
                  answers.push(answer.data);
                },
              });
              void stack.services
                .get("auth")
                ?.kill()
                .then(() => resolve());
            },
          });
        });
        await killed;
        await control.updateIdentitySettings({ tokenDelayMs: 0 });
        await stack.start("auth");

        const done = await stack.poll(p1, victim.id, (p) => p.committedAt !== null);
        assert.equal(done.status, "succeeded", done.error ?? "");
        assert.deepEqual(answers, [], "the request auth died with was never answered");
      } finally {
        await control.updateIdentitySettings({ tokenDelayMs: 0 });
        await control.setTokenLifetime(3600);
      }
    }));

  it("leaves no poll running, and every interrupted integration holds exactly the reference's rows", async () => {
    for (const i of [reference, ...interrupted]) {
      for (const p of await stack.polls(i.id)) assert.notEqual(p.status, "running", `${i.name}: ${p.pollId}`);
    }
    assert.equal(await stack.services.get("store")?.stop(), 0);
    for (const i of interrupted) {
      const diffs = await compareIntegrations(stack.warehouseFile, reference.id, i.id);
      for (const d of diffs) {
        assert.equal(d.lost, 0, `${i.name}: ${d.table} lost ${d.lost} of ${d.rows} rows`);
        assert.equal(d.extra, 0, `${i.name}: ${d.table} has ${d.extra} rows too many`);
      }
      const users = diffs.find((d) => d.table === "azuread_user");
      assert.equal(users?.rows, (await stack.sim.control.stats(tenant.tenantId)).users.total);
      assert.ok(diffs.reduce((n, d) => n + d.rows, 0) > 500);
    }
  });
});
