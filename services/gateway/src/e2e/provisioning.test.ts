import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Operation, ProvisioningState } from "@tenantlens/contracts";
import { caFetch, type Simulator, type SimulatorTenant, startSimulator } from "@tenantlens/entra-sim";
import { cleanup, waitFor, withServiceLogs } from "@tenantlens/testkit";
import { api, type QueryAnswer, runCli, type System, startSystem } from "./system.js";

/**
 * User provisioning through every real service and the simulator: the write upgrade (app-mode
 * application permissions), each operation, dry runs that write nothing, idempotency, a step that
 * fails half-way, protected accounts, and the audit trail in `provisioning_operations` and in the
 * history tables after the next collection.
 */

interface ErrorBody {
  error: { code: string; message: string };
}

describe("end to end: user provisioning", { timeout: 600_000 }, () => {
  let sim: Simulator;
  let sys: System;
  let id = "";
  let tenant: SimulatorTenant;
  let groupA = "";
  let groupB = "";
  const password = "Pr0vision-Secret-9911";

  const run = (body: unknown, signal?: AbortSignal) =>
    api<Operation & ErrorBody>(sys, "POST", `/api/integrations/${id}/provisioning/operations`, {
      body,
      ...(signal ? { signal } : {}),
    });

  /** Write requests (anything but GET) the simulator answered for the tenant since `after`. */
  async function writesSince(after: number): Promise<{ method: string; path: string; status: number }[]> {
    const { requests } = await sim.control.requests(tenant.tenantId, after);
    return requests.filter((r) => r.method !== "GET");
  }

  async function lastSeq(): Promise<number> {
    const { requests } = await sim.control.requests(tenant.tenantId, 0);
    return requests.at(-1)?.seq ?? 0;
  }

  async function user(userId: string): Promise<Record<string, unknown>> {
    return (await sim.control.getObject(tenant.tenantId, userId)).object as Record<string, unknown>;
  }

  /** Members of a group this test created (all of them came through the change log). */
  async function members(groupId: string): Promise<string[]> {
    const { changes } = await sim.control.changes(tenant.tenantId, 0);
    const out = new Set<string>();
    for (const c of changes) {
      if (c.id !== groupId || !c.memberId) continue;
      if (c.kind === "group" && c.type === "memberAdded") out.add(c.memberId);
      if (c.kind === "group" && c.type === "memberRemoved") out.delete(c.memberId);
    }
    return [...out];
  }

  async function sql(query: string): Promise<Record<string, unknown>[]> {
    const res = await api<QueryAnswer>(sys, "POST", "/api/query", { body: { sql: query } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.rows;
  }

  async function committedPoll(after?: string): Promise<string> {
    return waitFor(
      async () => {
        const res = await api<{ lastPoll?: { pollId: string; status: string } | null }>(
          sys,
          "GET",
          `/api/integrations/${id}`,
        );
        const p = res.body.lastPoll;
        if (p?.status === "failed") throw new Error(`poll failed: ${JSON.stringify(res.body)}`);
        return p && p.pollId !== after && (p.status === "succeeded" || p.status === "partial")
          ? p.pollId
          : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 500, what: "a committed poll" },
    );
  }

  before(async () => {
    sim = await startSimulator({ seed: 12, tenants: [{ users: 20 }] });
    const t = sim.tenants[0];
    if (!t) throw new Error("no simulator tenant");
    tenant = t;
    // The tenant's seeded app also plays Tenantlens's own app for the delegated test at the end.
    sys = await withServiceLogs(() =>
      startSystem(sim, {
        POLL_INTERVAL_SECONDS: "0",
        POLL_RESOURCES: "users,groups",
        // A running operation not renewed for 3 s is a dead provisioner's (renewed every 0.75 s).
        PROVISIONER_STALE_SECONDS: "3",
        TENANTLENS_CLIENT_ID: t.clientId,
        TENANTLENS_CLIENT_SECRET: t.clientSecret,
      }),
    );
    const created = await api<{ id: string; status: string }>(sys, "POST", "/api/integrations", {
      body: {
        name: "Provisioned",
        tenantId: t.tenantId,
        auth: { mode: "app", clientId: t.clientId, clientSecret: t.clientSecret },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    id = created.body.id;
    // The poll every new integration gets; later polls are started by the tests.
    createPoll = await committedPoll();
    groupA = (await sim.control.createObject(t.tenantId, "group", { displayName: "Provisioning A" })).id;
    groupB = (await sim.control.createObject(t.tenantId, "group", { displayName: "Provisioning B" })).id;
  });

  after(async () => {
    await sys?.stop();
    await sim?.stop();
    await cleanup();
  });

  it("refuses every operation with 403 provisioning_not_enabled until the application permissions are granted", () =>
    withServiceLogs(async () => {
      const before = await lastSeq();
      const refused = await run({
        requestId: "req-before-upgrade",
        operation: { kind: "disable_user", userId: tenant.tenantId },
      });
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, "provisioning_not_enabled");
      const dry = await run({ dryRun: true, operation: { kind: "enable_user", userId: "x@y.example" } });
      assert.equal(dry.status, 403);
      const state = await api<ProvisioningState>(sys, "GET", `/api/integrations/${id}/provisioning`);
      assert.equal(state.body.status, "off");
      const enable = await api<ErrorBody>(sys, "POST", `/api/integrations/${id}/provisioning/enable`);
      assert.equal(enable.status, 403, JSON.stringify(enable.body));
      assert.equal(enable.body.error.code, "provisioning_not_enabled");
      assert.match(enable.body.error.message, /User\.ReadWrite\.All and GroupMember\.ReadWrite\.All/);

      // Half the grant is still not enough, and the message names what is missing.
      await sim.control.setPermission(tenant.tenantId, {
        kind: "application",
        permission: "User.ReadWrite.All",
        granted: true,
      });
      const half = await api<ErrorBody>(sys, "POST", `/api/integrations/${id}/provisioning/enable`);
      assert.equal(half.status, 403);
      assert.match(half.body.error.message, /lacks the application permission GroupMember\.ReadWrite\.All/);
      await sim.control.setPermission(tenant.tenantId, {
        kind: "application",
        permission: "GroupMember.ReadWrite.All",
        granted: true,
      });
      const on = await api<ProvisioningState>(sys, "POST", `/api/integrations/${id}/provisioning/enable`);
      assert.equal(on.status, 200, JSON.stringify(on.body));
      assert.equal(on.body.status, "on");
      assert.deepEqual(await writesSince(before), [], "nothing was written while refused");
    }));

  let created = "";
  let createPoll = "";
  let firstPoll = "";
  const upn = () => `new.hire@${tenant.initialDomain}`;

  it("a dry run returns the exact Graph requests and writes nothing", () =>
    withServiceLogs(async () => {
      const before = await lastSeq();
      const dry = await run({
        dryRun: true,
        operation: {
          kind: "create_user",
          user: {
            displayName: "New Hire",
            userPrincipalName: upn(),
            mailNickname: "new.hire",
            password,
            usageLocation: "US",
          },
        },
      });
      assert.equal(dry.status, 200, JSON.stringify(dry.body));
      assert.equal(dry.body.status, "planned");
      assert.equal(dry.body.steps.length, 1);
      const step = dry.body.steps[0]!;
      assert.equal(step.request.method, "POST");
      assert.equal(step.request.url, `${sim.graphEndpoint}/v1.0/users`);
      assert.deepEqual(step.request.body, {
        displayName: "New Hire",
        userPrincipalName: upn(),
        mailNickname: "new.hire",
        usageLocation: "US",
        accountEnabled: true,
        passwordProfile: { password: "***", forceChangePasswordNextSignIn: true },
      });
      assert.ok(!JSON.stringify(dry.body).includes(password), "the password never comes back");
      // The same through the CLI.
      const cli = await runCli(sys, [
        "provision",
        id,
        JSON.stringify({ kind: "disable_user", userId: `someone@${tenant.initialDomain}` }),
        "--dry-run",
      ]);
      assert.equal(cli.code, 1, "the user does not exist: refused");
      assert.match(cli.out, /refused: Refused: Read user someone@/);
      assert.deepEqual(await writesSince(before), [], "no write reached the simulator");
    }));

  it("creates a user once for one request id (a repeat answers the first record)", () =>
    withServiceLogs(async () => {
      const before = await lastSeq();
      const body = {
        requestId: "req-create-new-hire",
        operation: {
          kind: "create_user",
          user: {
            displayName: "New Hire",
            userPrincipalName: upn(),
            mailNickname: "new.hire",
            password,
            usageLocation: "US",
          },
        },
      };
      const first = await run(body);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.status, "succeeded", JSON.stringify(first.body));
      assert.equal(first.body.steps[0]?.httpStatus, 201);
      created = first.body.targetUserId ?? "";
      assert.ok(created);
      const second = await run(body);
      assert.equal(second.status, 200);
      assert.deepEqual(second.body, first.body, "the repeat answers the first record");
      const posts = (await writesSince(before)).filter((w) => w.path === "/v1.0/users");
      assert.equal(posts.length, 1, "one POST /users reached the simulator");
      const reused = await run({ ...body, operation: { kind: "enable_user", userId: created } });
      assert.equal(reused.status, 409, "a used request id with another request is a conflict");
      // Graph's conflict on a taken userPrincipalName comes back as the failed step.
      const dup = await run({ ...body, requestId: "req-create-duplicate" });
      assert.equal(dup.body.status, "failed");
      assert.equal(dup.body.steps[0]?.httpStatus, 400);
      assert.match(
        dup.body.steps[0]?.error ?? "",
        /Another object with the same value for property userPrincipalName/,
      );
      // Collect the new user, so the next collection records the operations' changes as before/after
      // (only users: every operation here changes a user, licences and all).
      const poll = await api<{ pollId: string }>(sys, "POST", `/api/integrations/${id}/polls`, {
        body: { resources: ["users"] },
      });
      assert.equal(poll.status, 202, JSON.stringify(poll.body));
      firstPoll = await committedPoll(createPoll);
      const added = await sql(`SELECT count(*)::INT AS n FROM azuread_user WHERE id = '${created}'`);
      assert.deepEqual(added, [{ n: 1 }]);
    }));

  it("updates properties, disables, enables and manages group membership", () =>
    withServiceLogs(async () => {
      const ok = async (operation: unknown, requestId: string) => {
        const res = await run({ requestId, operation });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.status, "succeeded", JSON.stringify(res.body));
        return res.body;
      };
      await ok(
        { kind: "update_user", userId: upn(), properties: { jobTitle: "Engineer", department: "R&D" } },
        "req-update-1",
      );
      assert.equal((await user(created)).jobTitle, "Engineer");
      await ok({ kind: "disable_user", userId: created }, "req-disable-1");
      assert.equal((await user(created)).accountEnabled, false);
      await ok({ kind: "enable_user", userId: created }, "req-enable-1");
      assert.equal((await user(created)).accountEnabled, true);
      await ok({ kind: "add_group_member", userId: created, groupId: groupA }, "req-add-a");
      await ok({ kind: "add_group_member", userId: created, groupId: groupB }, "req-add-b");
      assert.deepEqual((await members(groupA)).sort(), [created]);
      await ok({ kind: "remove_group_member", userId: created, groupId: groupB }, "req-remove-b");
      assert.deepEqual(await members(groupB), []);
      await ok({ kind: "add_group_member", userId: created, groupId: groupB }, "req-add-b-again");
    }));

  it("an offboarding that fails half-way stops and reports what was and was not done", () =>
    withServiceLogs(async () => {
      // The first group removal fails with a 500; the second must not be attempted.
      await sim.control.setFaults(
        [{ type: "status", status: 500, count: 1, pathPrefix: "groups/" }],
        tenant.tenantId,
      );
      const res = await run({
        requestId: "req-offboard-fails",
        operation: { kind: "offboard_user", userId: created },
      });
      await sim.control.clearFaults(tenant.tenantId);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, "partial", JSON.stringify(res.body));
      const writes = res.body.steps.filter((s) => s.request.method !== "GET");
      assert.deepEqual(
        writes.map((s) => [s.name.split(" (")[0], s.outcome, s.httpStatus]),
        [
          ["Disable sign-in", "done", 204],
          ["Revoke sign-in sessions", "done", 200],
          ["Remove from group Provisioning A", "failed", 500],
          ["Remove from group Provisioning B", "planned", null],
        ],
      );
      assert.match(
        res.body.summary,
        /Not done \(stopped after the failure\): Remove from group Provisioning B/,
      );
      assert.equal((await user(created)).accountEnabled, false);
      assert.deepEqual((await members(groupB)).sort(), [created], "the step not attempted changed nothing");
    }));

  it("a provisioner killed mid-operation: another closes the record as interrupted, with the steps done before the kill", () =>
    withServiceLogs(async () => {
      // A user of its own in two groups of its own, so the write cut short touches nothing else.
      const groups = [];
      for (const name of ["Provisioning C", "Provisioning D"])
        groups.push((await sim.control.createObject(tenant.tenantId, "group", { displayName: name })).id);
      const victim = (
        await sim.control.createObject(tenant.tenantId, "user", {
          displayName: "Cut Short",
          userPrincipalName: `cut.short@${tenant.initialDomain}`,
        })
      ).id;
      for (const [k, g] of groups.entries()) {
        const res = await run({
          requestId: `req-cut-add-${k}`,
          operation: { kind: "add_group_member", userId: victim, groupId: g },
        });
        assert.equal(res.body.status, "succeeded", JSON.stringify(res.body));
      }
      // The group removals hang: the provisioner is killed while the first one is in flight.
      const cutAt = await lastSeq();
      await sim.control.setFaults(
        [{ type: "slow", delayMs: 15_000, count: 1, pathPrefix: "groups/" }],
        tenant.tenantId,
      );
      // Its HTTP request never gets an answer (the gateway waits up to 10 min): the test hangs up below.
      const hangUp = new AbortController();
      const pending = run(
        { requestId: "req-cut-short", operation: { kind: "offboard_user", userId: victim } },
        hangUp.signal,
      ).catch(() => null);
      const find = async () =>
        (
          await api<{ operations: Operation[] }>(
            sys,
            "GET",
            `/api/provisioning/operations?integrationId=${id}`,
          )
        ).body.operations?.find((o) => o.requestId === "req-cut-short");
      // The running record is renewed with the steps so far: disable and revoke are done.
      const running = await waitFor(
        async () => {
          const op = await find();
          return op?.status === "running" &&
            op.steps.filter((x) => x.outcome === "done" && x.request.method !== "GET").length >= 2
            ? op
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, what: "the offboarding to be under way" },
      );
      const provisioner = sys.services.get("provisioner");
      assert.ok(provisioner);
      process.kill(provisioner.pid, "SIGKILL");
      await provisioner.exited;
      await sys.start("provisioner");
      const closed = await waitFor(
        async () => {
          const op = await find();
          return op && op.status !== "running" ? op : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: "the interrupted operation to be closed" },
      );
      // The write in flight at the kill still reaches the simulator once its delay is over: the
      // "may or may not have reached Graph" of the summary. Wait for it, so no later test sees it.
      await waitFor(
        async () =>
          (await writesSince(cutAt)).some((w) => w.method === "DELETE" && w.path.includes(victim)) ||
          undefined,
        { timeoutMs: 60_000, intervalMs: 250, what: "the write in flight at the kill to land" },
      );
      await sim.control.clearFaults(tenant.tenantId);
      assert.equal(closed.id, running.id);
      assert.equal(closed.status, "interrupted", JSON.stringify(closed));
      assert.match(closed.summary, /Interrupted: the provisioner running this operation stopped/);
      assert.ok(closed.finishedAt);
      // Progress made before the kill is on record, step by step.
      const writes = closed.steps.filter((x) => x.request.method !== "GET");
      assert.deepEqual(
        writes.slice(0, 2).map((x) => [x.name, x.outcome]),
        [
          ["Disable sign-in", "done"],
          ["Revoke sign-in sessions", "done"],
        ],
      );
      assert.equal((await user(victim)).accountEnabled, false);
      // The same request id again answers the closed record and sends nothing.
      const before = await lastSeq();
      const again = await run({
        requestId: "req-cut-short",
        operation: { kind: "offboard_user", userId: victim },
      });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.status, "interrupted");
      assert.deepEqual(await writesSince(before), []);
      // The killed run's HTTP request is still waiting: hang up rather than wait out its timeout.
      hangUp.abort();
      await pending;
    }));

  it("refuses to offboard protected accounts and the last Global Administrator", () =>
    withServiceLogs(async () => {
      const put = await api(sys, "PUT", "/api/provisioning/settings", {
        body: { protectedUsers: [upn().toUpperCase()] },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const before = await lastSeq();
      const res = await run({
        requestId: "req-offboard-protected",
        operation: { kind: "offboard_user", userId: created },
      });
      assert.equal(res.body.status, "refused", JSON.stringify(res.body));
      assert.match(res.body.summary, /protected \(break-glass\) account/);
      await api(sys, "PUT", "/api/provisioning/settings", { body: { protectedUsers: [] } });

      // Leave the tenant's admin as the only enabled Global Administrator.
      const admin = (await sim.control.listTenants())[0]?.adminUser;
      assert.ok(admin);
      const graph = await sim.control.mintToken(tenant.tenantId, {
        roles: ["RoleManagement.Read.Directory"],
      });
      const simFetch = caFetch(readFileSync(sim.caCertPath, "utf8"));
      const gaRes = await simFetch(
        `${sim.graphEndpoint}/v1.0/directoryRoles(roleTemplateId='62e90394-69f5-4237-9190-012177145e10')/members?$top=999`,
        { headers: { authorization: `Bearer ${graph.accessToken}` } },
      );
      assert.equal(gaRes.status, 200);
      const gaMembers = ((await gaRes.json()) as { value: { id: string; "@odata.type": string }[] }).value;
      assert.ok(
        gaMembers.some((m) => m.id === admin.id),
        "the admin is a Global Administrator",
      );
      for (const m of gaMembers)
        if (m["@odata.type"] === "#microsoft.graph.user" && m.id !== admin.id)
          await sim.control.updateObject(tenant.tenantId, m.id, { accountEnabled: false });
      const last = await run({
        requestId: "req-offboard-last-ga",
        operation: { kind: "disable_user", userId: admin.id },
      });
      assert.equal(last.body.status, "refused", JSON.stringify(last.body));
      assert.match(last.body.summary, /last enabled Global Administrator/);
      assert.deepEqual(await writesSince(before), [], "refusals write nothing");
    }));

  it("offboards a user completely, licences included", () =>
    withServiceLogs(async () => {
      await sim.control.updateObject(tenant.tenantId, created, {
        accountEnabled: true,
        assignedLicenses: [{ skuId: "6fd2c87f-b296-42f0-b197-1e91e994b900", disabledPlans: [] }],
      });
      const validFrom = String((await user(created)).signInSessionsValidFromDateTime);
      const res = await run({
        requestId: "req-offboard-ok",
        operation: { kind: "offboard_user", userId: upn(), removeLicenses: true },
      });
      assert.equal(res.body.status, "succeeded", JSON.stringify(res.body));
      const u = await user(created);
      assert.equal(u.accountEnabled, false);
      assert.deepEqual(u.assignedLicenses, []);
      assert.notEqual(String(u.signInSessionsValidFromDateTime), validFrom);
      assert.deepEqual(await members(groupA), []);
      assert.deepEqual(await members(groupB), []);
    }));

  it("records every operation: API, SQL, and the history rows after the next collection", () =>
    withServiceLogs(async () => {
      const list = await api<{ operations: Operation[] }>(
        sys,
        "GET",
        `/api/provisioning/operations?integrationId=${id}`,
      );
      assert.equal(list.status, 200);
      const update = list.body.operations.find((o) => o.requestId === "req-update-1");
      assert.ok(update);
      assert.ok(update.actor.length > 0);
      const one = await api<Operation>(sys, "GET", `/api/provisioning/operations/${update.id}`);
      assert.deepEqual(one.body, update);
      assert.ok(!JSON.stringify(list.body).includes(password));
      const cli = await runCli(sys, ["provisioning-ops", "--integration", id, "--format", "json"]);
      assert.equal(cli.code, 0, cli.err);
      assert.ok(
        (JSON.parse(cli.out) as { operations: Operation[] }).operations.some((o) => o.id === update.id),
      );

      const rows = await waitFor(
        async () => {
          const r = await sql(
            `SELECT kind, status, actor, json_extract_string(steps, '$[1].request.method') AS method, json_extract(steps, '$[1].httpStatus')::INT AS http FROM provisioning_operations WHERE operation_id = '${update.id}'`,
          );
          return r.length === 1 ? r : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: "the operation in provisioning_operations" },
      );
      assert.deepEqual(rows[0], {
        kind: "update_user",
        status: "succeeded",
        actor: update.actor,
        method: "PATCH",
        http: 204,
      });

      const poll = await api<{ pollId: string }>(sys, "POST", `/api/integrations/${id}/polls`, {
        body: { resources: ["users"] },
      });
      assert.equal(poll.status, 202);
      await committedPoll(firstPoll);
      const history = await sql(
        `SELECT change_type, before ->> 'jobTitle' AS job_before, after ->> 'jobTitle' AS job_after, before ->> 'accountEnabled' AS enabled_before, after ->> 'accountEnabled' AS enabled_after FROM azuread_user_changes WHERE resource_id = '${created}' ORDER BY recorded_at`,
      );
      assert.equal(history[0]?.change_type, "added", JSON.stringify(history));
      // The operations since the previous collection (update, disable/enable, offboard) in one change.
      const modified = history.at(-1);
      assert.deepEqual(
        modified,
        {
          change_type: "modified",
          job_before: null,
          job_after: "Engineer",
          enabled_before: "true",
          enabled_after: "false",
        },
        JSON.stringify(history),
      );
    }));

  /** The administrator's browser, auto-approving: authorize → the gateway's callback page. */
  async function consent(consentUrl: string): Promise<string> {
    const url = new URL(consentUrl);
    url.searchParams.set("sim_auto_approve", "1");
    const simFetch = caFetch(readFileSync(sim.caCertPath, "utf8"));
    const res = await simFetch(url, { redirect: "manual" });
    assert.equal(res.status, 302, await res.text());
    const back = new URL(res.headers.get("location") ?? "");
    assert.equal(`${back.origin}${back.pathname}`, `${sys.baseUrl}/oauth/callback`);
    const page = await fetch(back, { redirect: "manual", signal: AbortSignal.timeout(60_000) });
    return page.text();
  }

  it("delegated: a separate consent for the write scopes, then a downgrade", () =>
    withServiceLogs(async () => {
      const created = await api<{ id: string; consentUrl: string }>(sys, "POST", "/api/integrations", {
        body: { name: "Delegated provisioning", tenantId: tenant.tenantId, auth: { mode: "delegated" } },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const did = created.body.id;
      await consent(created.body.consentUrl);
      const dry = {
        dryRun: true,
        operation: { kind: "enable_user", userId: `admin@${tenant.initialDomain}` },
      };
      const path = `/api/integrations/${did}/provisioning/operations`;
      const before = await api<ErrorBody>(sys, "POST", path, { body: dry });
      assert.equal(before.status, 403, "read consent alone does not allow writes");
      assert.equal(before.body.error.code, "provisioning_not_enabled");

      const enable = await api<ProvisioningState>(
        sys,
        "POST",
        `/api/integrations/${did}/provisioning/enable`,
      );
      assert.equal(enable.status, 200, JSON.stringify(enable.body));
      assert.equal(enable.body.status, "pending_consent");
      const scopes = new URL(enable.body.consentUrl ?? "").searchParams.get("scope") ?? "";
      assert.match(scopes, /User\.ReadWrite\.All/);
      assert.match(scopes, /GroupMember\.ReadWrite\.All/);
      const page = await consent(enable.body.consentUrl ?? "");
      assert.match(page, /Provisioning enabled/);
      const on = await api<ProvisioningState>(sys, "GET", `/api/integrations/${did}/provisioning`);
      assert.equal(on.body.status, "on");
      const planned = await api<Operation>(sys, "POST", path, { body: dry });
      assert.equal(planned.status, 200, JSON.stringify(planned.body));
      assert.equal(planned.body.status, "planned");

      // Downgrade: off at once, the write-scoped sign-in gone.
      const off = await api<ProvisioningState>(sys, "POST", `/api/integrations/${did}/provisioning/disable`);
      assert.equal(off.body.status, "off");
      const after = await api<ErrorBody>(sys, "POST", path, { body: dry });
      assert.equal(after.status, 403);
      assert.equal(after.body.error.code, "provisioning_not_enabled");
    }));
});
