import {
  ConsentStart,
  ConsumerLag,
  CreateIntegrationInput,
  Integration,
  IntegrationCreate,
  IntegrationId,
  IntegrationUpdate,
  PollList,
  PollRecord,
  PollStart,
  QueryExecute,
  QueryHistoryList,
  ResourceCost,
  ResourceProgress,
  SavedQueryCreate,
  SavedQueryId,
  SavedQueryUpdate,
  SERVICE_NAMES,
  WorkspaceId,
} from "@tenantlens/contracts";
import { z } from "zod";
import { Role, RoleInput } from "./auth/key-store.js";
import { Workspace } from "./auth/workspace-store.js";

/**
 * HTTP shapes of the gateway's routes. Wherever a NATS contract carries the same data, the HTTP
 * shape is derived from it (pick / extend / strict), so limits are stated once, in libs/contracts.
 */

// ── integrations ────────────────────────────────────────────────────────────────────────────────

export const IntegrationParams = z.object({ id: IntegrationId });

export { CreateIntegrationInput };

export const IntegrationCreated = IntegrationCreate.response.extend({
  id: IntegrationId,
  status: Integration.shape.status,
});

const update = IntegrationUpdate.request.shape;

/**
 * PATCH /api/integrations/:id: rename, or fix a broken app-mode integration with new credentials
 * (checked at once; the secret is never returned).
 */
