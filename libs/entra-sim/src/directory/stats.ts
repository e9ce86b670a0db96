import type { Directory } from "./directory.js";
import type { JsonObject, Kind } from "./kinds.js";

/** Counts of what the generator (plus mutations) produced, so tests can assert exact numbers. */
export interface DirectoryStats {
  tenantId: string;
  totalObjects: number;
  users: {
    total: number;
    members: number;
    guests: number;
    enabled: number;
    disabled: number;
    synced: number;
    cloudOnly: number;
    /** Last interactive sign-in more than 90 days ago (measured from now). */
    staleSignIn90d: number;
    neverSignedIn: number;
    pendingGuests: number;
  };
  groups: {
    total: number;
    security: number;
    microsoft365: number;
    roleAssignable: number;
    dynamic: number;
    mailEnabledSecurity: number;
    synced: number;
    teams: number;
  };
  applications: {
    total: number;
    withSecrets: number;
    expiredSecrets: number;
    expiringSecrets30d: number;
    withCertificates: number;
  };
  servicePrincipals: {
    total: number;
    application: number;
    managedIdentity: number;
    microsoftOwned: number;
    disabled: number;
  };
  oauth2PermissionGrants: { total: number; allPrincipals: number; principal: number };
  directoryRoles: { total: number; members: number };
  roleAssignments: { active: number; eligible: number };
  devices: { total: number; enabled: number; managed: number; compliant: number };
  orgContacts: number;
  administrativeUnits: number;
  domains: { total: number; verified: number; unverified: number };
  changes: number;
}

function* active(dir: Directory, kind: Kind): Generator<JsonObject> {
  const n = dir.store.positions(kind);
  for (let p = 0; p < n; p++) {
    const o = dir.store.atPosition(kind, p);
    if (o) yield o;
  }
}

export function computeStats(dir: Directory): DirectoryStats {
  const now = Date.now();
  const DAY = 86_400_000;
  const users = {
    total: 0,
    members: 0,
    guests: 0,
    enabled: 0,
    disabled: 0,
    synced: 0,
    cloudOnly: 0,
    staleSignIn90d: 0,
    neverSignedIn: 0,
    pendingGuests: 0,
  };
  for (const u of active(dir, "user")) {
    users.total++;
    if (u.userType === "Guest") users.guests++;
    else users.members++;
    if (u.accountEnabled === false) users.disabled++;
    else users.enabled++;
    if (u.onPremisesSyncEnabled === true) users.synced++;
    else users.cloudOnly++;
    if (u.externalUserState === "PendingAcceptance") users.pendingGuests++;
    const last = (u.signInActivity as { lastSignInDateTime?: string | null } | null)?.lastSignInDateTime;
    if (!last) users.neverSignedIn++;
    else if (now - Date.parse(last) > 90 * DAY) users.staleSignIn90d++;
  }
  const groups = {
    total: 0,
    security: 0,
    microsoft365: 0,
    roleAssignable: 0,
    dynamic: 0,
    mailEnabledSecurity: 0,
    synced: 0,
    teams: 0,
  };
  for (const g of active(dir, "group")) {
    groups.total++;
    const types = Array.isArray(g.groupTypes) ? (g.groupTypes as string[]) : [];
    if (types.includes("Unified")) groups.microsoft365++;
    else if (g.securityEnabled === true && g.mailEnabled === true) groups.mailEnabledSecurity++;
    else groups.security++;
    if (g.isAssignableToRole === true) groups.roleAssignable++;
    if (types.includes("DynamicMembership")) groups.dynamic++;
    if (g.onPremisesSyncEnabled === true) groups.synced++;
    if (Array.isArray(g.resourceProvisioningOptions) && g.resourceProvisioningOptions.includes("Team"))
      groups.teams++;
  }
  const applications = {
    total: 0,
    withSecrets: 0,
    expiredSecrets: 0,
    expiringSecrets30d: 0,
    withCertificates: 0,
  };
  for (const a of active(dir, "application")) {
    applications.total++;
    const secrets = (Array.isArray(a.passwordCredentials) ? a.passwordCredentials : []) as {
      endDateTime?: string;
    }[];
    if (secrets.length > 0) applications.withSecrets++;
    for (const s of secrets) {
      const end = Date.parse(s.endDateTime ?? "");
      if (end < now) applications.expiredSecrets++;
      else if (end - now <= 30 * DAY) applications.expiringSecrets30d++;
    }
    if (Array.isArray(a.keyCredentials) && a.keyCredentials.length > 0) applications.withCertificates++;
  }
  const servicePrincipals = { total: 0, application: 0, managedIdentity: 0, microsoftOwned: 0, disabled: 0 };
  for (const s of active(dir, "servicePrincipal")) {
    servicePrincipals.total++;
    if (s.servicePrincipalType === "ManagedIdentity") servicePrincipals.managedIdentity++;
    else servicePrincipals.application++;
    if (s.appOwnerOrganizationId === "f8cdef31-a31e-4b4a-93e4-5f571e91255a")
      servicePrincipals.microsoftOwned++;
    if (s.accountEnabled === false) servicePrincipals.disabled++;
  }
  const oauth2PermissionGrants = { total: 0, allPrincipals: 0, principal: 0 };
  for (const g of active(dir, "oauth2PermissionGrant")) {
    oauth2PermissionGrants.total++;
    if (g.consentType === "AllPrincipals") oauth2PermissionGrants.allPrincipals++;
    else oauth2PermissionGrants.principal++;
  }
  const directoryRoles = { total: 0, members: 0 };
  for (const r of active(dir, "directoryRole")) {
    directoryRoles.total++;
    directoryRoles.members += dir.store.memberIds(String(r.id)).length;
  }
  const devices = { total: 0, enabled: 0, managed: 0, compliant: 0 };
  for (const d of active(dir, "device")) {
    devices.total++;
    if (d.accountEnabled !== false) devices.enabled++;
    if (d.isManaged === true) devices.managed++;
    if (d.isCompliant === true) devices.compliant++;
  }
  const domains = dir.data.domains();
  const orgContacts = dir.store.activeCount("orgContact");
  const administrativeUnits = dir.store.activeCount("administrativeUnit");
  return {
    tenantId: dir.tenantId,
    totalObjects:
      users.total +
      groups.total +
      applications.total +
      servicePrincipals.total +
      oauth2PermissionGrants.total +
      directoryRoles.total +
      devices.total +
      orgContacts +
      administrativeUnits,
    users,
    groups,
    applications,
    servicePrincipals,
    oauth2PermissionGrants,
    directoryRoles,
    roleAssignments: {
      active: dir.data.roleAssignments().length,
      eligible: dir.data.roleEligibilityScheduleInstances().length,
    },
    devices,
    orgContacts,
    administrativeUnits,
    domains: {
      total: domains.length,
      verified: domains.filter((d) => d.isVerified === true).length,
      unverified: domains.filter((d) => d.isVerified !== true).length,
    },
    changes: dir.store.log.seq,
  };
}
