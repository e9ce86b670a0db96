import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cleanup, tempDir } from "@tenantlens/testkit";
import type { GenerationSpec } from "../sandbox/hardened-instance.js";
import { writeGeneration } from "../testing/generation-fixture.js";
import { SAMPLE_TENANT_ID, sampleTables } from "../testing/sample-tenant.js";
import { SandboxHarness, specOf } from "../testing/sandbox-harness.js";
import { exampleQueries } from "./examples.js";

/** Each shipped example runs in the sandbox over a generation with known answers. */
describe("example queries", () => {
  let h: SandboxHarness;
  let spec: GenerationSpec;
  const rowsOf = async (id: string) => {
    const ex = exampleQueries.find((e) => e.id === id);
    assert.ok(ex, id);
    return h.rows(spec, ex.sql);
  };

  before(async () => {
    const root = tempDir("tl-query-examples");
    spec = specOf(
      await writeGeneration({
        root,
        workspaceId: "examples",
        generationId: 1,
        tables: sampleTables(),
        allCatalogTables: true,
      }),
    );
    h = await SandboxHarness.open(root);
  });

  after(async () => {
    await h.close();
    await cleanup();
  });

  it("ships the five common questions with unique ids", () => {
    assert.equal(exampleQueries.length, 5);
    assert.equal(new Set(exampleQueries.map((e) => e.id)).size, 5);
  });

  it("organization verified domains", async () => {
    const rows = await rowsOf("organization-verified-domains");
    assert.deepEqual(
      rows.map((r) => [r.tenant_id, r.organization, r.domain, r.type, r.is_default, r.is_initial]),
      [
        [SAMPLE_TENANT_ID, "Contoso", "contoso.com", "Managed", true, false],
        [SAMPLE_TENANT_ID, "Contoso", "contoso.net", "Federated", false, false],
        [SAMPLE_TENANT_ID, "Contoso", "contoso.onmicrosoft.com", "Managed", false, true],
      ],
    );
  });

  it("guest users", async () => {
    const rows = await rowsOf("guest-users");
    assert.deepEqual(
      rows.map((r) => [r.display_name, r.external_user_state, r.account_enabled, r.created_date_time]),
      [
        ["Dave Guest", "Accepted", false, "2021-01-01T09:00:00Z"],
        ["Carol Guest", "PendingAcceptance", true, "2021-03-01T09:00:00Z"],
      ],
    );
  });

  it("service principal OAuth2 permission grants", async () => {
    const rows = await rowsOf("service-principal-oauth2-permission-grants");
    assert.deepEqual(
      rows.map((r) => [r.client, r.client_app_id, r.api, r.consent_type, r.granted_for_user, r.scopes]),
      [
        [
          "Contoso Portal",
          "app-portal",
          "Microsoft Graph",
          "AllPrincipals",
          null,
          ["User.Read", "openid", "profile"],
        ],
        [
          "Reporting Tool",
          "app-report",
          "Microsoft Graph",
          "Principal",
          "alice@contoso.com",
          ["Mail.Read", "offline_access"],
        ],
      ],
    );
  });

  it("groups not assignable to any role", async () => {
    const rows = await rowsOf("groups-not-role-assignable");
    assert.deepEqual(
      rows.map((r) => [r.display_name, r.group_types]),
      [
        ["Marketing", ["DynamicMembership"]],
        ["Sales", ["Unified"]],
      ],
    );
  });

  it("user accounts not enabled", async () => {
    const rows = await rowsOf("disabled-user-accounts");
    assert.deepEqual(
      rows.map((r) => [r.display_name, r.user_type]),
      [
        ["Bob Former", "Member"],
        ["Dave Guest", "Guest"],
        ["Frank Synced", "Member"],
      ],
    );
  });

  it("every example runs on an empty tenant too", async () => {
    const root = tempDir("tl-query-examples-empty");
    const empty = specOf(
      await writeGeneration({
        root,
        workspaceId: "empty",
        generationId: 1,
        tables: {},
        allCatalogTables: true,
      }),
    );
    for (const ex of exampleQueries) assert.deepEqual(await h.rows(empty, ex.sql), [], ex.id);
  });
});
