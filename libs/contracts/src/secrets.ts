import { z } from "zod";
import { defineRequest } from "./define.js";

/**
 * Key rotation: each service that seals secrets re-seals every one of them under the current key
 * (TENANTLENS_SECRET_KEY), whatever state the thing it belongs to is in (disabled and broken
 * integrations included). Once both report nothing left under an older key, the previous key
 * (TENANTLENS_SECRET_KEY_PREVIOUS) can be dropped.
 */
export const ResealReport = z.object({
  /** Id of the current key (a fingerprint, never the key). */
  keyId: z.string(),
  /** Per kind of secret: how many there are and how many this call re-sealed. */
  kinds: z.array(
    z.object({
      kind: z.string(),
      total: z.number().int().nonnegative(),
      resealed: z.number().int().nonnegative(),
    }),
  ),
});
export type ResealReport = z.infer<typeof ResealReport>;

export const AuthSecretsReseal = defineRequest({
  subject: "auth.secrets.reseal",
  service: "auth",
  callers: ["gateway"],
  errors: [],
  request: z.object({}),
  response: ResealReport,
});

export const NotifierSecretsReseal = defineRequest({
  subject: "notifier.secrets.reseal",
  service: "notifier",
  callers: ["gateway"],
  errors: [],
  request: z.object({}),
  response: ResealReport,
});
