import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Integration, PollRecord } from "@tenantlens/contracts";
import type { SimulatorTenant } from "@tenantlens/entra-sim";
import { catalog, permissionReport, type ResourceDef, resourceByName } from "@tenantlens/graph";
import { withWarehouse } from "@tenantlens/store/testing";
import { waitFor, withServiceLogs } from "@tenantlens/testkit";
import { type CollectionStack, firstPoll, startCollectionStack } from "./testing/collection-stack.js";
import { expectedIds, simLister } from "./testing/expected-counts.js";

/**
 * The breadth of the catalog through the real path: simulator → poller → JetStream → store →
 * DuckDB, as processes. Every table family (policies, Intune, Teams with channels and members,
 * security, service health, governance, owners, app role assignments, logs) is read in full and
 * matches what the simulator itself lists; scopes not granted, licences missing, delegated-only
 * resources and a malformed answer each end only their own tables, with the reason.
 */

const T = { full: 0, scopes: 1, unlicensed: 2, malformed: 3 } as const;

/** Application permissions removed from the "scopes" tenant, and a table each must leave unread. */
const REMOVED: Record<string, string> = {
  "AppCatalog.Read.All": "teamsApps",
  "ChannelMember.Read.All": "channelMembers",
  "CloudPC.Read.All": "cloudPCs",
  "ConsentRequest.Read.All": "appConsentRequests",
  "DeviceManagementRBAC.Read.All": "intuneRoleDefinitions",
  "DeviceManagementApps.Read.All": "mobileApps",
  "IdentityRiskyUser.Read.All": "riskyUsers",
  "SecurityEvents.Read.All": "secureScores",
  "SecurityActions.Read.All": "securityActions",
  "ServiceHealth.Read.All": "serviceHealthOverviews",
  "ServiceMessage.Read.All": "serviceMessages",
  "Sites.Read.All": "sites",
  "SubjectRightsRequest.Read.All": "subjectRightsRequests",
};

