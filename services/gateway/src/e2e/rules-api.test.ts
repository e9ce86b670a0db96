import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startSimulator } from "@tenantlens/entra-sim";
import { cleanup, waitFor, withServiceLogs } from "@tenantlens/testkit";
import type { z } from "zod";
import {
  createRule,
  deleteRule,
  getRule,
  liftSuppression,
  listPacks,
  listRules,
  listViolations,
  runRules,
  suppressViolation,
} from "../routes/rules.js";
import { api, runCli, type System, startSystem } from "./system.js";

/**
 * Rules over REST on the real stack (every service its own process, the simulator as the tenant):
 * packs with scores, rules and violations, a suppression and its lifting, a custom rule whose SQL
 * fails is refused with DuckDB's message and not saved, a good one is dry-run, saved, run and deleted.
 */

type Out<R extends { success: { schema?: z.ZodType } }> = z.output<NonNullable<R["success"]["schema"]>>;

async function ok<
  R extends { success: { status: number; schema?: z.ZodType }; method: string; path: string },
>(route: R, res: { status: number; body: unknown }): Promise<Out<R>> {
  assert.equal(
    res.status,
    route.success.status,
    `${route.method} ${route.path}: ${JSON.stringify(res.body)}`,
  );
  return route.success.schema?.parse(res.body) as Out<R>;
}

