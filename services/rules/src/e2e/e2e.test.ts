import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bus } from "@tenantlens/bus";
import {
  AppError,
  IntegrationCreate,
  PollStart,
  QueryExecute,
  RuleCreate,
  RuleGet,
  ViolationList,
  ViolationSuppress,
} from "@tenantlens/contracts";
import { startSimulator } from "@tenantlens/entra-sim";
import { cleanup, connectTestBus, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { Observed, type Stack, startStack } from "./stack.js";

/**
 * Issue 8's proof on the real stack: nats-server, auth, store, query, poller and rules each as its own
 * process, the Entra simulator as the tenant. A mutation opens a violation exactly once, the fix
 * resolves it exactly once, a suppression hides it and its expiry reopens it, a second workspace sees
 * none of it, a rule whose query breaks reports an error and leaves its violations alone, and a
 * rules service killed while it works picks up without losing or doubling a transition.
 * "Did not happen" is shown by a later RunCompleted (published after every event of its run).
 */

const ACME = "acme";
const GLOBEX = "globex";
const DISABLED = "aad-disabled-accounts";

describe("end to end: simulator → poller → store → rules, over NATS", { timeout: 900_000 }, () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let stack: Stack;
  let bus: Bus;
  const seen = new Observed();
  let acme = "";
  let globex = "";
  let target = "";
  let tenantA = "";

  before(async () => {
    sim = await startSimulator({ seed: 8, tenants: [{ users: 150 }, { users: 40 }] });
    stack = await withServiceLogs(() =>
      startStack(sim, {
        POLL_INTERVAL_SECONDS: "0",
        GENERATION_DEBOUNCE_MS: "300",
        QUERY_WORKERS: "2",
        RULES_ACK_WAIT_SECONDS: "10",
      }),
    );
    bus = await connectTestBus(stack.nats, { service: "gateway", label: "rules-e2e" });
    await seen.follow(bus, "rules-e2e-observer");
    tenantA = sim.tenants[0]!.tenantId;
    // A member the test will break and fix, created before the first poll so it is part of the baseline.
    const created = await sim.control.createObject(tenantA, "user", {
      displayName: "E2E Target",
      userType: "Member",
      accountEnabled: true,
      department: "Engineering",
    });
    target = created.id;
  });

  after(async () => {
    await bus?.drain();
    await stack?.stop();
    await sim?.stop();
    await cleanup();
  });

  const connect = async (workspaceId: string, t: (typeof sim.tenants)[number]) => {
    const { integration } = await bus.request(
      IntegrationCreate,
      {
        workspaceId,
        name: `${workspaceId} tenant`,
        tenantId: t.tenantId,
        auth: { mode: "app", clientId: t.clientId, clientSecret: t.clientSecret },
      },
      { timeoutMs: 30_000 },
    );
    return integration.id;
  };

  /**
   * Every change the tests make after the first collection is to users: later polls read only them
   * (a whole catalog each time would cost ~10 s a poll), and every rule is still judged on the
   * generation they commit.
   */
  const resources = ["users"];

  /** Polls the integration's users and returns the rules run of the generation that committed them. */
  const pollAndJudge = async (workspaceId: string, integrationId: string) => {
    const { pollId } = await bus.request(
      PollStart,
      { workspaceId, integrationId, resources, reason: "manual" },
      { timeoutMs: 30_000 },
    );
    const g = await waitFor(() => seen.generations.find((x) => x.pollIds.includes(pollId)), {
      what: `generation of ${pollId}`,
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    return seen.run(
      (r) => r.workspaceId === workspaceId && r.generationId >= g.generationId && r.trigger === "generation",
      `run after ${pollId}`,
    );
  };

  const setUser = (properties: Record<string, unknown>, id = target) =>
    sim.control.updateObject(tenantA, id, properties);

  it("judges each workspace's first collection", () =>
    withServiceLogs(async () => {
      acme = await connect(ACME, sim.tenants[0]!);
      globex = await connect(GLOBEX, sim.tenants[1]!);
      const a = await seen.run(
        (r) => r.workspaceId === ACME && r.trigger === "generation",
        "acme's first run",
      );
      const b = await seen.run(
        (r) => r.workspaceId === GLOBEX && r.trigger === "generation",
        "globex's first run",
      );
      assert.deepEqual(a.integrationIds, [acme]);
      assert.deepEqual(b.integrationIds, [globex]);
      assert.ok(a.rules >= 60 && a.passing > 0 && a.failing > 0, JSON.stringify(a));
      assert.equal(a.errors, 0, "no managed rule fails on the simulator's data");
      const open = await bus.request(ViolationList, { workspaceId: ACME, limit: 1000 });
      assert.ok(open.total > 0);
      assert.ok(open.violations.every((v) => v.integrationId === acme));
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, target), []);
    }));

  it("opens a violation once for a mutation, resolves it once when fixed", () =>
    withServiceLogs(async () => {
      await setUser({ accountEnabled: false });
      const opened = await pollAndJudge(ACME, acme);
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, target, opened.runId), ["opened"]);
      const unchanged = await pollAndJudge(ACME, acme);
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, target, unchanged.runId), []);

      await setUser({ accountEnabled: true });
      const fixed = await pollAndJudge(ACME, acme);
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, target, fixed.runId), ["resolved"]);
      const still = await pollAndJudge(ACME, acme);
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, target, still.runId), []);
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, target), ["opened", "resolved"]);
    }));

  it("hides a violation while suppressed and reopens it when the suppression expires", () =>
    withServiceLogs(async () => {
      await setUser({ accountEnabled: false });
      const reopened = await pollAndJudge(ACME, acme);
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, target, reopened.runId), ["reopened"]);

      // Long enough for a poll of the users and its run to finish first on a busy machine (a few
      // seconds on a quiet one; checked below).
      const expiresAt = new Date(Date.now() + 45_000).toISOString();
      const s = await bus.request(ViolationSuppress, {
        workspaceId: ACME,
        actor: "key_e2e",
        scope: "violation",
        ruleId: DISABLED,
        integrationId: acme,
        resourceId: target,
        reason: "parental leave",
        expiresAt,
      });
      assert.equal(s.suppressed, 1);
      await waitFor(
        () => seen.transitionsOf(ACME, DISABLED, target, s.suppression.suppressionId).length === 1,
        {
          what: "the suppressed transition",
          timeoutMs: 30_000,
        },
      );
      const listed = await bus.request(ViolationList, {
        workspaceId: ACME,
        ruleId: DISABLED,
        resourceId: target,
        limit: 10,
      });
      assert.deepEqual(
        listed.violations.map((v) => [v.state, v.suppression?.reason]),
        [["suppressed", "parental leave"]],
      );
      const open = await bus.request(ViolationList, {
        workspaceId: ACME,
        ruleId: DISABLED,
        status: "open",
        limit: 1000,
      });
      assert.ok(!open.violations.some((v) => v.resourceId === target), "hidden from open violations");
      // Collected again while suppressed: it stays hidden, no transition.
      const hidden = await pollAndJudge(ACME, acme);
      assert.ok(
        Date.parse(hidden.completedAt) < Date.parse(expiresAt),
        "the run after the poll finished before the suppression expired (else this proves nothing)",
      );
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, target, hidden.runId), []);

      const expiry = await seen.run(
        (r) => r.workspaceId === ACME && r.trigger === "suppression_expired",
        "expiry run",
        90_000,
      );
      assert.ok(Date.parse(expiry.completedAt) >= Date.parse(expiresAt));
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, target).slice(-2), ["suppressed", "reopened"]);
      const back = await bus.request(ViolationList, {
        workspaceId: ACME,
        ruleId: DISABLED,
        resourceId: target,
        limit: 10,
      });
      assert.equal(back.violations[0]?.state, "open");
    }));

  it("shows another workspace none of it, in the API and in its tables", () =>
    withServiceLogs(async () => {
      const other = await bus.request(ViolationList, {
        workspaceId: GLOBEX,
        resourceId: target,
        status: ["open", "resolved", "suppressed"],
        limit: 10,
      });
      assert.equal(other.total, 0);
      assert.ok(
        seen.changes.filter((c) => c.workspaceId === GLOBEX).every((c) => c.integrationId === globex),
      );
      const count = async (workspaceId: string) => {
        const r = await bus.request(QueryExecute, {
          workspaceId,
          actor: "key_e2e",
          format: "json",
          sql: `SELECT count(*) AS n FROM rule_violation_events WHERE resource_id = '${target}' AND rule_id = '${DISABLED}'`,
        });
        return Number(r.rows?.[0]?.n);
      };
      // The store has written every transition of the target (opened, resolved, reopened, suppressed, reopened).
      await waitFor(async () => (await count(ACME)) === 5, {
        what: "the target's history in rule_violation_events",
        timeoutMs: 60_000,
      });
      assert.equal(await count(GLOBEX), 0);
    }));

  it("records an error for a rule whose query breaks and leaves its violations as they were", () =>
    withServiceLogs(async () => {
      const sql = `SELECT integration_id, 'azuread_user' AS "table", id AS resource_id, display_name
FROM azuread_user
WHERE department = 'Engineering'
   OR (CASE WHEN department = 'Sabotage' THEN error('column department_code does not exist') END) IS NOT NULL`;
      const { rule, dryRun } = await bus.request(
        RuleCreate,
        {
          workspaceId: ACME,
          actor: "key_e2e",
          rule: {
            title: "Engineering accounts",
            description: "",
            rationale: "",
            severity: "low",
            tags: [],
            remediation: { text: "Review" },
            references: [],
            queries: [{ sql }],
            evaluation: { kind: "any_row" },
            packs: ["e2e"],
          },
          enabled: true,
        },
        { timeoutMs: 60_000 },
      );
      assert.ok(dryRun.violations.some((v) => v.resourceId === target));
      await seen.run(
        (r) => r.workspaceId === ACME && r.trigger === "rule_changed",
        "first run of the custom rule",
      );
      assert.deepEqual(seen.transitionsOf(ACME, rule.id, target), ["opened"]);

      const refused = await bus
        .request(RuleCreate, {
          workspaceId: ACME,
          actor: "key_e2e",
          rule: {
            ...(await bus.request(RuleGet, { workspaceId: ACME, ruleId: rule.id, violationLimit: 100 })).rule,
            queries: [{ sql: "DELETE FROM azuread_user" }],
            packs: [],
          },
          enabled: true,
        })
        .catch((e: unknown) => e);
      assert.ok(refused instanceof AppError && refused.code === "bad_request", String(refused));

      const before = await bus.request(RuleGet, { workspaceId: ACME, ruleId: rule.id, violationLimit: 1000 });
      assert.ok(before.violations.some((v) => v.resourceId === target && v.state === "open"));
      // Someone else's department now makes the query fail: the rule reports an error, nothing resolves.
      const victim = (
        await sim.control.createObject(tenantA, "user", { displayName: "Saboteur", department: "Sabotage" })
      ).id;
      const broken = await pollAndJudge(ACME, acme);
      const evaluated = seen.evaluated.find((e) => e.runId === broken.runId && e.ruleId === rule.id);
      assert.equal(evaluated?.status, "error");
      assert.match(evaluated?.error ?? "", /department_code does not exist/);
      assert.deepEqual(
        seen.changes.filter((c) => c.runId === broken.runId && c.ruleId === rule.id),
        [],
        "no transition at all for the broken rule",
      );
      const after = await bus.request(RuleGet, { workspaceId: ACME, ruleId: rule.id, violationLimit: 1000 });
      assert.deepEqual(after.violations, before.violations, "every violation exactly as it was");
      assert.equal(after.rule.statuses[0]?.status, "error");
      await sim.control.deleteObject(tenantA, victim);
    }));

  it("survives a kill of the rules service mid-run without losing or doubling a transition", () =>
    withServiceLogs(async () => {
      const other = (
        await sim.control.createObject(tenantA, "user", { displayName: "Crash Probe", accountEnabled: true })
      ).id;
      await pollAndJudge(ACME, acme);
      await setUser({ accountEnabled: false }, other);
      const { pollId } = await bus.request(PollStart, {
        workspaceId: ACME,
        integrationId: acme,
        resources,
        reason: "manual",
      });
      const g = await waitFor(() => seen.generations.find((x) => x.pollIds.includes(pollId)), {
        what: "the generation to crash on",
        timeoutMs: 120_000,
        intervalMs: 20,
      });
      await stack.services.get("rules")?.kill();
      await stack.start("rules");
      const run = await seen.run(
        (r) => r.workspaceId === ACME && r.generationId >= g.generationId && r.trigger === "generation",
        "the run after the restart",
      );
      assert.ok(run);
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, other), ["opened"]);
      // And once more with nothing new: still one.
      const quiet = await pollAndJudge(ACME, acme);
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, other, quiet.runId), []);
      assert.deepEqual(seen.transitionsOf(ACME, DISABLED, other), ["opened"]);
    }));
});
