import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  catalog,
  leadingColumns,
  permissionReport,
  resourceByName,
  snakeCase,
  trailingColumns,
} from "./index.js";

describe("catalog", () => {
  it("snake-cases Graph property names", () => {
    assert.equal(snakeCase("displayName"), "display_name");
    assert.equal(snakeCase("onPremisesSyncEnabled"), "on_premises_sync_enabled");
    assert.equal(snakeCase("oauth2PermissionScopes"), "oauth2_permission_scopes");
    assert.equal(snakeCase("id"), "id");
  });

  it("names tables azuread_<snake_singular> and keeps names unique", () => {
    const tables = catalog.map((r) => r.table);
    assert.equal(new Set(tables).size, tables.length);
    for (const r of catalog) {
      assert.match(r.table, /^azuread_[a-z0-9_]+$/);
      const cols = r.columns.map((c) => c.name);
      assert.equal(new Set(cols).size, cols.length, `${r.table} has duplicate columns`);
      assert.equal(cols[0], "id");
      assert.ok(r.permissions.length > 0);
    }
  });
});

describe("catalog declarations", () => {
  it("derives only from delta resources of the catalog, and names singleton ids only on singletons", () => {
    for (const r of catalog) {
      if (r.derived) {
        const parent = catalog.find((p) => p.name === r.derived?.from);
        assert.ok(parent?.delta, `${r.name} derives from a delta resource`);
        assert.ok(
          r.columns.some((c) => c.property === r.derived?.parentKey),
          `${r.name} has its parent key column`,
        );
        assert.ok(catalog.indexOf(parent) < catalog.indexOf(r), "parent first");
      }
      if (r.singletonId) assert.ok(r.singleton, `${r.name}: singletonId without singleton`);
      for (const c of r.columns) assert.ok(c.description.length > 0, `${r.table}.${c.name} described`);
    }
  });
});

describe("catalog breadth", () => {
  it("has at least 60 tables, and every read scope the product asks for unlocks one", () => {
    assert.ok(catalog.length >= 60, `${catalog.length} tables`);
    // The read scopes a tenant is asked to consent to (offline_access is only for refresh tokens).
    const scopes = [
      "User.Read.All",
      "AuditLog.Read.All",
      "AccessReview.Read.All",
      "AppCatalog.Read.All",
      "Channel.ReadBasic.All",
      "ChannelMember.Read.All",
      "CloudPC.Read.All",
      "ConsentRequest.Read.All",
      "Contacts.Read",
      "Directory.Read.All",
      "Domain.Read.All",
      "IdentityProvider.Read.All",
      "DeviceManagementApps.Read.All",
      "DeviceManagementConfiguration.Read.All",
      "DeviceManagementManagedDevices.Read.All",
      "DeviceManagementRBAC.Read.All",
      "DeviceManagementServiceConfig.Read.All",
      "ManagedTenants.Read.All",
      "Organization.Read.All",
      "People.Read.All",
      "Policy.Read.All",
      "RoleManagement.Read.All",
      "SecurityEvents.Read.All",
      "SecurityActions.Read.All",
      "ServiceHealth.Read.All",
      "ServiceMessage.Read.All",
      "Sites.Read.All",
      "SubjectRightsRequest.Read.All",
      "TeamSettings.Read.All",
      "TeamMember.Read.All",
    ];
    for (const s of scopes)
      assert.ok(
        catalog.some((r) => r.permissions.includes(s)),
        `${s} unlocks a table`,
      );
  });

  it("reads fan-out resources per object of a catalog collection, keyed by the parent", () => {
    const fanOut = catalog.filter((r) => r.fanOut);
    assert.ok(fanOut.length >= 8);
    for (const r of fanOut) {
      const def = r.fanOut!;
      const parent = resourceByName(def.from);
      assert.ok(parent && !parent.singleton, `${r.name}: parent ${def.from} is a catalog collection`);
      assert.ok(catalog.indexOf(parent) < catalog.indexOf(r), `${r.name} after its parent`);
      assert.ok(r.path.includes("{id}"), `${r.name}: path names the parent`);
      const props = r.columns.map((c) => c.property);
      assert.ok(props.includes(def.parentKey), `${r.name} has its parent key column`);
      if (def.reference) {
        assert.ok(props.includes(def.reference.idKey) && props.includes(def.reference.typeKey), r.name);
      }
    }
    assert.equal(resourceByName("channelMembers")?.path.split("{id}").length, 3, "two levels: team, channel");
  });

  it("never names a Graph column like a system column", () => {
    const system = new Set([...leadingColumns, ...trailingColumns].map((c) => c.name));
    for (const r of catalog)
      for (const c of r.columns)
        assert.ok(!system.has(c.name), `${r.table}.${c.name} clashes with a system column`);
  });

  it("marks the logs, id-less rows and delegated-only reads", () => {
    assert.deepEqual(
      catalog.filter((r) => r.log).map((r) => [r.name, r.log?.timeField]),
      [
        ["directoryAudits", "activityDateTime"],
        ["signIns", "createdDateTime"],
      ],
    );
    for (const r of catalog.filter((x) => x.idProperty))
      assert.ok(
        r.columns.some((c) => c.property === r.idProperty),
        `${r.name} has its id property column`,
      );
    assert.deepEqual(
      catalog.filter((r) => r.delegatedOnly).map((r) => r.name),
      ["managedTenants", "myContacts", "myPeople"],
    );
  });
});

describe("permission report", () => {
  it("states readable, not readable with Graph's reason, or unknown for every table", () => {
    const report = permissionReport([
      { resource: "users", outcome: "complete", reason: null, at: "2026-01-02T00:00:00Z" },
      {
        resource: "sites",
        outcome: "not_collected",
        reason: "Permission not granted: Sites.Read.All",
        at: "t2",
      },
      { resource: "sites", outcome: "complete", reason: null, at: "older" },
      { resource: "cloudPCs", outcome: "failed", reason: "HTTP 500", at: "t3" },
    ]);
    assert.equal(report.length, catalog.length);
    const by = (table: string) => report.find((t) => t.table === table);
    assert.equal(by("azuread_user")?.status, "readable");
    assert.equal(by("azuread_user")?.checkedAt, "2026-01-02T00:00:00Z");
    assert.equal(by("azuread_sharepoint_site")?.status, "not_readable", "the newest reading wins");
    assert.match(by("azuread_sharepoint_site")?.reason ?? "", /Sites\.Read\.All/);
    assert.equal(by("azuread_cloud_pc")?.status, "unknown");
    assert.match(by("azuread_cloud_pc")?.reason ?? "", /last read failed: HTTP 500/);
    const never = by("azuread_intune_managed_device");
    assert.equal(never?.status, "unknown");
    assert.match(
      never?.reason ?? "",
      /Not read yet; needs one of DeviceManagementManagedDevices\.Read\.All and the Microsoft Intune licence/,
    );
  });
});
