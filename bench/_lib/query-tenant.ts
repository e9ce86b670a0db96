/**
 * The synthetic tenant the query benchmarks read: ~1M directory objects (users, groups, service
 * principals, grants, domains, the organization) in the warehouse's layout, or 20x fewer with
 * --quick. Lives under bench/_lib so the harness does not run it.
 */
import { writeGeneration } from "../../services/query/src/testing/generation-fixture.js";

const TENANT = "11111111-1111-4111-8111-111111111111";

export function tenantTables(quick: boolean) {
  const full = { users: 600_000, groups: 250_000, servicePrincipals: 80_000, grants: 69_979, domains: 20 };
  const counts = quick
    ? { users: 30_000, groups: 12_500, servicePrincipals: 4_000, grants: 3_500, domains: 20 }
    : full;
  const base = `'int_bench0001' AS integration_id, '${TENANT}' AS tenant_id`;
  const raw = (fields: string) =>
    `json_object(${fields}) AS _raw, TIMESTAMPTZ '2025-01-01 00:00:00+00' AS _first_seen_at, now() AS _last_seen_at`;

  const tables = {
    azuread_user: {
      sql: `SELECT ${base}, 'u-' || i AS id, 'User ' || i AS display_name, 'user' || i || '@contoso.com' AS user_principal_name,
      'user' || i || '@contoso.com' AS mail, CASE WHEN i % 10 = 0 THEN 'Guest' ELSE 'Member' END AS user_type,
      i % 20 <> 0 AS account_enabled, TIMESTAMPTZ '2015-01-01 00:00:00+00' + to_seconds(i * 97) AS created_date_time,
      CASE WHEN i % 10 = 0 THEN (CASE WHEN i % 30 = 0 THEN 'PendingAcceptance' ELSE 'Accepted' END) END AS external_user_state,
      i % 3 = 0 AS on_premises_sync_enabled, 'Dept ' || (i % 40) AS department,
      ['SMTP:user' || i || '@contoso.com', 'smtp:u' || i || '@contoso.mail.onmicrosoft.com'] AS proxy_addresses,
      json_array(json_object('skuId', 'sku-' || (i % 4), 'disabledPlans', json_array())) AS assigned_licenses,
      ${raw("'id', 'u-' || i, 'displayName', 'User ' || i, 'userPrincipalName', 'user' || i || '@contoso.com', 'accountEnabled', i % 20 <> 0")}
      FROM range(${counts.users}) t(i)`,
    },
    azuread_group: {
      sql: `SELECT ${base}, 'g-' || i AS id, 'Group ' || i AS display_name, i % 2 = 0 AS security_enabled, i % 2 = 1 AS mail_enabled,
      CASE WHEN i % 2 = 1 THEN 'group' || i || '@contoso.com' END AS mail,
      CASE WHEN i % 10 = 0 THEN true WHEN i % 10 = 1 THEN NULL ELSE false END AS is_assignable_to_role,
      CASE WHEN i % 2 = 1 THEN ['Unified'] ELSE [] END AS group_types,
      TIMESTAMPTZ '2016-01-01 00:00:00+00' + to_seconds(i * 61) AS created_date_time,
      ${raw("'id', 'g-' || i, 'displayName', 'Group ' || i")}
      FROM range(${counts.groups}) t(i)`,
    },
    azuread_service_principal: {
      sql: `SELECT ${base}, 'sp-' || i AS id, 'App ' || i AS display_name, 'app-' || i AS app_id, 'Application' AS service_principal_type,
      true AS account_enabled, ${raw("'id', 'sp-' || i, 'displayName', 'App ' || i")}
      FROM range(${counts.servicePrincipals}) t(i)`,
    },
    azuread_oauth2_permission_grant: {
      sql: `SELECT ${base}, 'grant-' || i AS id, 'sp-' || (50 + i % ${counts.servicePrincipals - 50}) AS client_id,
      CASE WHEN i % 4 = 0 THEN 'AllPrincipals' ELSE 'Principal' END AS consent_type,
      CASE WHEN i % 4 = 0 THEN NULL ELSE 'u-' || (i * 7 % ${counts.users}) END AS principal_id,
      'sp-' || (i % 50) AS resource_id, ' User.Read openid profile ' || CASE WHEN i % 3 = 0 THEN 'Mail.Read ' ELSE '' END AS scope,
      ${raw("'id', 'grant-' || i")}
      FROM range(${counts.grants}) t(i)`,
    },
    azuread_domain: {
      sql: `SELECT ${base}, 'domain' || i || '.contoso.com' AS id, i = 0 AS is_default, i = 1 AS is_initial, true AS is_verified,
      'Managed' AS authentication_type, ['Email'] AS supported_services, ${raw("'id', 'domain' || i")}
      FROM range(${counts.domains}) t(i)`,
    },
    azuread_organization: {
      sql: `SELECT ${base}, '${TENANT}' AS id, 'Contoso' AS display_name, 'AAD' AS tenant_type,
      (SELECT json_group_array(json_object('name', 'domain' || i || '.contoso.com', 'type', 'Managed', 'isDefault', i = 0,
        'isInitial', i = 1, 'capabilities', 'Email')) FROM range(${counts.domains}) d(i)) AS verified_domains,
      ${raw("'id', 'org'")}`,
    },
  };

  return tables;
}

/** Writes the synthetic tenant as generation `generationId` of `workspaceId` under `root`. */
export function writeTenantGeneration(
  root: string,
  workspaceId: string,
  generationId: number,
  quick: boolean,
) {
  return writeGeneration({ root, workspaceId, generationId, tables: tenantTables(quick) });
}
