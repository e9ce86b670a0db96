import type { FixtureRow, FixtureTable } from "./generation-fixture.js";

/** A small tenant with known answers to the five example questions (see examples.test.ts). */
export const SAMPLE_TENANT_ID = "11111111-1111-4111-8111-111111111111";
export const SAMPLE_INTEGRATION = "int_sampletenant01";

const base = { integration_id: SAMPLE_INTEGRATION, tenant_id: SAMPLE_TENANT_ID };
const seen = { _first_seen_at: "2025-01-01T00:00:00Z", _last_seen_at: "2025-06-01T00:00:00Z" };

function withRaw(row: FixtureRow): FixtureRow {
  return { ...base, ...row, _raw: { id: row.id, displayName: row.display_name ?? null }, ...seen };
}

export const sampleUsers: FixtureRow[] = [
  {
    id: "u-alice",
    display_name: "Alice Admin",
    user_principal_name: "alice@contoso.com",
    user_type: "Member",
    account_enabled: true,
    created_date_time: "2020-01-01T09:00:00Z",
    proxy_addresses: ["SMTP:alice@contoso.com", "smtp:a@contoso.com"],
    identities: [
      {
        signInType: "userPrincipalName",
        issuer: "contoso.onmicrosoft.com",
        issuerAssignedId: "alice@contoso.com",
      },
    ],
    assigned_licenses: [{ skuId: "sku-e5", disabledPlans: [] }],
  },
  {
    id: "u-bob",
    display_name: "Bob Former",
    user_principal_name: "bob@contoso.com",
    user_type: "Member",
    account_enabled: false,
    created_date_time: "2020-02-01T09:00:00Z",
    proxy_addresses: ["SMTP:bob@contoso.com"],
    identities: [],
    assigned_licenses: [],
  },
  {
    id: "u-carol",
    display_name: "Carol Guest",
    user_principal_name: "carol_fabrikam.com#EXT#@contoso.onmicrosoft.com",
    mail: "carol@fabrikam.com",
    user_type: "Guest",
    account_enabled: true,
    external_user_state: "PendingAcceptance",
    created_date_time: "2021-03-01T09:00:00Z",
    proxy_addresses: [],
    identities: [{ signInType: "federated", issuer: "fabrikam.com", issuerAssignedId: null }],
  },
  {
    id: "u-dave",
    display_name: "Dave Guest",
    user_principal_name: "dave_tailspin.com#EXT#@contoso.onmicrosoft.com",
    mail: "dave@tailspin.com",
    user_type: "Guest",
    account_enabled: false,
    external_user_state: "Accepted",
    created_date_time: "2021-01-01T09:00:00Z",
    proxy_addresses: [],
  },
  {
    id: "u-erin",
    display_name: "Erin Engineer",
    user_principal_name: "erin@contoso.com",
    user_type: "Member",
    account_enabled: true,
    created_date_time: "2022-05-05T09:00:00Z",
    proxy_addresses: ["SMTP:erin@contoso.com"],
    assigned_licenses: [{ skuId: "sku-e3", disabledPlans: ["plan-x"] }],
  },
  {
    id: "u-frank",
    display_name: "Frank Synced",
    user_principal_name: "frank@contoso.com",
    user_type: "Member",
    account_enabled: false,
    on_premises_sync_enabled: true,
    created_date_time: "2019-07-07T09:00:00Z",
    proxy_addresses: [],
  },
].map(withRaw);

export const sampleGroups: FixtureRow[] = [
  {
    id: "g-admins",
    display_name: "Tier 0 Admins",
    security_enabled: true,
    mail_enabled: false,
    is_assignable_to_role: true,
    group_types: [],
  },
  {
    id: "g-sales",
    display_name: "Sales",
    security_enabled: false,
    mail_enabled: true,
    mail: "sales@contoso.com",
    is_assignable_to_role: false,
    group_types: ["Unified"],
  },
  {
    id: "g-marketing",
    display_name: "Marketing",
    security_enabled: true,
    mail_enabled: false,
    group_types: ["DynamicMembership"],
  },
].map(withRaw);

export const sampleServicePrincipals: FixtureRow[] = [
  {
    id: "sp-graph",
    display_name: "Microsoft Graph",
    app_id: "00000003-0000-0000-c000-000000000000",
    service_principal_type: "Application",
    account_enabled: true,
  },
  {
    id: "sp-app",
    display_name: "Contoso Portal",
    app_id: "app-portal",
    service_principal_type: "Application",
    account_enabled: true,
    password_credentials: [
      { keyId: "k1", displayName: "portal secret", endDateTime: "2025-03-01T00:00:00Z" },
    ],
    tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
  },
  {
    id: "sp-report",
    display_name: "Reporting Tool",
    app_id: "app-report",
    service_principal_type: "Application",
    account_enabled: true,
    password_credentials: [],
  },
].map(withRaw);

