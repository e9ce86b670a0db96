import { randomBytes } from "node:crypto";
import { Integration } from "@tenantlens/contracts";
import { Sealed } from "@tenantlens/secrets";
import { z } from "zod";
import { CONSENT_AGAIN } from "./entra-errors.js";

/** A certificate credential at rest: the private key sealed, the rest in clear (not secret). */
export const StoredCertificate = z.object({
  privateKey: Sealed,
  thumbprint: z.string(),
  kind: z.enum(["sha256", "sha1"]),
  x5c: z.string().nullable(),
});
export type StoredCertificate = z.infer<typeof StoredCertificate>;

/** What auth keeps per integration: the public view plus the sealed client secret or certificate key. */
export const StoredIntegration = Integration.extend({
  clientSecret: Sealed.nullable(),
  certificate: StoredCertificate.nullable().optional(),
});
export type StoredIntegration = z.infer<typeof StoredIntegration>;

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** `int_` + 20 base32 characters (100 random bits). */
export function newIntegrationId(): string {
  const bytes = randomBytes(20);
  let out = "";
  for (const b of bytes) out += BASE32[b & 31];
  return `int_${out}`;
}

export function toPublic(s: StoredIntegration): Integration {
  const { clientSecret: _secret, certificate, ...pub } = s;
  if (s.authMode !== "app") return pub;
  return {
    ...pub,
    credential: certificate ? "certificate" : "secret",
    certificateThumbprint: certificate?.thumbprint ?? null,
  };
}

/**
 * updatedAt must move forward on every change: it is part of the IntegrationChanged message id, and
 * two changes within one millisecond must not be deduplicated into one.
 */
export function nextTimestamp(previous: string, now: Date): string {
  const prev = Date.parse(previous);
  const t = Number.isNaN(prev) || now.getTime() > prev ? now.getTime() : prev + 1;
  return new Date(t).toISOString();
}

export function withChange(
  s: StoredIntegration,
  patch: Partial<StoredIntegration>,
  now: Date,
): StoredIntegration {
  return { ...s, ...patch, updatedAt: nextTimestamp(s.updatedAt, now) };
}

/** Why TokenGet refuses an integration without asking Entra, or null when it may ask. */
export function refusalReason(s: StoredIntegration): string | null {
  if (!s.enabled || s.status === "disabled") return "disabled";
  if (s.status === "broken") return s.statusReason ?? "the integration is broken";
  if (s.status === "pending_consent") return s.statusReason ?? PENDING_CONSENT_REASON;
  if (!s.tenantId) return "the integration has no tenant";
  if (s.authMode === "app" && (!s.clientId || (!s.clientSecret && !s.certificate)))
    return "the integration has no credentials";
  return null;
}

export const DISABLED_REASON = "Disabled by a user; enable it to collect again.";

export const PENDING_CONSENT_REASON =
  "Waiting for an administrator of the tenant to open the consent link, sign in and accept.";

export const MISSING_SIGN_IN_REASON = `The stored sign-in of this integration is missing. ${CONSENT_AGAIN}`;

/** Why a consent came back without a code: Entra's error and the first line of its description. */
export function declinedReason(error: string, description?: string): string {
  const detail = (description ?? "").split(/\r?\n/)[0]?.trim().slice(0, 300) ?? "";
  const what = error === "access_denied" ? "Consent was declined" : "Consent did not complete";
  return `${what} (${error}${detail ? `: ${detail}` : ""}). Nothing was stored. ${CONSENT_AGAIN}`;
}