describe("catalog breadth, collected end to end", { timeout: 900_000 }, () => {
  let stack: CollectionStack;
  const integrations: Integration[] = [];
  const tenant = (i: number) => stack.sim.tenants[i] as SimulatorTenant;
  const committed = async (i: number, pollId?: string): Promise<PollRecord> => {
    const integration = integrations[i] as Integration;
    const id = pollId ?? (await firstPoll(stack, integration.id));
    return stack.poll(id, integration.id, (p) => p.committedAt !== null, 300_000);
  };
  const summary = (p: PollRecord, name: string) => {
    const s = p.resources.find((r) => r.resource === name);
    assert.ok(s, `${name} is in the poll`);
    return s;
  };
  /** Ids the simulator lists for each resource of the full tenant, before anything changes. */
  const expected = new Map<string, string[]>();

  before(async () => {
    stack = await startCollectionStack(
      {
        seed: 31,
        tenants: [
          { users: 60, groups: 12, applications: 6 },
          { users: 30 },
          { users: 30, licences: { intune: false, p2: false } },
          { users: 30 },
        ],
      },
      { PAGE_SIZE: "20" },
    );
    for (const permission of Object.keys(REMOVED))
      await stack.sim.control.setPermission(tenant(T.scopes).tenantId, {
        kind: "application",
        permission,
        granted: false,
      });
    // Half a JSON body on every read of the secure scores: that table fails, nothing else.
    await stack.sim.control.setFaults(
      [{ type: "malformedJson", count: 100, pathPrefix: "/security/secureScores" }],
      tenant(T.malformed).tenantId,
    );
    const list = simLister(stack.sim, tenant(T.full));
    for (const r of catalog) if (!r.derived) expected.set(r.name, await expectedIds(r, list));
    for (const [i, name] of ["Full", "Scopes", "Unlicensed", "Malformed"].entries())
      integrations[i] = await stack.createIntegration(tenant(i), name);
  });
  after(() => stack?.stop());

  it("reads every table of the catalog, each matching the simulator's own listing", () =>
    withServiceLogs(async () => {
      assert.ok(catalog.length >= 60, `${catalog.length} tables`);
      const poll = await committed(T.full);
      assert.equal(poll.status, "succeeded", poll.error ?? "");
      for (const r of catalog) {
        if (r.derived) continue;
        const s = summary(poll, r.name);
        if (r.delegatedOnly) {
          assert.equal(s.outcome, "not_collected", r.name);
          assert.match(s.reason ?? "", /delegated \(consent-link\) integration/, r.name);
          continue;
        }
        assert.equal(s.outcome, "complete", `${r.name}: ${s.reason}`);
        assert.equal(s.objectCount, expected.get(r.name)?.length, `${r.name} objects`);
      }
      // Each new family has rows in the demo-sized tenant.
      for (const name of [
        "groupOwners",
        "applicationOwners",
        "appRoleAssignments",
        "crossTenantAccessPolicyPartners",
        "authenticationStrengthPolicies",
        "claimsMappingPolicies",
        "activityBasedTimeoutPolicies",
        "accessReviewInstances",
        "managedDevices",
        "cloudPCs",
        "teamSettings",
        "teamMembers",
        "teamChannels",
        "channelMembers",
        "securityAlerts",
        "serviceMessages",
        "sites",
        "directoryAudits",
        "signIns",
      ])
        assert.ok((expected.get(name)?.length ?? 0) > 0, `${name} has rows to read`);
    }));

  it("records each scope not granted as not collected with the permission, and the poll succeeds", () =>
    withServiceLogs(async () => {
      const poll = await committed(T.scopes);
      assert.equal(poll.status, "succeeded", poll.error ?? "");
      for (const [permission, name] of Object.entries(REMOVED)) {
        const s = summary(poll, name);
        assert.equal(s.outcome, "not_collected", name);
        assert.match(
          s.reason ?? "",
          new RegExp(`Permission not granted.*${permission.replace(/\./g, "\\.")}`),
          name,
        );
      }
      assert.equal(summary(poll, "users").outcome, "complete");
      assert.equal(summary(poll, "teamMembers").outcome, "complete", "TeamMember.Read.All is still granted");
      // The per-table report the API serves, from this poll's outcomes.
      const report = permissionReport(poll.resources.map((r) => ({ ...r, at: poll.completedAt })));
      assert.equal(report.length, catalog.length);
      const sites = report.find((t) => t.table === "azuread_sharepoint_site");
      assert.equal(sites?.status, "not_readable");
      assert.match(sites?.reason ?? "", /Sites\.Read\.All/);
      assert.equal(report.find((t) => t.table === "azuread_user")?.status, "readable");
      assert.equal(report.find((t) => t.table === "azuread_admin_contact")?.status, "not_readable");
    }));

  it("records tables of a missing licence (Intune, Entra ID P2) as not collected with the licence", () =>
    withServiceLogs(async () => {
      const poll = await committed(T.unlicensed);
      assert.equal(poll.status, "succeeded", poll.error ?? "");
      const gated = catalog.filter((r) => r.licence === "intune" || r.licence === "p2");
      assert.ok(gated.length >= 12);
      for (const r of gated) {
        const s = summary(poll, r.name);
        assert.equal(s.outcome, "not_collected", r.name);
        const licence = r.licence === "intune" ? "Microsoft Intune" : "Entra ID P2";
        assert.match(s.reason ?? "", new RegExp(`licence does not include it \\(${licence}\\)`), r.name);
      }
      assert.equal(summary(poll, "signIns").outcome, "complete", "P1 is still licensed");
    }));

  it("fails only the resource whose answer is malformed, with a clear reason", () =>
    withServiceLogs(async () => {
      const poll = await committed(T.malformed);
      assert.equal(poll.status, "partial", poll.error ?? "");
      const scores = summary(poll, "secureScores");
      assert.equal(scores.outcome, "failed");
      assert.match(scores.reason ?? "", /^Malformed answer from Graph/);
      for (const s of poll.resources)
        if (s.resource !== "secureScores") assert.notEqual(s.outcome, "failed", `${s.resource}: ${s.reason}`);
    }));

  it("reconciles read-per-parent tables on the next poll: a deleted application's owners go", () =>
    withServiceLogs(async () => {
      const owners = expected.get("applicationOwners") ?? [];
      const appId = owners[0]?.split(":")[0];
      assert.ok(appId, "an application with an owner");
      await stack.sim.control.request("DELETE", `/_sim/tenants/${tenant(T.full).tenantId}/objects/${appId}`);
      const full = integrations[T.full] as Integration;
      const poll = await committed(T.full, await stack.startPoll(full.id));
      assert.equal(poll.status, "succeeded", poll.error ?? "");
      const left = owners.filter((o) => !o.startsWith(`${appId}:`));
      assert.equal(summary(poll, "applicationOwners").objectCount, left.length);
      // The deletion changed applications and the audit log too: what the warehouse must hold now.
      const list = simLister(stack.sim, tenant(T.full));
      for (const r of catalog) if (!r.derived) expected.set(r.name, await expectedIds(r, list));
      assert.deepEqual(expected.get("applicationOwners"), left);
    }));

  it("holds exactly the simulator's rows in the warehouse, with the catalog's keys and columns", async () => {
    // Let the store finish the Parquet generation of the last commit, then stop it to read its file.
    for (const i of integrations)
      await waitFor(async () => (await stack.polls(i.id))[0]?.generationId != null, {
        what: `the generation of ${i.name}'s last poll`,
        timeoutMs: 120_000,
        intervalMs: 200,
      });
    const code = await stack.services.get("store")?.stop();
    // 0, or null when the machine is too loaded for a clean stop within 10 s: committed data is
    // durable in DuckDB either way, and what follows checks it.
    assert.ok(code === 0 || code === null, `store exit code ${code}`);
    const full = (integrations[T.full] as Integration).id;
    await withWarehouse(stack.warehouseFile, async (rows) => {
      for (const r of catalog) {
        if (r.derived || r.delegatedOnly) continue;
        const ids = (await rows(`SELECT id FROM ${r.table} WHERE integration_id = '${full}'`)).map((x) =>
          String(x.id),
        );
        assert.deepEqual(ids.sort(), [...(expected.get(r.name) ?? [])].sort(), r.table);
      }
      const owner = (
        await rows(`SELECT * FROM azuread_group_owner WHERE integration_id = '${full}' LIMIT 1`)
      )[0];
      assert.equal(owner?.id, `${owner?.group_id}:${owner?.owner_id}`);
      assert.match(String(owner?.owner_type), /^#microsoft\.graph\./);
      const partner = (
        await rows(
          `SELECT id, partner_tenant_id FROM azuread_cross_tenant_access_policy_partner WHERE integration_id = '${full}'`,
        )
      )[0];
      assert.equal(partner?.id, partner?.partner_tenant_id, "partners are keyed by their tenant id");
      const member = (
        await rows(
          `SELECT id, channel_id, user_id FROM azuread_team_channel_member WHERE integration_id = '${full}' LIMIT 1`,
        )
      )[0];
      assert.ok(
        String(member?.id).startsWith(`${String(member?.channel_id)}:`),
        "channel member ids start with the channel id",
      );
      const settings = (
        await rows(
          `SELECT member_settings->>'allowCreatePrivateChannels' AS private FROM azuread_team_setting WHERE integration_id = '${full}'`,
        )
      )[0];
      assert.equal(settings?.private, "true");
      const assignment = (
        await rows(
          `SELECT resource_service_principal_id = resource_id AS same FROM azuread_app_role_assignment WHERE integration_id = '${full}' LIMIT 1`,
        )
      )[0];
      assert.equal(assignment?.same, true);
      for (const table of tablesOf((r) => r.licence === "intune")) {
        const [n] = await rows(
          `SELECT count(*)::INT AS n FROM ${table} WHERE integration_id = '${(integrations[T.unlicensed] as Integration).id}'`,
        );
        assert.equal(n?.n, 0, `${table}: nothing for the unlicensed tenant`);
      }
    });
  });
});

function tablesOf(pred: (r: ResourceDef) => boolean): string[] {
  return catalog.filter(pred).map((r) => r.table);
}

// Keeps the import honest for readers: fan-out parents must be catalog resources.
for (const r of catalog) if (r.fanOut) assert.ok(resourceByName(r.fanOut.from), r.name);
