/**
 * The seam between the simulator's two halves:
 * - identity (tls.ts, identity/*, server.ts, control.ts, cli.ts, index.ts): certificates, the
 *   login.microsoftonline.com-like endpoints, token minting and verification, app/secret/consent
 *   state, the /_sim/ key guard, the server assembly and the CLI;
 * - directory (directory/*, graph/*): the seeded tenant generator, the object store with its change
 *   log, and every Graph v1.0/beta route plus the data-side /_sim/ controls (mutations, faults,
 *   throttling, live mode).
 */

/** Licence flags that gate Graph endpoints (403 Authentication_RequestFromNonPremiumTenantOrB2CTenant). */
export interface TenantLicences {
  /** Entra ID P1: sign-in logs, signInActivity, conditional access. */
  p1: boolean;
  /** Entra ID P2: identity protection, PIM eligibility. */
  p2: boolean;
  intune: boolean;
}

export interface SimSecret {
  /** keyId as Graph shows it in passwordCredentials. */
  keyId: string;
  value: string;
  /** ISO timestamp; a secret past it is rejected with AADSTS7000222. */
  endDateTime: string;
  /** ISO timestamp of creation (passwordCredentials startDateTime); seeded secrets leave it out. */
  startDateTime?: string;
  /** Description (passwordCredentials displayName; "Client secret" when absent). */
  displayName?: string;
}

/** A certificate credential (keyCredentials): clients sign `client_assertion` JWTs with its key. */
export interface SimCertificate {
  keyId: string;
  /** SHA-1 thumbprint, hex upper case (the `x5t` header is its base64url). */
  thumbprint: string;
  /** SHA-256 thumbprint, hex upper case (the `x5t#S256` header is its base64url). */
  thumbprintSha256: string;
  certificatePem: string;
  startDateTime: string;
  endDateTime: string;
  displayName?: string;
}

/** An app registration that clients authenticate as (the "Tenantlens" app the collector uses). */
export interface SimApp {
  clientId: string;
  displayName: string;
  secrets: SimSecret[];
  /** Certificate credentials (none until one is registered through the control API). */
  certificates?: SimCertificate[];
  /** Redirect URIs matched exactly (RFC 9700 2.1). */
  redirectUris: string[];
  /** Application permissions granted by admin consent (appear as `roles` in app-only tokens). */
  applicationPermissions: string[];
  /** Delegated scopes granted (appear as `scp` in delegated tokens). */
  delegatedScopes: string[];
  /** The service principal was deleted from the tenant: AADSTS700016. */
  deleted: boolean;
  /** Consent revoked: refresh and code redemption answer invalid_grant (AADSTS65001). */
  consentRevoked: boolean;
}

export interface TenantIdentity {
  tenantId: string;
  displayName: string;
  /** e.g. "contoso.onmicrosoft.com" */
  initialDomain: string;
  licences: TenantLicences;
  apps: SimApp[];
  /** Signed-in user used by the consent page and delegated tokens. */
  adminUser: { id: string; userPrincipalName: string; displayName: string };
}

/** What an identity-side change touched (listeners re-read the whole app, so this is informational). */
export type SimAppChangeKind = "secrets" | "deleted" | "permissions" | "consent";

/**
 * Emitted after every identity-side change to an app (control API, consent page). The directory
 * half mirrors each app as an application + service principal and applies these through its
 * normal mutations, so Graph reads, the change log and delta report them.
 */
export interface SimAppChange {
  tenantId: string;
  /** The live app after the change (not a copy). */
  app: SimApp;
  what: SimAppChangeKind;
}

/** Claims of an access token minted by the identity half and checked by the Graph half. */
export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  /** Application permissions (app-only tokens). */
  roles?: string[];
  /** Delegated scopes, space separated (delegated tokens). */
  scp?: string;
  /** Object id of the signed-in user (delegated tokens). */
  oid?: string;
  iat: number;
  nbf: number;
  exp: number;
}

export type TokenCheck =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; code: "InvalidAuthenticationToken"; message: string };

/** What the identity half gives the directory half. */
export interface IdentityPort {
  /** Verifies a bearer token (signature, expiry, audience) and returns its claims. */
  verifyAccessToken(token: string): Promise<TokenCheck>;
  /** Live view: mutations through /_sim/ are visible at once. */
  tenant(tenantId: string): TenantIdentity | undefined;
  /**
   * Subscribes to app changes, called synchronously after each one; returns the unsubscribe
   * function. Optional so minimal ports (benchmarks) need not implement it: without it a directory
   * mirrors the apps as they were at its first sync only.
   */
  onAppChange?(listener: (change: SimAppChange) => void): () => void;
}
