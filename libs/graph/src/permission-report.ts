import { catalog } from "./catalog.js";
import type { Licence, ResourceDef } from "./types.js";

/** What the poller last recorded for one resource (a poll's per-resource summary). */
export interface ResourceReading {
  resource: string;
  outcome: "complete" | "partial" | "failed" | "not_collected";
  reason: string | null;
  /** When that poll completed (ISO), or null. */
  at: string | null;
}

export interface TablePermission {
  table: string;
  resource: string;
  /**
   * `readable`: the last read got data through; `not_readable`: Graph refused it (permission not
   * granted, licence missing, delegated only); `unknown`: never read, or the last read failed for
   * another reason (the reason says which).
   */
  status: "readable" | "not_readable" | "unknown";
  reason: string | null;
  /** Application permissions (delegated scopes) that each allow reading it. */
  permissions: string[];
  licence: Licence | null;
  delegatedOnly: boolean;
  /** When the reading this statement rests on was made. */
  checkedAt: string | null;
}

const LICENCE: Record<Licence, string> = {
  p1: "Entra ID P1",
  p2: "Entra ID P2",
  intune: "Microsoft Intune",
};

/**
 * One statement per catalog table from the latest reading of each resource (`readings` newest
 * first; older ones of the same resource are ignored).
 */
export function permissionReport(
  readings: readonly ResourceReading[],
  resources: readonly ResourceDef[] = catalog,
): TablePermission[] {
  const latest = new Map<string, ResourceReading>();
  for (const r of readings) if (!latest.has(r.resource)) latest.set(r.resource, r);
  return resources.map((def) => {
    const base = {
      table: def.table,
      resource: def.name,
      permissions: [...def.permissions],
      licence: def.licence,
      delegatedOnly: def.delegatedOnly,
    };
    const r = latest.get(def.name);
    if (!r) {
      const needs = [
        `one of ${def.permissions.join(", ")}`,
        def.licence ? `the ${LICENCE[def.licence]} licence` : null,
        def.delegatedOnly ? "a delegated (consent-link) integration" : null,
      ].filter((x) => x !== null);
      return {
        ...base,
        status: "unknown" as const,
        reason: `Not read yet; needs ${needs.join(" and ")}`,
        checkedAt: null,
      };
    }
    switch (r.outcome) {
      case "complete":
      case "partial":
        return { ...base, status: "readable" as const, reason: null, checkedAt: r.at };
      case "not_collected":
        return { ...base, status: "not_readable" as const, reason: r.reason, checkedAt: r.at };
      default:
        return {
          ...base,
          status: "unknown" as const,
          reason: `The last read failed: ${r.reason ?? "no reason given"}`,
          checkedAt: r.at,
        };
    }
  });
}

/**
 * The Microsoft Graph application permissions an app-only integration needs: the least privileged
 * permission of every table Graph serves to an app (not the signed-in-user-only ones), once each,
 * in catalog order. What the admin-consent link asks an administrator to grant.
 */
export function requiredApplicationPermissions(resources: readonly ResourceDef[] = catalog): string[] {
  const out: string[] = [];
  for (const r of resources) {
    const first = r.permissions[0];
    if (!r.delegatedOnly && first && !out.includes(first)) out.push(first);
  }
  return out;
}
