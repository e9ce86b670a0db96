import {
  CreateIntegrationInput,
  ErrorCode,
  Integration,
  PollId,
  PollOutcome,
  ResourceName,
  ResourceSummary,
  Timestamp,
  WorkspaceId,
} from "@tenantlens/contracts";
import { z } from "zod";

/** HTTP shapes of the gateway's own routes: used to validate and to generate /openapi.json. */

export const ErrorResponse = z.object({
  error: z.object({ code: ErrorCode, message: z.string(), requestId: z.string() }),
});

export { CreateIntegrationInput };

export const IntegrationCreated = z.object({
  id: z.string(),
  status: Integration.shape.status,
  /** Delegated mode: where an administrator of the tenant grants consent. */
  consentUrl: z.string().url().optional(),
  integration: Integration,
});

/**
 * PATCH /api/integrations/:id: rename, or fix a broken app-mode integration with new credentials
 * (checked at once; the secret is never returned).
 */
export const UpdateIntegrationBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    auth: z
      .object({
        clientId: z.string().trim().min(1).max(100).optional(),
        clientSecret: z.string().min(1).max(1000).optional(),
      })
      .strict()
      .refine((a) => a.clientId !== undefined || a.clientSecret !== undefined, {
        message: "give clientId, clientSecret or both",
      })
      .optional(),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.auth !== undefined, { message: "give name, auth or both" });

/** POST /api/integrations/:id/consent: a fresh consent link of a delegated integration. */
export const ConsentLinkResponse = z.object({
  id: z.string(),
  status: Integration.shape.status,
  /** Open it as an administrator of the tenant; valid for 10 minutes, once. */
  consentUrl: z.string().url(),
  integration: Integration,
});

/**
 * A poll as users see it. `committing`: the poller finished but the store has not yet made the data
 * queryable; `succeeded` and `partial` are shown only once the data is committed.
 */
export const PollView = z.object({
  pollId: PollId,
  status: z.enum(["running", "committing", "succeeded", "partial", "failed"]),
  outcome: PollOutcome.nullable(),
  reason: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: Timestamp,
  completedAt: Timestamp.nullable(),
  committedAt: Timestamp.nullable(),
  generationId: z.number().int().nullable(),
  resources: z.array(ResourceSummary),
  changes: z.object({ added: z.number(), modified: z.number(), removed: z.number() }),
});
export type PollView = z.infer<typeof PollView>;

export const IntegrationView = Integration.extend({
  lastPoll: PollView.nullable(),
  /** Current rows per warehouse table for this integration, e.g. {"azuread_user": 1500}. */
  counts: z.record(z.string(), z.number()).nullable(),
  /** Parts that could not be read right now (e.g. ["store"] while the store restarts). */
  unavailable: z.array(z.string()).optional(),
});
export type IntegrationView = z.infer<typeof IntegrationView>;

export const IntegrationListResponse = z.object({ integrations: z.array(IntegrationView) });

export const StartPollBody = z
  .object({
    /** Catalog resources to collect (all enabled ones when absent). */
    resources: z.array(ResourceName).min(1).max(200).optional(),
    /** Ignore saved delta links and read everything (reconcile). */
    full: z.boolean().optional(),
  })
  .strict();

export const PollStartedResponse = z.object({ pollId: PollId, alreadyRunning: z.boolean() });

export const PollHistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(20),
});
export const PollHistoryResponse = z.object({ polls: z.array(PollView) });

export const DeletedResponse = z.object({ deleted: z.literal(true) });

export const KeyRole = z.enum(["admin", "member"]);
export const CreateKeyBody = z
  .object({ name: z.string().trim().min(1).max(200), role: KeyRole.default("member") })
  .strict();
export const KeyInfoSchema = z.object({
  id: z.string(),
  workspaceId: WorkspaceId,
  role: KeyRole,
  name: z.string(),
  createdAt: z.string(),
});
/** The plaintext key appears once, here. */
export const KeyCreatedResponse = KeyInfoSchema.extend({ key: z.string() });
export const KeyListResponse = z.object({ keys: z.array(KeyInfoSchema) });
export const RevokedResponse = z.object({ revoked: z.literal(true) });

export const CreateWorkspaceBody = z
  .object({ id: WorkspaceId, name: z.string().trim().min(1).max(200).optional() })
  .strict();
export const WorkspaceSchema = z.object({ id: WorkspaceId, name: z.string(), createdAt: z.string() });
export const WorkspaceCreatedResponse = z.object({ workspace: WorkspaceSchema, apiKey: KeyCreatedResponse });

export const WhoAmIResponse = z.object({ workspaceId: WorkspaceId, keyId: z.string(), role: KeyRole });

export const HealthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  nats: z.enum(["connected", "disconnected"]),
});