export const sampleGrants: FixtureRow[] = [
  {
    id: "grant-1",
    client_id: "sp-app",
    consent_type: "AllPrincipals",
    resource_id: "sp-graph",
    scope: "User.Read openid profile",
  },
  {
    id: "grant-2",
    client_id: "sp-report",
    consent_type: "Principal",
    principal_id: "u-alice",
    resource_id: "sp-graph",
    scope: " Mail.Read  offline_access ",
  },
].map(withRaw);

export const sampleOrganization: FixtureRow[] = [
  {
    id: SAMPLE_TENANT_ID,
    display_name: "Contoso",
    tenant_type: "AAD",
    verified_domains: [
      {
        name: "contoso.com",
        type: "Managed",
        isDefault: true,
        isInitial: false,
        capabilities: "Email, OfficeCommunicationsOnline",
      },
      {
        name: "contoso.onmicrosoft.com",
        type: "Managed",
        isDefault: false,
        isInitial: true,
        capabilities: "Email, OfficeCommunicationsOnline",
      },
      { name: "contoso.net", type: "Federated", isDefault: false, isInitial: false, capabilities: "None" },
    ],
    technical_notification_mails: ["it@contoso.com"],
  },
].map(withRaw);

export const sampleDomains: FixtureRow[] = [
  {
    id: "contoso.com",
    is_default: true,
    is_initial: false,
    is_verified: true,
    authentication_type: "Managed",
    supported_services: ["Email", "OfficeCommunicationsOnline"],
  },
  {
    id: "contoso.onmicrosoft.com",
    is_default: false,
    is_initial: true,
    is_verified: true,
    authentication_type: "Managed",
    supported_services: ["Email"],
  },
].map(withRaw);

export const sampleApplications: FixtureRow[] = [
  {
    id: "app-1",
    display_name: "Contoso Portal",
    app_id: "app-portal",
    password_credentials: [
      { keyId: "k1", displayName: "portal secret", endDateTime: "2025-03-01T00:00:00Z" },
      { keyId: "k2", displayName: "ci secret", endDateTime: "2027-01-01T00:00:00Z" },
    ],
    required_resource_access: [
      {
        resourceAppId: "00000003-0000-0000-c000-000000000000",
        resourceAccess: [{ id: "e1fe6dd8", type: "Scope" }],
      },
    ],
  },
].map(withRaw);

export const sampleUserChanges: FixtureRow[] = [
  {
    change_id: "c1",
    ...base,
    resource_id: "u-bob",
    change_type: "modified",
    fields: ["accountEnabled"],
    before: { accountEnabled: true },
    after: { accountEnabled: false },
    recorded_at: "2025-05-01T00:00:00Z",
    poll_id: "poll_sample0001",
  },
];

export const sampleHistory: FixtureRow[] = [
  {
    query_id: "q_1",
    actor: "key_alice",
    sql: "SELECT 1",
    started_at: "2025-06-01T10:00:00Z",
    duration_ms: 3.5,
    row_count: 1,
    outcome: "ok",
    error: null,
    generation_id: 1,
  },
  {
    query_id: "q_2",
    actor: "key_bob",
    sql: "COPY x TO 'y'",
    started_at: "2025-06-01T10:01:00Z",
    duration_ms: 1,
    row_count: 0,
    outcome: "rejected",
    error: "Only a single read-only statement is allowed",
    generation_id: 1,
  },
  {
    query_id: "q_3",
    actor: "key_alice",
    sql: "SELECT * FROM azuread_user",
    started_at: "2025-06-01T10:02:00Z",
    duration_ms: 12,
    row_count: 6,
    outcome: "ok",
    error: null,
    generation_id: 1,
  },
];

/** Every table of the sample tenant. */
export function sampleTables(): Record<string, FixtureTable> {
  return {
    azuread_user: sampleUsers,
    azuread_group: sampleGroups,
    azuread_service_principal: sampleServicePrincipals,
    azuread_oauth2_permission_grant: sampleGrants,
    azuread_organization: sampleOrganization,
    azuread_domain: sampleDomains,
    azuread_application: sampleApplications,
    azuread_user_changes: sampleUserChanges,
    query_history: sampleHistory,
  };
}
