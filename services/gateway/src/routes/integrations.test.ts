import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConsentComplete, IntegrationCreate, IntegrationUpdate, PollStart } from "@tenantlens/contracts";
import { type Harness, readError, readOk, startHarness } from "../testing/harness.js";
import {
  createIntegration,
  deleteIntegration,
  disableIntegration,
  enableIntegration,
  getIntegration,
  listIntegrations,
  listPolls,
  permissionReportRoute,
  startPoll,
  updateIntegration,
} from "./integrations.js";

const TENANT = "0b7d4c1e-3a2f-4e5d-8c9b-1a2b3c4d5e6f";
const appAuth = { mode: "app", clientId: "11111111-2222-4333-8444-555555555555", clientSecret: "s3cret" };

interface Json {
  [k: string]: unknown;
}

describe("integration routes", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  async function create(name: string): Promise<string> {
    const res = await h.call("POST", "/api/integrations", {
      body: { name, tenantId: TENANT, auth: appAuth },
    });
    return (await readOk(createIntegration, res)).id;
  }

  it("creates an app-mode integration in the caller's workspace, whatever the body says", async () => {
    const res = await h.call("POST", "/api/integrations", {
      body: { name: "Contoso", tenantId: TENANT, auth: appAuth, workspaceId: "other" },
    });
    const body = await readOk(createIntegration, res);
    assert.match(body.id, /^int_/);
    assert.equal(body.status, "active");
    assert.equal(body.consentUrl, undefined);
    assert.equal(body.integration.workspaceId, "default");
    const sent = h.standIns.received.get(IntegrationCreate.subject)?.at(-1) as Json;
    assert.equal(sent.workspaceId, "default");
    assert.ok(!JSON.stringify(body).includes("s3cret"), "the secret never comes back");
  });

  it("returns the consent URL of a delegated integration", async () => {
    const res = await h.call("POST", "/api/integrations", {
      body: { name: "Fabrikam", auth: { mode: "delegated" } },
    });
    const body = await readOk(createIntegration, res);
    assert.equal(body.status, "pending_consent");
    assert.match(body.consentUrl ?? "", /^https:\/\//);
  });

  it("lists integrations with last poll and counts", async () => {
    const id = await create("Listed");
    const res = await h.call("GET", "/api/integrations");
    const { integrations } = await readOk(listIntegrations, res);
    const mine = integrations.find((i) => i.id === id);
    assert.ok(mine);
    assert.equal(mine.lastPoll, null);
    assert.deepEqual(mine.counts, {});
  });

  it("starts a poll (202), reports it running, then committed with counts", async () => {
    const id = await create("Polled");
    const first = await h.call("POST", `/api/integrations/${id}/polls`);
    const started = await readOk(startPoll, first);
    assert.match(started.pollId, /^poll_/);
    assert.equal(started.alreadyRunning, false);
    const sent = h.standIns.received.get(PollStart.subject)?.at(-1) as Json;
    assert.deepEqual(sent, { workspaceId: "default", integrationId: id, reason: "manual" });

    const again = await h.call("POST", `/api/integrations/${id}/polls`, { body: { full: true } });
    assert.deepEqual(await readOk(startPoll, again), { pollId: started.pollId, alreadyRunning: true });

    const running = await readOk(getIntegration, await h.call("GET", `/api/integrations/${id}`));
    assert.equal(running.lastPoll?.pollId, started.pollId);
    assert.equal(running.lastPoll?.status, "running");
    // While it runs, the pollers' progress: read so far and the expected total.
    assert.deepEqual(
      running.lastPoll?.progress?.map((r) => [r.resource, r.objects, r.estimate]),
      [["users", 2, 3]],
    );

    h.standIns.commitLatest(id, { azuread_user: 3, azuread_group: 2 });
    const done = await readOk(getIntegration, await h.call("GET", `/api/integrations/${id}`));
    assert.equal(done.lastPoll?.status, "succeeded");
    assert.ok(done.lastPoll?.committedAt);
    assert.equal(done.lastPoll?.progress, undefined);
    // What the poll cost in Graph: its resources' costs summed.
    assert.deepEqual(done.lastPoll?.cost, {
      requests: 3,
      throttled: 1,
      retries: 1,
      bytes: 1200,
      units: 3,
      durationMs: 50,
    });
    assert.deepEqual(done.counts, { azuread_user: 3, azuread_group: 2 });

    const history = await readOk(listPolls, await h.call("GET", `/api/integrations/${id}/polls?limit=5`));
    assert.equal(history.polls.length, 1);
    assert.equal(history.polls[0]?.pollId, started.pollId);
  });

  it("states per table whether it is readable, from the latest read of each resource", async () => {
    const id = await create("Permissions");
    const before = await readOk(
      permissionReportRoute,
      await h.call("GET", `/api/integrations/${id}/permissions`),
    );
    assert.equal(before.integrationId, id);
    assert.ok(before.tables.length >= 60);
    assert.ok(
      before.tables.every(
        (t) => t.status === "unknown" && /^Not read yet; needs one of /.test(t.reason ?? ""),
      ),
    );

    await h.call("POST", `/api/integrations/${id}/polls`);
    h.standIns.commitLatest(id, { azuread_user: 3 });
    const poll = h.standIns.polls.find((p) => p.integrationId === id);
    assert.ok(poll);
    poll.resources.push({
      resource: "cloudPCs",
      mode: "full",
      outcome: "not_collected",
      reason: "The tenant's licence does not include it (Microsoft Intune): …",
      objectCount: 0,
    });
    const after = await readOk(
      permissionReportRoute,
      await h.call("GET", `/api/integrations/${id}/permissions`),
    );
    const by = (table: string) => after.tables.find((t) => t.table === table);
    assert.equal(by("azuread_user")?.status, "readable");
    assert.equal(by("azuread_user")?.checkedAt, poll.completedAt);
    assert.equal(by("azuread_cloud_pc")?.status, "not_readable");
    assert.match(by("azuread_cloud_pc")?.reason ?? "", /Microsoft Intune/);
    assert.deepEqual(by("azuread_cloud_pc")?.permissions, ["CloudPC.Read.All"]);

    const foreign = await h.call("GET", `/api/integrations/${id}/permissions`, { key: h.otherKey });
    assert.equal(foreign.status, 404, "another workspace's integration is not found");
  });

  it("says 'committing' while the poller finished but the store has not committed", async () => {
    const id = await create("Committing");
    await h.call("POST", `/api/integrations/${id}/polls`);
    const poll = h.standIns.polls.find((p) => p.integrationId === id);
    assert.ok(poll);
    Object.assign(poll, { status: "succeeded", outcome: "succeeded", completedAt: new Date().toISOString() });
    const view = await readOk(getIntegration, await h.call("GET", `/api/integrations/${id}`));
    assert.equal(view.lastPoll?.status, "committing");
  });

  it("validates poll options and history limits", async () => {
    const id = await create("Validated");
    const bad = await h.call("POST", `/api/integrations/${id}/polls`, { body: { resources: ["no such!"] } });
    assert.equal(bad.status, 400);
    const unknown = await h.call("POST", `/api/integrations/${id}/polls`, { body: { everything: true } });
    assert.equal(unknown.status, 400);
    const limit = await h.call("GET", `/api/integrations/${id}/polls?limit=100000`);
    assert.equal(limit.status, 400);
  });

  it("disables, enables and deletes", async () => {
    const id = await create("Lifecycle");
    const off = await readOk(disableIntegration, await h.call("POST", `/api/integrations/${id}/disable`));
    assert.equal(off.enabled, false);
    const on = await readOk(enableIntegration, await h.call("POST", `/api/integrations/${id}/enable`));
    assert.equal(on.enabled, true);
    const del = await h.call("DELETE", `/api/integrations/${id}`);
    const deleted = await readOk(deleteIntegration, del);
    assert.equal(deleted.deleted, true);
    assert.equal(deleted.purgeData, false, "the data stays unless purgeData=true");
    const gone = await h.call("GET", `/api/integrations/${id}`);
    assert.equal(gone.status, 404);
  });

  it("updates name and credentials with PATCH, passing the secret to auth and never back", async () => {
    const id = await create("Patched");
    const seen: Json[] = [];
    const sub = h.bus.nc.subscribe(IntegrationUpdate.subject, {
      callback: (_err, msg) => {
        seen.push(msg.json<Json>());
      },
    });
    await h.bus.nc.flush();
    try {
      const res = await h.call("PATCH", `/api/integrations/${id}`, {
        body: { name: " Renamed ", auth: { clientSecret: "n3w-s3cret" } },
      });
      const text = await res.clone().text();
      assert.ok(!text.includes("n3w-s3cret"), "the secret never comes back");
      assert.equal((await readOk(updateIntegration, res)).id, id);
      assert.deepEqual(seen.at(-1), {
        workspaceId: "default",
        id,
        name: "Renamed",
        clientSecret: "n3w-s3cret",
      });

      const idOnly = await h.call("PATCH", `/api/integrations/${id}`, {
        body: { auth: { clientId: appAuth.clientId } },
      });
      assert.equal(idOnly.status, 200);
      assert.deepEqual(seen.at(-1), { workspaceId: "default", id, clientId: appAuth.clientId });
    } finally {
      sub.unsubscribe();
    }
  });

  it("rejects PATCH bodies that change nothing or carry unknown fields", async () => {
    const id = await create("Strict");
    for (const body of [
      {},
      { auth: {} },
      { name: "" },
      { enabled: false },
      { auth: { mode: "app", clientSecret: "x" } },
      { auth: { clientSecret: "" } },
      { name: "x", workspaceId: "other" },
    ]) {
      const res = await h.call("PATCH", `/api/integrations/${id}`, { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal((await readError(res)).code, "bad_request");
    }
    assert.equal((await h.call("PATCH", `/api/integrations/${id}`, { raw: "{not json" })).status, 400);
    const other = await h.call("PATCH", `/api/integrations/${id}`, {
      key: h.otherKey,
      body: { name: "stolen" },
    });
    assert.equal(other.status, 404);
    const unknown = await h.call("PATCH", "/api/integrations/int_doesnotexist00", { body: { name: "x" } });
    assert.equal(unknown.status, 404);
  });

  it("answers 404 for malformed and unknown integration ids", async () => {
    for (const id of ["nope", "int_doesnotexist00", "int_../../etc"]) {
      const res = await h.call("GET", `/api/integrations/${encodeURIComponent(id)}`);
      assert.equal(res.status, 404, id);
    }
  });

  it("completes a consent on /oauth/callback and renders the outcome", async () => {
    const created = await readOk(
      createIntegration,
      await h.call("POST", "/api/integrations", { body: { name: "Delegated", auth: { mode: "delegated" } } }),
    );
    const ok = await h.call(
      "GET",
      `/oauth/callback?state=${created.id}&code=abc&tenant=${encodeURIComponent("evil<tenant>")}`,
      { key: null },
    );
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /Tenant connected/);
    assert.equal(ok.headers.get("cache-control"), "no-store");
    assert.equal(ok.headers.get("referrer-policy"), "no-referrer");
    const sent = h.standIns.received.get(ConsentComplete.subject)?.at(-1) as Json;
    // Passed on as given: auth compares it with the integration's own tenant (admin consent).
    assert.equal(sent.tenant, "evil<tenant>");

    const declined = await h.call(
      "GET",
      `/oauth/callback?state=${created.id}&error=access_denied&error_description=${encodeURIComponent("<script>x</script>")}`,
      { key: null },
    );
    assert.equal(declined.status, 400);
    const page = await declined.text();
    assert.match(page, /consent declined/);
    assert.doesNotMatch(page, /<script>x/);

    const stale = await h.call("GET", "/oauth/callback?state=unknown-state&code=abc", { key: null });
    assert.equal(stale.status, 400);
    assert.match(await stale.text(), /expired/);

    const noState = await h.call("GET", "/oauth/callback?code=abc", { key: null });
    assert.equal(noState.status, 400);
  });
});
