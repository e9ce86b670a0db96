import type { ResourceDef } from "@tenantlens/graph";

/** A Graph request that finally failed (after retries), as the Graph adapter reports it. */
export interface GraphFailure {
  /** HTTP status, or null when no response came back (network). */
  status: number | null;
  /** OData `error.code`, e.g. "Authorization_RequestDenied". */
  code: string | null;
  message: string;
}

export type FailureKind =
  /** The tenant did not consent to, or does not license, the resource: recorded, never a failure. */
  | { kind: "not_collected"; reason: string }
  /** The delta or page token is no longer valid: drop it and read everything again. */
  | { kind: "resync"; reason: string }
  | { kind: "failed"; reason: string };

const LICENCE_CODES = new Set(["Authentication_RequestFromNonPremiumTenantOrB2CTenant"]);
const RESYNC_CODES = new Set(["syncStateNotFound", "resyncRequired", "Directory_ExpiredPageToken"]);

export function classifyGraphFailure(f: GraphFailure, resource: ResourceDef): FailureKind {
  if (f.code && LICENCE_CODES.has(f.code)) {
    const licence = resource.licence ? ` (${licenceName(resource.licence)})` : " (Entra ID P1 or P2)";
    return {
      kind: "not_collected",
      reason: `The tenant's licence does not include it${licence}: ${f.message}`,
    };
  }
  // Graph serves these only to a signed-in user: app-only tokens get a 400 (/me) or a 403.
  if (resource.delegatedOnly && (f.status === 400 || f.status === 403)) {
    return {
      kind: "not_collected",
      reason: `Only readable as the signed-in admin of a delegated (consent-link) integration, with ${resource.permissions.join(" or ")} granted; app-only integrations cannot read it. Graph said: ${f.message}`,
    };
  }
  if (f.status === 403 && f.code === "Authorization_RequestDenied") {
    return {
      kind: "not_collected",
      reason: `Permission not granted: the app needs one of ${resource.permissions.join(", ")} (application permission, admin consent). Graph said: ${f.message}`,
    };
  }
  if (f.status === 410 || (f.code && RESYNC_CODES.has(f.code))) {
    return { kind: "resync", reason: `Graph asked for a full resync (${f.code ?? f.status}): ${f.message}` };
  }
  // A 200 that failed anyway: the body was not the JSON Graph documents (cut short, not JSON, …).
  if (f.status === 200 && !f.message.startsWith("Malformed answer from Graph"))
    return {
      kind: "failed",
      reason: `Malformed answer from Graph${f.code ? ` (${f.code})` : ""}: ${f.message}`,
    };
  if (f.status === 200) return { kind: "failed", reason: f.message };
  const what = f.status === null ? "no response" : `HTTP ${f.status}${f.code ? ` ${f.code}` : ""}`;
  return { kind: "failed", reason: `${what}: ${f.message}` };
}

function licenceName(l: NonNullable<ResourceDef["licence"]>): string {
  switch (l) {
    case "p1":
      return "Entra ID P1";
    case "p2":
      return "Entra ID P2";
    case "intune":
      return "Microsoft Intune";
  }
}
