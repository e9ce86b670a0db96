import { z } from "zod";

/** Workspace ids are slugs: they appear in subjects and file paths. */
export const WorkspaceId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "workspace id must be a lowercase slug");
/** Integration ids are generated (`int_` + 20 base32 chars) and used as a subject token. */
export const IntegrationId = z.string().regex(/^int_[a-z0-9]{8,40}$/, "not an integration id");
export const PollId = z.string().regex(/^poll_[a-z0-9]{8,40}$/, "not a poll id");
export const TenantId = z.string().uuid("tenant id must be a GUID");
export const Timestamp = z.string().datetime({ offset: true });
/** Resource names are the catalog's keys (e.g. "users", "oauth2PermissionGrants"). */
export const ResourceName = z.string().regex(/^[A-Za-z][A-Za-z0-9]{1,63}$/, "not a resource name");

export const DEFAULT_WORKSPACE = "default";

/**
 * Raw bytes in a request or a response, at most one such field per message and at its top level:
 * the bus carries them after the JSON of the other fields, never escaped into JSON nor parsed (a
 * query answer's text, say). The header `BYTES_HEADER` names the field.
 */
export const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, "expected bytes");
export const BYTES_HEADER = "Tl-Bytes-Field";
