import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AppError } from "@tenantlens/contracts";
import { cleanup, waitFor } from "@tenantlens/testkit";
import { compliantTenant, type Tables, workspaceTables } from "./testing/compliant-tenant.js";
import { type EngineHarness, startEngineHarness } from "./testing/engine-harness.js";

/**
 * The engine in-process over a real nats-server, its DuckDB state file and the query sandbox: violation
 * lifecycle, statuses and scores, redeliveries, suppressions with expiry, custom rules with dry runs,
 * a rule whose query breaks, and workspaces kept apart.
 */

const WS = "acme";
const OTHER = "globex";
const A = "int_acmetenant01";
const B = "int_globextenant1";
const DISABLED = "aad-disabled-accounts";

/** The compliant tenant with these users disabled. */
function tenant(disabled: string[]): Tables {
  const t = compliantTenant();
  for (const u of t.azuread_user ?? []) if (disabled.includes(String(u.id))) u.account_enabled = false;
  return t;
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  assert.fail("expected an AppError");
}

describe("rules engine", () => {
  let h: EngineHarness;
  before(async () => {
    h = await startEngineHarness();
  });
  after(async () => {
    await h?.close();
    await cleanup();
  });

  const evaluate = async (ws: string, tables: Tables) => {
    const g = await h.commit(ws, tables);
    assert.equal(await h.engine.onGeneration(g), "evaluated");
    return h.events.run((r) => r.runId === `${ws}.g${g.generationId}`, `run of generation ${g.generationId}`);
  };

  it("opens violations of a new generation, once, with statuses, scores and the run last", async () => {
    const run = await evaluate(WS, workspaceTables([{ integrationId: A, tables: tenant(["u-member2"]) }]));
    assert.equal(run.trigger, "generation");
    assert.deepEqual(run.integrationIds, [A]);
    assert.equal(h.events.transitions(run.runId, DISABLED).join(), "u-member2:opened");
    const status = h.events.statuses.find((s) => s.runId === run.runId && s.ruleId === DISABLED);
    assert.deepEqual([status?.from, status?.to, status?.violationCount], [null, "failing", 1]);
    assert.ok(h.events.evaluated.filter((e) => e.runId === run.runId).length >= 90);
    const scores = h.events.scores.filter((s) => s.runId === run.runId);
    assert.deepEqual(scores.map((s) => s.packId).sort(), ["cisa-ms-aad", "eidsca", "essentials"]);
    const eidsca = scores.find((s) => s.packId === "eidsca");
    // 44 EIDSCA rules, one of them an inventory (severity info) that scores do not count.
    assert.deepEqual([eidsca?.score, eidsca?.evaluated, eidsca?.previousScore], [100, 43, null]);
    // The managed rules were published to the workspace first.
    assert.ok(h.events.rules.filter((r) => r.rule.workspaceId === WS && r.change === "created").length >= 90);
    const listed = await h.admin.violations(WS, { ruleId: DISABLED, limit: 10 });
    assert.deepEqual(
      listed.violations.map((v) => [v.resourceId, v.state, v.integrationId]),
      [["u-member2", "open", A]],
    );
  });

  it("resolves what was fixed and opens what broke, exactly once; unchanged data changes nothing", async () => {
    const second = await evaluate(WS, workspaceTables([{ integrationId: A, tables: tenant(["u-member1"]) }]));
    assert.deepEqual(h.events.transitions(second.runId, DISABLED), [
      "u-member1:opened",
      "u-member2:resolved",
    ]);
    const resolved = h.events.changes
      .find((c) => c.runId === second.runId && c.ruleId === DISABLED)
      ?.changes.find((c) => c.resourceId === "u-member2");
    assert.equal(resolved?.state, "resolved");
    assert.ok(resolved?.resolvedAt);

    const third = await evaluate(WS, workspaceTables([{ integrationId: A, tables: tenant(["u-member1"]) }]));
    assert.deepEqual(moved(third.transitions), {});
    assert.deepEqual(h.events.transitions(third.runId), []);

    // A redelivered or late trigger, and a generation without new collected data, do nothing.
    assert.equal(
      await h.engine.onGeneration({ workspaceId: WS, generationId: 2, pollIds: ["poll_fixture00000002"] }),
      "already evaluated",
    );
    assert.equal(
      await h.engine.onGeneration({ workspaceId: WS, generationId: 9, pollIds: [] }),
      "no new data",
    );
    const again = await evaluate(WS, workspaceTables([{ integrationId: A, tables: tenant(["u-member2"]) }]));
    assert.deepEqual(h.events.transitions(again.runId, DISABLED), [
      "u-member1:resolved",
      "u-member2:reopened",
    ]);
  });

  it("keeps another workspace's rows and violations apart", async () => {
    const run = await evaluate(OTHER, workspaceTables([{ integrationId: B, tables: tenant([]) }]));
    assert.deepEqual(h.events.transitions(run.runId, DISABLED), []);
    assert.equal((await h.admin.violations(OTHER, { ruleId: DISABLED, limit: 10 })).total, 0);
    assert.equal((await h.admin.violations(WS, { ruleId: DISABLED, limit: 10 })).total, 1);
  });

  it("suppresses a violation at once, re-evaluates its rule, and lifts it again", async () => {
    const { suppression, suppressed } = await h.suppressions.suppress({
      workspaceId: WS,
      actor: "key_alice",
      scope: "violation",
      ruleId: DISABLED,
      integrationId: A,
      resourceId: "u-member2",
      reason: "leaver, mailbox kept for legal hold",
    });
    assert.equal(suppressed, 1);
    const change = await h.events.changesOf(suppression.suppressionId);
    assert.deepEqual(
      change.changes.map((c) => [c.transition, c.state, c.actor, c.reason]),
      [["suppressed", "suppressed", "key_alice", "leaver, mailbox kept for legal hold"]],
    );
    // The re-evaluation that follows sees nothing open: the rule passes now.
    const refresh = await h.events.run(
      (r) => r.trigger === "manual" && r.workspaceId === WS,
      "re-evaluation",
    );
    assert.deepEqual(moved(refresh.transitions), {});
    const status = h.events.statuses.find((s) => s.runId === refresh.runId && s.ruleId === DISABLED);
    assert.deepEqual([status?.from, status?.to], ["failing", "passing"]);
    const hidden = await h.admin.violations(WS, { ruleId: DISABLED, limit: 10 });
    assert.equal(hidden.violations[0]?.state, "suppressed");
    assert.equal(hidden.violations[0]?.suppression?.reason, "leaver, mailbox kept for legal hold");

    const notThere = await refusal(
      h.suppressions.suppress({
        workspaceId: WS,
        actor: "key_alice",
        scope: "violation",
        ruleId: DISABLED,
        integrationId: A,
        resourceId: "u-nobody",
        reason: "x",
      }),
    );
    assert.equal(notThere.code, "not_found");

    const lifted = await h.suppressions.unsuppress({
      workspaceId: WS,
      actor: "key_bob",
      suppressionId: suppression.suppressionId,
    });
    assert.equal(lifted.unsuppressed, 1);
    assert.equal(lifted.suppression.state, "lifted");
    const back = await h.events.changesOf(`${suppression.suppressionId}.lifted`);
    assert.deepEqual(
      back.changes.map((c) => [c.transition, c.state, c.actor]),
      [["unsuppressed", "open", "key_bob"]],
    );
    const stored = await h.suppressions.list(WS, undefined, 10);
    assert.equal(stored.find((s) => s.suppressionId === suppression.suppressionId)?.endedBy, "key_bob");
  });

  it("reopens what a resource suppression hid once it expires, in a suppression_expired run", async () => {
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const { suppression } = await h.suppressions.suppress({
      workspaceId: WS,
      actor: "key_alice",
      scope: "resource",
      resourceId: "u-member2",
      reason: "under investigation",
      expiresAt,
    });
    assert.equal(suppression.scope, "resource");
    // The timer fires at expiry; RunCompleted of the expiry run follows its reopening.
    const run = await h.events.run((r) => r.trigger === "suppression_expired", "expiry run");
    const reopened = h.events.changes.find((c) => c.runId === `${suppression.suppressionId}.expired`);
    assert.deepEqual(
      reopened?.changes.map((c) => [c.resourceId, c.transition, c.state, c.reason]),
      [["u-member2", "reopened", "open", "suppression expired"]],
    );
    assert.ok(Date.parse(run.completedAt) >= Date.parse(expiresAt));
    assert.ok(
      h.events.suppressions.some(
        (s) => s.change === "expired" && s.suppression.suppressionId === suppression.suppressionId,
      ),
    );
  });

  it("refuses custom rules whose SQL fails or writes, saves nothing, then creates one after a dry run", async () => {
    const before = (await h.admin.list(WS, { managed: false })).length;
    const bad = await refusal(
      h.admin.create(
        WS,
        "key_alice",
        rule("SELECT integration_id, id AS resource_id FROM azuread_user WHERE no_such_column"),
        true,
      ),
    );
    assert.equal(bad.code, "bad_request");
    assert.match(bad.message, /no_such_column/);
    const write = await refusal(h.admin.create(WS, "key_alice", rule("DROP VIEW azuread_user"), true));
    assert.equal(write.code, "bad_request");
    assert.match(write.message, /read-only/);
    const columns = await refusal(h.admin.create(WS, "key_alice", rule("SELECT id FROM azuread_user"), true));
    assert.match(columns.message, /resource_id/);
    const managedPack = await refusal(
      h.admin.create(WS, "key_alice", { ...rule("SELECT 1 AS resource_id"), packs: ["eidsca"] }, true),
    );
    assert.match(managedPack.message, /managed pack/);
    assert.equal((await h.admin.list(WS, { managed: false })).length, before);

    const sql = `SELECT integration_id, 'azuread_user' AS "table", id AS resource_id, display_name,
      json_object('department', department) AS details
    FROM azuread_user WHERE department = 'Sales'`;
    const withSales = tenant(["u-member2"]);
    for (const u of withSales.azuread_user ?? []) if (u.id === "u-member1") u.department = "Sales";
    await evaluate(WS, workspaceTables([{ integrationId: A, tables: withSales }]));
    const created = await h.admin.create(WS, "key_alice", { ...rule(sql), packs: ["hygiene"] }, true);
    assert.match(created.rule.id, /^rule_/);
    assert.equal(created.rule.version, "1");
    assert.deepEqual(
      created.dryRun.violations.map((v) => v.resourceId),
      ["u-member1"],
    );
    const run = await h.events.run((r) => r.trigger === "rule_changed", "rule_changed run");
    assert.deepEqual(h.events.transitions(run.runId, created.rule.id), ["u-member1:opened"]);
    assert.ok(h.events.scores.some((s) => s.runId === run.runId && s.packId === "hygiene"));
    const packs = await h.admin.packs(WS);
    assert.deepEqual(packs.find((p) => p.packId === "hygiene")?.rules, 1);

    // A rule whose column disappears: error recorded, its violation stays exactly as it was.
    const gone = tenant(["u-member2"]);
    for (const u of gone.azuread_user ?? []) delete u.department;
    const g = await h.commit(WS, workspaceTables([{ integrationId: A, tables: gone }]), {
      schemas: { azuread_user: userColumnsWithout("department") },
    });
    assert.equal(await h.engine.onGeneration(g), "evaluated");
    const broken = await h.events.run(
      (r) => r.runId === `${WS}.g${g.generationId}`,
      "run with a broken rule",
    );
    const evaluated = h.events.evaluated.find(
      (e) => e.runId === broken.runId && e.ruleId === created.rule.id,
    );
    assert.equal(evaluated?.status, "error");
    assert.match(evaluated?.error ?? "", /department/);
    assert.equal(evaluated?.violationCount, 1);
    assert.deepEqual(h.events.transitions(broken.runId, created.rule.id), []);
    const still = await h.admin.get(WS, created.rule.id, 10);
    assert.deepEqual(
      still.violations.map((v) => [v.resourceId, v.state]),
      [["u-member1", "open"]],
    );
    assert.equal(still.rule.statuses[0]?.status, "error");

    // Managed rules are not editable, only disabled; custom rules can be deleted.
    const edit = await refusal(h.admin.update(WS, DISABLED, "key_alice", { rule: { title: "mine now" } }));
    assert.equal(edit.code, "bad_request");
    const off = await h.admin.update(WS, DISABLED, "key_alice", { enabled: false });
    assert.equal(off.rule.enabled, false);
    assert.equal(
      (await h.admin.violations(WS, { ruleId: DISABLED, limit: 10 })).total,
      0,
      "hidden while disabled",
    );
    await h.admin.remove(WS, created.rule.id, "key_alice");
    const deleted = await waitFor(
      () => h.events.changes.find((c) => c.ruleId === created.rule.id && c.runId.startsWith("del_")),
      { what: "resolutions of the deleted rule" },
    );
    assert.deepEqual(
      deleted.changes.map((c) => [c.resourceId, c.transition, c.reason]),
      [["u-member1", "resolved", "rule deleted"]],
    );
    assert.equal((await refusal(h.admin.get(WS, created.rule.id, 10))).code, "not_found");
  });

  it("splits a large run's changes into messages under the size limit (64 kB here), each change once", async () => {
    const users = (compliantTenant().azuread_user ?? []).length;
    const sql = `SELECT u.integration_id, u.id || '-' || i AS resource_id, repeat('x', 900) AS display_name
      FROM azuread_user u, range(100) t(i)`;
    const created = await h.admin.create(OTHER, "key_bob", { ...rule(sql), packs: ["bulk"] }, true);
    assert.equal(created.dryRun.integrations[0]?.violationCount, users * 100);
    const run = await h.events.run(
      (r) => r.workspaceId === OTHER && r.trigger === "rule_changed",
      "bulk run",
    );
    const check = (runId: string, transition: string) => {
      const parts = h.events.changes.filter((c) => c.runId === runId && c.ruleId === created.rule.id);
      assert.ok(parts.length > 5, `${parts.length} parts`);
      assert.deepEqual(
        parts.map((p) => [p.part, p.parts]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
        parts.map((_, i) => [i, parts.length]),
      );
      for (const p of parts) assert.ok(Buffer.byteLength(JSON.stringify(p)) <= 64_000);
      const changes = parts.flatMap((p) => p.changes);
      assert.equal(changes.length, users * 100);
      assert.equal(new Set(changes.map((c) => c.resourceId)).size, users * 100);
      assert.ok(changes.every((c) => c.transition === transition && c.displayName === "x".repeat(900)));
    };
    check(run.runId, "opened");
    assert.equal(run.transitions.opened, users * 100);
    // Deleting the rule resolves them all, split the same way.
    await h.admin.remove(OTHER, created.rule.id, "key_bob");
    const del = await waitFor(
      () => h.events.changes.find((c) => c.ruleId === created.rule.id && c.runId.startsWith("del_")),
      { what: "resolutions of the bulk rule" },
    );
    await waitFor(
      () => (h.events.changes.filter((c) => c.runId === del.runId).length === del.parts ? true : undefined),
      { what: "every part of the resolutions" },
    );
    check(del.runId, "resolved");
  });
});

/** The transition kinds a run counted at least once. */
function moved(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).filter(([, n]) => n > 0));
}

function rule(sql: string) {
  return {
    title: "Test rule",
    description: "",
    rationale: "",
    severity: "medium" as const,
    tags: [],
    remediation: { text: "Fix it" },
    references: [],
    queries: [{ sql }],
    evaluation: { kind: "any_row" as const },
    packs: [],
  };
}

/** azuread_user's warehouse columns without one (a property Graph stopped returning). */
function userColumnsWithout(column: string): Array<[string, string]> {
  return userColumns().filter(([c]) => c !== column);
}

import { warehouseSchema } from "@tenantlens/query/testing";

function userColumns(): Array<[string, string]> {
  const cols = warehouseSchema("azuread_user");
  assert.ok(cols);
  return cols;
}
