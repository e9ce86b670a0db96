import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * The delegated consent flow (RFC 9700): a one-time `state` bound to the integration and workspace,
 * PKCE with S256 and an OIDC nonce, all expiring quickly. The verifier and nonce never leave auth.
 */
export const ConsentState = z.object({
  /** `admin`: an app-mode integration's admin-consent link (no code comes back; PKCE unused). */
  kind: z.enum(["delegated", "admin"]).optional(),
  state: z.string().min(1),
  integrationId: z.string().min(1),
  workspaceId: z.string().min(1),
  /** Authority tenant segment of the authorize request (tenant id or `organizations`); redemption uses the same. */
  tenant: z.string().min(1),
  /** Kept server-side only; sent on code redemption. */
  codeVerifier: z.string().min(43).max(128),
  codeChallenge: z.string().min(1),
  nonce: z.string().min(1),
  redirectUri: z.string().url(),
  expiresAt: z.string().datetime({ offset: true }),
  /** `provision`: the incremental consent to the write scopes (its sign-in is kept apart). */
  purpose: z.enum(["read", "provision"]).default("read"),
});
export type ConsentState = z.infer<typeof ConsentState>;

export const CONSENT_TTL_SECONDS = 600;

function b64url(bytes: Buffer): string {
  return bytes.toString("base64url");
}

export function pkceChallenge(verifier: string): string {
  return b64url(createHash("sha256").update(verifier, "ascii").digest());
}

export function newConsentState(
  input: {
    integrationId: string;
    workspaceId: string;
    redirectUri: string;
    tenant: string;
    purpose?: "read" | "provision";
    kind?: "delegated" | "admin";
  },
  now: Date,
): ConsentState {
  // 32 random bytes → 43 base64url characters: inside PKCE's 43..128 verifier length.
  const codeVerifier = b64url(randomBytes(32));
  return {
    ...(input.kind === "admin" ? { kind: "admin" as const } : {}),
    state: b64url(randomBytes(32)),
    integrationId: input.integrationId,
    workspaceId: input.workspaceId,
    tenant: input.tenant,
    codeVerifier,
    codeChallenge: pkceChallenge(codeVerifier),
    nonce: b64url(randomBytes(16)),
    redirectUri: input.redirectUri,
    expiresAt: new Date(now.getTime() + CONSENT_TTL_SECONDS * 1000).toISOString(),
    purpose: input.purpose ?? "read",
  };
}

export function authorizeUrl(
  authorityHost: string,
  clientId: string,
  scopes: string[],
  s: ConsentState,
): string {
  const url = new URL(
    `${authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(s.tenant)}/oauth2/v2.0/authorize`,
  );
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: "code",
    redirect_uri: s.redirectUri,
    response_mode: "query",
    scope: scopes.join(" "),
    state: s.state,
    nonce: s.nonce,
    code_challenge: s.codeChallenge,
    code_challenge_method: "S256",
    prompt: "consent",
  }).toString();
  return url.toString();
}

/**
 * The identity platform's v2 admin-consent endpoint for an app registration: an administrator of
 * `s.tenant` grants the app's configured application permissions (`<resource>/.default`), and the
 * browser comes back to the redirect URI with `admin_consent`, `tenant`, `scope` and `state` (or
 * `error` and `error_description`).
 */
export function adminConsentUrl(
  authorityHost: string,
  clientId: string,
  graphEndpoint: string,
  s: ConsentState,
): string {
  const url = new URL(
    `${authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(s.tenant)}/v2.0/adminconsent`,
  );
  url.search = new URLSearchParams({
    client_id: clientId,
    scope: `${graphEndpoint.replace(/\/+$/, "")}/.default`,
    redirect_uri: s.redirectUri,
    state: s.state,
  }).toString();
  return url.toString();
}

export type ConsentCheck = { ok: true } | { ok: false; reason: string };

/** The stored state (looked up by the callback's `state`, deleted on use) must match and be fresh. */
export function checkConsentState(
  stored: ConsentState | null,
  returnedState: string,
  now: Date,
): ConsentCheck {
  if (!stored) return { ok: false, reason: "unknown or already used consent state; start the consent again" };
  const a = Buffer.from(stored.state);
  const b = Buffer.from(returnedState);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    return { ok: false, reason: "consent state does not match" };
  if (Date.parse(stored.expiresAt) <= now.getTime())
    return { ok: false, reason: "consent took too long; start again" };
  return { ok: true };
}

/** KV key of a consent state: its SHA-256, so the stored key is no usable state. */
export function stateKey(state: string): string {
  return createHash("sha256").update(state, "utf8").digest("hex");
}

/** The redirect URI Entra sends the browser back to: the gateway's callback under PUBLIC_URL. */
export function callbackUri(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/oauth/callback`;
}
