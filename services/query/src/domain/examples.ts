import type { ExampleQuery } from "@tenantlens/contracts";

/**
 * The product's common questions, shipped as example queries (GET /api/examples). Each is tested
 * against a generation built by the tests (examples.test.ts) and timed by bench/query-latency.ts.
 */
export const exampleQueries: readonly ExampleQuery[] = [
  {
    id: "organization-verified-domains",
    title: "Organization verified domains",
    description:
      "Every verified domain of each connected tenant, with its type and whether it is the default or initial one.",
    sql: `SELECT o.tenant_id,
       o.display_name                    AS organization,
       d ->> 'name'                      AS domain,
       d ->> 'type'                      AS type,
       (d ->> 'isDefault')::BOOLEAN      AS is_default,
       (d ->> 'isInitial')::BOOLEAN      AS is_initial,
       d ->> 'capabilities'              AS capabilities
FROM azuread_organization o,
     unnest(from_json(o.verified_domains, '["json"]')) AS v(d)
ORDER BY organization, is_default DESC, domain`,
  },
  {
    id: "guest-users",
    title: "Guest users",
    description: "Guest (B2B) accounts with their invitation state, oldest first.",
    sql: `SELECT tenant_id,
       display_name,
       user_principal_name,
       mail,
       external_user_state,
       account_enabled,
       created_date_time
FROM azuread_user
WHERE user_type = 'Guest'
ORDER BY created_date_time, user_principal_name`,
  },
  {
    id: "service-principal-oauth2-permission-grants",
    title: "Service principal OAuth2 permission grants",
    description:
      "Delegated permissions granted to applications: which client may call which API with which scopes, for everyone (AllPrincipals) or for one user (Principal).",
    sql: `SELECT g.tenant_id,
       client.display_name                                          AS client,
       client.app_id                                                AS client_app_id,
       api.display_name                                             AS api,
       g.consent_type,
       u.user_principal_name                                        AS granted_for_user,
       list_filter(string_split(trim(g.scope), ' '), s -> s <> '') AS scopes
FROM azuread_oauth2_permission_grant g
LEFT JOIN azuread_service_principal client ON client.id = g.client_id AND client.tenant_id = g.tenant_id
LEFT JOIN azuread_service_principal api    ON api.id = g.resource_id AND api.tenant_id = g.tenant_id
LEFT JOIN azuread_user u                   ON u.id = g.principal_id AND u.tenant_id = g.tenant_id
ORDER BY client, api, g.consent_type, granted_for_user`,
  },
  {
    id: "groups-not-role-assignable",
    title: "Groups not assignable to any role",
    description: "Groups that cannot be assigned to a directory role (isAssignableToRole is false or unset).",
    sql: `SELECT tenant_id,
       display_name,
       mail,
       security_enabled,
       mail_enabled,
       group_types,
       created_date_time
FROM azuread_group
WHERE NOT coalesce(is_assignable_to_role, false)
ORDER BY display_name`,
  },
  {
    id: "disabled-user-accounts",
    title: "User accounts not enabled",
    description: "Users whose account is disabled (accountEnabled is false) and cannot sign in.",
    sql: `SELECT tenant_id,
       display_name,
       user_principal_name,
       user_type,
       on_premises_sync_enabled,
       created_date_time
FROM azuread_user
WHERE account_enabled = false
ORDER BY display_name`,
  },
];
