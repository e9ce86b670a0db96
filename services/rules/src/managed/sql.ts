/**
 * SQL building blocks of the managed rules. Each builder returns plain SQL text (shown as is in
 * docs/rules.md); every query returns integration_id, "table", resource_id, display_name, details.
 */

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

function detailsObject(details: ReadonlyArray<readonly [string, string]>): string {
  return details.length === 0
    ? "NULL"
    : `json_object(${details.map(([k, e]) => `${lit(k)}, ${e}`).join(", ")})`;
}

/** The singleton row of a policy table when it matches `where` (one violation per tenant). */
export function policyRow(o: {
  table: string;
  name: string;
  where: string;
  details: ReadonlyArray<readonly [string, string]>;
}): string {
  return `SELECT integration_id, ${lit(o.table)} AS "table", id AS resource_id, ${lit(o.name)} AS display_name,
  ${detailsObject(o.details)} AS details
FROM ${o.table}
WHERE ${o.where}`;
}

/**
 * A directory setting (azuread_directory_setting.values) of one name, per tenant: a violation when it
 * is missing (the tenant never set it) or `violatesWhen` holds for `setting.value` (text).
 */
export function directorySetting(o: { template: string; name: string; violatesWhen: string }): string {
  return `WITH setting AS (
  SELECT s.integration_id, e->>'value' AS value
  FROM azuread_directory_setting s, unnest(CAST(s."values" AS JSON[])) AS t(e)
  WHERE (e->>'name') = ${lit(o.name)}
)
SELECT o.integration_id, 'azuread_directory_setting' AS "table", ${lit(o.name)} AS resource_id,
  ${lit(`${o.template}: ${o.name}`)} AS display_name,
  json_object('setting', ${lit(o.name)}, 'value', setting.value) AS details
FROM azuread_organization o
LEFT JOIN setting ON setting.integration_id = o.integration_id
WHERE setting.value IS NULL OR (${o.violatesWhen})`;
}

/**
 * One configuration of the authentication methods policy (by id), per tenant: a violation when it is
 * missing or `violatesWhen` holds for `config` (JSON).
 */
export function authenticationMethod(o: {
  method: string;
  label: string;
  violatesWhen: string;
  details: ReadonlyArray<readonly [string, string]>;
}): string {
  return `WITH method AS (
  SELECT p.integration_id, c AS config
  FROM azuread_authentication_method_policy p, unnest(CAST(p.authentication_method_configurations AS JSON[])) AS t(c)
  WHERE (c->>'id') = ${lit(o.method)}
)
SELECT p.integration_id, 'azuread_authentication_method_policy' AS "table", ${lit(o.method)} AS resource_id,
  ${lit(`Authentication method: ${o.label}`)} AS display_name,
  ${detailsObject(o.details)} AS details
FROM azuread_authentication_method_policy p
LEFT JOIN method ON method.integration_id = p.integration_id
WHERE method.config IS NULL OR (${o.violatesWhen})`;
}

/** Enabled Conditional Access policies with their conditions and controls as lists. */
export const CA = `ca AS (
  SELECT integration_id, id, display_name,
    coalesce(CAST(conditions->'users'->'includeUsers' AS VARCHAR[]), []) AS include_users,
    coalesce(CAST(conditions->'users'->'excludeUsers' AS VARCHAR[]), []) AS exclude_users,
    coalesce(CAST(conditions->'users'->'includeGroups' AS VARCHAR[]), []) AS include_groups,
    coalesce(CAST(conditions->'users'->'excludeGroups' AS VARCHAR[]), []) AS exclude_groups,
    coalesce(CAST(conditions->'users'->'includeRoles' AS VARCHAR[]), []) AS include_roles,
    coalesce(CAST(conditions->'applications'->'includeApplications' AS VARCHAR[]), []) AS include_apps,
    coalesce(CAST(conditions->'applications'->'includeUserActions' AS VARCHAR[]), []) AS include_user_actions,
    coalesce(CAST(conditions->'clientAppTypes' AS VARCHAR[]), []) AS client_app_types,
    coalesce(CAST(conditions->'userRiskLevels' AS VARCHAR[]), []) AS user_risk_levels,
    coalesce(CAST(conditions->'signInRiskLevels' AS VARCHAR[]), []) AS sign_in_risk_levels,
    coalesce(conditions->'authenticationFlows'->>'transferMethods', '') AS transfer_methods,
    coalesce(CAST(grant_controls->'builtInControls' AS VARCHAR[]), []) AS controls,
    grant_controls->>'operator' AS operator,
    grant_controls->'authenticationStrength'->>'id' AS strength_id
  FROM azuread_conditional_access_policy
  WHERE state = 'enabled'
)`;

/** Id of Microsoft's built-in "Phishing-resistant MFA" authentication strength. */
export const PHISHING_RESISTANT = "00000000-0000-0000-0000-000000000004";

/** A tenant without an enabled Conditional Access policy matching `policyWhere` (over `ca`). */
export function caRequired(o: { policyWhere: string; missing: string }): string {
  return `WITH ${CA}
SELECT o.integration_id, 'azuread_organization' AS "table", o.id AS resource_id, o.display_name,
  json_object('missing', ${lit(o.missing)},
    'enabledPolicies', (SELECT count(*) FROM ca WHERE ca.integration_id = o.integration_id)) AS details
FROM azuread_organization o
WHERE NOT EXISTS (
  SELECT 1 FROM ca WHERE ca.integration_id = o.integration_id
    AND ${o.policyWhere}
)`;
}

/** CISA ScubaGear's highly privileged roles (built-in role template ids). */
export const HIGHLY_PRIVILEGED: ReadonlyArray<readonly [string, string]> = [
  ["62e90394-69f5-4237-9190-012177145e10", "Global Administrator"],
  ["e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator"],
  ["fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"],
  ["f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator"],
  ["29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator"],
  ["8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "Hybrid Identity Administrator"],
  ["9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator"],
  ["158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator"],
];

export const GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10";

/** `privileged(role_id, role_name)`: the highly privileged roles as a table. */
export const PRIVILEGED = `privileged(role_id, role_name) AS (VALUES
  ${HIGHLY_PRIVILEGED.map(([id, name]) => `(${lit(id)}, ${lit(name)})`).join(",\n  ")}
)`;

/** The highly privileged role ids as a list literal. */
export const PRIVILEGED_IDS = `[${HIGHLY_PRIVILEGED.map(([id]) => lit(id)).join(", ")}]`;

/** Who holds a highly privileged role (active assignments), with the role's name. */
export const PRIVILEGED_ASSIGNEES = `${PRIVILEGED},
assignee AS (
  SELECT a.integration_id, a.principal_id, list(DISTINCT p.role_name ORDER BY p.role_name) AS roles
  FROM azuread_directory_role_assignment a
  JOIN privileged p ON p.role_id = a.role_definition_id
  GROUP BY ALL
)`;

/** PIM rules of each role's policy: one row per (role, rule). */
export const ROLE_POLICY_RULES = `policy_rule AS (
  SELECT a.integration_id, a.role_definition_id, r->>'id' AS rule_id, r AS rule
  FROM azuread_role_management_policy_assignment a, unnest(CAST(a.policy->'rules' AS JSON[])) AS t(r)
)`;
