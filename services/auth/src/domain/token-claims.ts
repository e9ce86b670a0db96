/**
 * Entra still issues an app-only token after admin consent is revoked, just without a `roles` claim;
 * every Graph call then fails with 403. Reading the claim (not verifying it: Graph does that) lets
 * auth say "consent revoked" once instead of every resource saying "permission denied".
 * Access tokens are formally opaque, so anything that is not a readable JWT is not judged.
 */
export function appRolesOf(accessToken: string): string[] | undefined {
  const claims = readClaims(accessToken);
  if (!claims) return undefined;
  const roles = claims.roles;
  if (roles === undefined) return [];
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : undefined;
}

/** The delegated `scp` claim as a list (undefined for opaque tokens; [] when absent). */
export function scopesOf(accessToken: string): string[] | undefined {
  const claims = readClaims(accessToken);
  if (!claims) return undefined;
  return typeof claims.scp === "string" ? claims.scp.split(" ").filter(Boolean) : [];
}

/** The `tid` claim of a readable JWT access token (undefined for opaque tokens). */
export function tenantOfToken(accessToken: string): string | undefined {
  const tid = readClaims(accessToken)?.tid;
  return typeof tid === "string" ? tid : undefined;
}

function readClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function noRolesReason(clientId: string, tenantId: string): string {
  return `App ${clientId} has no application permissions in tenant ${tenantId}: admin consent is missing or was revoked. Grant admin consent for its Microsoft Graph application permissions, then enable the integration again.`;
}