export const UpdateIntegrationBody = z
  .object({
    name: update.name,
    auth: z
      .object({
        clientId: update.clientId,
        clientSecret: update.clientSecret,
        certificate: update.certificate,
      })
      .strict()
      .refine(
        (a) => a.clientId !== undefined || a.clientSecret !== undefined || a.certificate !== undefined,
        {
          message: "give clientId, clientSecret or certificate",
        },
      )
      .refine((a) => a.clientSecret === undefined || a.certificate === undefined, {
        message: "give clientSecret or certificate, not both",
      })
      .optional(),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.auth !== undefined, { message: "give name, auth or both" });

/** POST /api/integrations/:id/consent: a fresh consent link of a delegated integration. */
export const ConsentLinkResponse = ConsentStart.response.extend({
  id: IntegrationId,
  status: Integration.shape.status,
});

/**
 * A poll as users see it. `committing`: the poller finished but the store has not yet made the data
 * queryable; `succeeded` and `partial` are shown only once the data is committed.
 */
export const PollView = PollRecord.omit({ integrationId: true, workspaceId: true, status: true }).extend({
  status: z.enum(["running", "committing", "succeeded", "partial", "failed"]),
  /** What the poll cost in Graph, summed over its resources (null before any resource ended). */
  cost: ResourceCost.nullable().optional(),
  /** While it runs: objects read so far per resource and the expected total, for a progress bar. */
  progress: z.array(ResourceProgress).optional(),
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

export const StartPollBody = PollStart.request.pick({ resources: true, full: true }).strict();

export const PollStartedResponse = PollStart.response;

export const PollHistoryQuery = PollList.request.pick({ limit: true }).strict();
export const PollHistoryResponse = z.object({ polls: z.array(PollView) });

/** DELETE /api/integrations/:id?purgeData=true */
export const DeleteIntegrationQuery = z
  .object({
    /** Also remove its collected rows, change history, polls and rule results (next generation). */
    purgeData: z.boolean().optional(),
  })
  .strict();

export const IntegrationDeletedResponse = z.object({
  deleted: z.literal(true),
  /** Whether the warehouse rows of the integration are removed in the next generation. */
  purgeData: z.boolean(),
  /** Deleting here does not touch the tenant: how an administrator removes the app's access in Entra. */
  revokeConsent: z.object({
    summary: z.string(),
    clientId: z.string().nullable(),
    tenantId: z.string().nullable(),
    steps: z.array(z.string()).min(1),
  }),
});

/** GET /api/integrations/:id/permissions: one statement per warehouse table. */
export const PermissionReportResponse = z.object({
  integrationId: IntegrationId,
  tables: z.array(
    z.object({
      table: z.string(),
      resource: z.string(),
      status: z.enum(["readable", "not_readable", "unknown"]),
      reason: z.string().nullable(),
      permissions: z.array(z.string()),
      licence: z.enum(["p1", "p2", "intune"]).nullable(),
      delegatedOnly: z.boolean(),
      checkedAt: z.string().nullable(),
    }),
  ),
});

// ── query ───────────────────────────────────────────────────────────────────────────────────────

/** POST /api/query. The workspace always comes from the API key, never the body. */
export const QueryBody = QueryExecute.request.pick({ sql: true, maxRows: true, timeoutMs: true }).strict();

/** The JSON answer of POST /api/query; other formats are downloads chosen by Accept. */
export const QueryResult = QueryExecute.response
  .pick({ columns: true, rowCount: true, truncated: true, durationMs: true })
  .extend({ rows: z.array(z.record(z.string(), z.unknown())) });

export const HistoryQuery = QueryHistoryList.request
  .pick({ limit: true, actor: true, outcome: true })
  .strict();

export const SavedQueryParams = z.object({ id: SavedQueryId });

export const SavedQueryBody = SavedQueryCreate.request
  .pick({ name: true, description: true, sql: true })
  .strict();

export const SavedQueryPatchBody = SavedQueryUpdate.request
  .pick({ name: true, description: true, sql: true })
  .strict()
  .refine((b) => b.name !== undefined || b.description !== undefined || b.sql !== undefined, {
    message: "nothing to change: give name, description or sql",
  });

// ── access ──────────────────────────────────────────────────────────────────────────────────────

export const CreateKeyBody = z
  .object({ name: z.string().trim().min(1).max(200), role: RoleInput.default("analyst") })
  .strict();
export const KeyParams = z.object({ keyId: z.string().min(1).max(100) });
export const KeyInfoSchema = z.object({
  id: z.string(),
  workspaceId: WorkspaceId,
  role: Role,
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
export const WorkspaceCreatedResponse = z.object({ workspace: Workspace, apiKey: KeyCreatedResponse });

// ── operator ────────────────────────────────────────────────────────────────────────────────────

export const WorkspaceParams = z.object({ workspaceId: WorkspaceId });
export const WorkspaceKeyParams = WorkspaceParams.extend({ keyId: KeyParams.shape.keyId });

/**
 * A workspace as the operator sees it: `active`; `deleting` (deleted, its keys refused, some
 * services have not purged it yet: `awaiting` names them); `deleted` (every service purged it).
 */
export const WorkspaceView = z.object({
  id: WorkspaceId,
  name: z.string(),
  createdAt: z.string(),
  status: z.enum(["active", "deleting", "deleted"]),
  deletedAt: z.string().nullable(),
  deletedBy: z.string().nullable(),
  /** Live API keys and integrations of the workspace (integrations: null when auth did not answer). */
  keys: z.number().int().nonnegative(),
  integrations: z.number().int().nonnegative().nullable(),
  purged: z.record(z.string(), z.object({ purgedAt: z.string(), removed: z.record(z.string(), z.number()) })),
  awaiting: z.array(z.string()),
});
export const WorkspaceListResponse = z.object({ workspaces: z.array(WorkspaceView) });

export const WhoAmIResponse = z.object({ workspaceId: WorkspaceId, keyId: z.string(), role: Role });

// ── system ──────────────────────────────────────────────────────────────────────────────────────

const ServiceHealth = z.object({
  status: z
    .enum(["ok", "not_ready", "stale", "missing"])
    .describe(
      "ok: a recent heartbeat from a ready instance; stale: none within 3 intervals; missing: never heard",
    ),
  instances: z.number().int().nonnegative(),
  ready: z.number().int().nonnegative(),
  lastHeartbeatAgeSeconds: z.number().nonnegative().nullable(),
  consumers: z.array(ConsumerLag),
});

/** The whole system as the gateway sees it (no secrets, no hosts: safe to leave unauthenticated). */
export const HealthResponse = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  nats: z.enum(["connected", "disconnected"]),
  checkedAt: z.string(),
  lastGenerationAgeSeconds: z.number().nonnegative().nullable(),
  services: z.object(
    Object.fromEntries(SERVICE_NAMES.map((n) => [n, ServiceHealth])) as Record<
      (typeof SERVICE_NAMES)[number],
      typeof ServiceHealth
    >,
  ),
});