describe("rules over REST, on the real stack", { timeout: 600_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let sys: System;
  let integrationId = "";
  let disabledUser = "";

  before(async () => {
    sim = await startSimulator({ seed: 11, tenants: [{ users: 60 }] });
    const tenant = sim.tenants[0]!;
    disabledUser = (
      await sim.control.createObject(tenant.tenantId, "user", {
        displayName: "Rules API Disabled",
        userType: "Member",
        accountEnabled: false,
      })
    ).id;
    sys = await withServiceLogs(() =>
      startSystem(sim, { POLL_INTERVAL_SECONDS: "0", GENERATION_DEBOUNCE_MS: "300" }),
    );
    const created = await api<{ id: string }>(sys, "POST", "/api/integrations", {
      body: {
        name: "Rules API tenant",
        tenantId: tenant.tenantId,
        auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    integrationId = created.body.id;
  });

  after(async () => {
    await sys?.stop();
    await sim?.stop();
    await cleanup();
  });

  it("evaluates the managed packs after the first collection and scores them", () =>
    withServiceLogs(async () => {
      const packs = await waitFor(
        async () => {
          const res = await ok(listPacks, await api(sys, "GET", "/api/packs"));
          const essentials = res.packs.find((p) => p.packId === "essentials");
          return essentials?.scores.some((s) => s.integrationId === integrationId) ? res : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 500, what: "the first rules run to score the packs" },
      );
      assert.deepEqual(
        ["cisa-ms-aad", "eidsca", "essentials"].filter((id) => packs.packs.some((p) => p.packId === id)),
        ["cisa-ms-aad", "eidsca", "essentials"],
      );
      const cli = await runCli(sys, ["packs"]);
      assert.equal(cli.code, 0, cli.err);
      assert.match(cli.out, /essentials .*Rules API tenant|essentials .*int_/);
      const rules = await ok(listRules, await api(sys, "GET", "/api/rules?pack=essentials&managed=true"));
      assert.ok(rules.rules.some((r) => r.id === "aad-disabled-accounts"));
      assert.ok(rules.rules.every((r) => r.managed && r.packs.includes("essentials")));
    }));

  it("lists a violation, suppresses it with a reason, and lifting the suppression reopens it", () =>
    withServiceLogs(async () => {
      const url = "/api/violations?rule=aad-disabled-accounts&limit=1000";
      const open = await ok(listViolations, await api(sys, "GET", url));
      const mine = open.violations.find((v) => v.resourceId === disabledUser);
      assert.ok(mine, "the disabled account is an open violation");
      assert.equal(mine.state, "open");

      const sup = await ok(
        suppressViolation,
        await api(sys, "POST", "/api/violations/suppress", {
          body: {
            ruleId: "aad-disabled-accounts",
            integrationId,
            resourceId: disabledUser,
            reason: "leaver kept for legal hold",
          },
        }),
      );
      assert.equal(sup.suppressed, 1);
      const suppressed = await ok(listViolations, await api(sys, "GET", `${url}&status=suppressed`));
      const hidden = suppressed.violations.find((v) => v.resourceId === disabledUser);
      assert.equal(hidden?.suppression?.reason, "leaver kept for legal hold");
      const stillOpen = await ok(listViolations, await api(sys, "GET", `${url}&status=open`));
      assert.ok(!stillOpen.violations.some((v) => v.resourceId === disabledUser), "it left the open list");

      // The CLI prints the same, through the same routes.
      const cli = await runCli(sys, [
        "violations",
        "--rule",
        "aad-disabled-accounts",
        "--status",
        "suppressed",
      ]);
      assert.equal(cli.code, 0, cli.err);
      assert.match(cli.out, /aad-disabled-accounts .*Rules API Disabled .*suppressed/);

      const lifted = await ok(
        liftSuppression,
        await api(sys, "DELETE", `/api/suppressions/${sup.suppression.suppressionId}`),
      );
      assert.equal(lifted.unsuppressed, 1);
      const reopened = await ok(listViolations, await api(sys, "GET", `${url}&status=open`));
      assert.ok(reopened.violations.some((v) => v.resourceId === disabledUser));
      const again = await api(sys, "DELETE", `/api/suppressions/${sup.suppression.suppressionId}`);
      assert.equal(again.status, 409, "a suppression ends once");
    }));

  it("refuses a custom rule whose SQL fails and saves nothing; dry-runs, saves, runs and deletes a good one", () =>
    withServiceLogs(async () => {
      const broken = await api<{ error: { code: string; message: string } }>(sys, "POST", "/api/rules", {
        body: {
          title: "Broken",
          severity: "low",
          remediation: { text: "n/a" },
          queries: [{ sql: "SELECT id AS resource_id FROM azuread_user WHERE no_such_column" }],
        },
      });
      assert.equal(broken.status, 400);
      assert.match(broken.body.error.message, /no_such_column/);
      const before = await ok(listRules, await api(sys, "GET", "/api/rules?managed=false"));
      assert.deepEqual(before.rules, [], "nothing was saved");

      const created = await ok(
        createRule,
        await api(sys, "POST", "/api/rules", {
          body: {
            title: "Disabled members (custom)",
            severity: "medium",
            remediation: { text: "Delete or re-enable the account." },
            references: [{ framework: "Internal", id: "SEC-7" }],
            queries: [
              {
                sql: `SELECT integration_id, 'azuread_user' AS "table", id AS resource_id, display_name
                      FROM azuread_user WHERE NOT account_enabled AND user_type = 'Member'`,
              },
            ],
          },
        }),
      );
      assert.ok(
        created.dryRun.violations.some((v) => v.resourceId === disabledUser),
        "the dry run found it",
      );
      const id = created.rule.id;
      const run = await ok(
        runRules,
        await api(sys, "POST", "/api/rules/run", { body: { ruleIds: [id], wait: true } }),
      );
      assert.equal(run.status, "completed");
      const got = await ok(getRule, await api(sys, "GET", `/api/rules/${id}`));
      assert.ok(got.violations.some((v) => v.resourceId === disabledUser));
      assert.equal(got.rule.statuses.find((s) => s.integrationId === integrationId)?.status, "failing");
      await ok(deleteRule, await api(sys, "DELETE", `/api/rules/${id}`));
      assert.equal((await api(sys, "GET", `/api/rules/${id}`)).status, 404);
      const managed = await api(sys, "DELETE", "/api/rules/aad-disabled-accounts");
      assert.equal(managed.status, 400, "managed rules are disabled, not deleted");
    }));
});
