import { z } from "zod";
import { IntegrationId, Timestamp, WorkspaceId } from "./common.js";
import { defineEvent, defineRequest } from "./define.js";

/**
 * User provisioning: changes to a tenant's directory made by the provisioner service through
 * Microsoft Graph. Only integrations whose administrator granted the write permissions may be
 * changed (see `ProvisioningStatus`); every operation is recorded (`OperationRecorded`).
 */

/** The write permissions provisioning needs, delegated scopes and application permissions alike. */
export const PROVISIONING_PERMISSIONS = ["User.ReadWrite.All", "GroupMember.ReadWrite.All"] as const;

const Guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    message: "must be an object id (GUID)",
  });
/** A user by object id or userPrincipalName, as Graph accepts in `/users/{id | userPrincipalName}`. */
export const UserRef = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .regex(/^[^/?#\\\s]+$/, "must be a user's object id or userPrincipalName");
/** Client-supplied idempotency key: the same id twice makes one change. */
export const ProvisioningRequestId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,100}$/, "requestId: 8 to 100 letters, digits, '-' or '_'");
export const OperationId = z.string().regex(/^op_[a-f0-9]{24}$/, "not an operation id");

const Text = (max: number) => z.string().trim().min(1).max(max);

/** User properties an operation may set (Graph's names); what Graph validates further, it does. */
export const UserProperties = z
  .object({
    displayName: Text(256),
    givenName: Text(64).nullable(),
    surname: Text(64).nullable(),
    jobTitle: Text(128).nullable(),
    department: Text(64).nullable(),
    officeLocation: Text(128).nullable(),
    mobilePhone: Text(64).nullable(),
    usageLocation: z
      .string()
      .regex(/^[A-Z]{2}$/, "usageLocation: a two-letter country code")
      .nullable(),
    employeeId: Text(16).nullable(),
    companyName: Text(64).nullable(),
    city: Text(128).nullable(),
    country: Text(128).nullable(),
  })
  .partial()
  .strict();

export const CreateUserInput = UserProperties.extend({
  displayName: Text(256),
  userPrincipalName: z
    .string()
    .trim()
    .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "userPrincipalName: alias@domain"),
  mailNickname: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "mailNickname: letters, digits, '.', '-' or '_'"),
  accountEnabled: z.boolean().default(true),
  /** Initial password; never recorded or returned (audit and dry runs show `***`). */
  password: z.string().min(8).max(256),
  forceChangePasswordNextSignIn: z.boolean().default(true),
}).strict();

export const OperationInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("create_user"), user: CreateUserInput }).strict(),
  z
    .object({
      kind: z.literal("update_user"),
      userId: UserRef,
      properties: UserProperties.refine((p) => Object.keys(p).length > 0, "properties: at least one"),
    })
    .strict(),
  z.object({ kind: z.literal("enable_user"), userId: UserRef }).strict(),
  z.object({ kind: z.literal("disable_user"), userId: UserRef }).strict(),
  z.object({ kind: z.literal("add_group_member"), userId: UserRef, groupId: Guid }).strict(),
  z.object({ kind: z.literal("remove_group_member"), userId: UserRef, groupId: Guid }).strict(),
  z
    .object({
      kind: z.literal("offboard_user"),
      userId: UserRef,
      /** Also remove every directly assigned licence (`assignLicense`). */
      removeLicenses: z.boolean().default(false),
    })
    .strict(),
]);
export type OperationInput = z.infer<typeof OperationInput>;
export type OperationKind = OperationInput["kind"];

/** One Graph request as sent (or, in a dry run, as it would be sent). */
export const GraphRequestView = z.object({
  method: z.enum(["GET", "POST", "PATCH", "DELETE"]),
  /** Absolute URL, e.g. https://graph.microsoft.com/v1.0/users/{id}. */
  url: z.string().min(1),
  body: z.unknown().nullable(),
});
export type GraphRequestView = z.infer<typeof GraphRequestView>;

/**
 * - `planned`: a dry run's step, or one a stopped operation never reached (see `notDone`).
 * - `done` / `failed`: sent, with Graph's status; `skipped`: nothing to do (e.g. a dynamic group).
 */
export const StepOutcome = z.enum(["planned", "done", "failed", "skipped"]);

export const OperationStep = z.object({
  name: z.string().min(1).max(300),
  request: GraphRequestView,
  outcome: StepOutcome,
  /** Graph's HTTP status of the last attempt (null: not sent). */
  httpStatus: z.number().int().nullable(),
  /** Attempts made (429s are retried after their Retry-After). */
  attempts: z.number().int().nonnegative(),
  /** Graph's error code and message, or why it was skipped. */
  error: z.string().max(2000).nullable(),
});
export type OperationStep = z.infer<typeof OperationStep>;

/**
 * - `planned`: a dry run (nothing was written).
 * - `succeeded`: every step done or skipped; `partial`: some steps done, then one failed and the
 *   rest were not attempted; `failed`: nothing was changed; `refused`: not attempted (protected
 *   user, or a check before the first write failed); `running`: still executing.
 */
/**
 * `interrupted`: the provisioner running it stopped (crash, kill) before it finished; its steps say
 * what was done, and the step after the last recorded one may or may not have reached Graph.
 */
export const OperationStatus = z.enum([
  "running",
  "planned",
  "succeeded",
  "partial",
  "failed",
  "refused",
  "interrupted",
]);
export type OperationStatus = z.infer<typeof OperationStatus>;

export const Operation = z.object({
  id: OperationId,
  workspaceId: WorkspaceId,
  integrationId: IntegrationId,
  requestId: ProvisioningRequestId,
  /** The API key id that asked. */
  actor: z.string().min(1).max(200),
  kind: z.enum([
    "create_user",
    "update_user",
    "enable_user",
    "disable_user",
    "add_group_member",
    "remove_group_member",
    "offboard_user",
  ]),
  /** The input as asked, the password replaced by `***`. */
  input: z.record(z.string(), z.unknown()),
  dryRun: z.boolean(),
  status: OperationStatus,
  /** One sentence: what happened, what was and was not done. */
  summary: z.string().max(4000),
  /** The user the operation is about (object id once known). */
  targetUserId: z.string().nullable(),
  steps: z.array(OperationStep),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type Operation = z.infer<typeof Operation>;

export const OperationRun = defineRequest({
  subject: "provisioner.operation.run",
  service: "provisioner",
  callers: ["gateway"],
  errors: ["not_found", "conflict", "integration_broken", "provisioning_not_enabled", "rate_limited"],
  request: z.object({
    workspaceId: WorkspaceId,
    integrationId: IntegrationId,
    actor: z.string().min(1).max(200),
    /** Required unless dryRun: the same id twice makes one change and answers the first's record. */
    requestId: ProvisioningRequestId.optional(),
    dryRun: z.boolean().default(false),
    operation: OperationInput,
  }),
  response: Operation,
});

export const OperationList = defineRequest({
  subject: "provisioner.operation.list",
  service: "provisioner",
  callers: ["gateway"],
  errors: [],
  request: z.object({
    workspaceId: WorkspaceId,
    integrationId: IntegrationId.optional(),
    limit: z.number().int().min(1).max(500).default(100),
  }),
  response: z.object({ operations: z.array(Operation) }),
});

export const OperationGet = defineRequest({
  subject: "provisioner.operation.get",
  service: "provisioner",
  callers: ["gateway"],
  errors: ["not_found"],
  request: z.object({ workspaceId: WorkspaceId, id: OperationId }),
  response: Operation,
});

/** The workspace's provisioning settings: break-glass accounts that are never offboarded or disabled. */
export const ProvisioningSettings = z.object({
  /** Object ids or userPrincipalNames (case-insensitive). */
  protectedUsers: z.array(UserRef).max(100),
});
export type ProvisioningSettings = z.infer<typeof ProvisioningSettings>;

export const SettingsGet = defineRequest({
  subject: "provisioner.settings.get",
  service: "provisioner",
  callers: ["gateway"],
  errors: [],
  request: z.object({ workspaceId: WorkspaceId }),
  response: ProvisioningSettings,
});

export const SettingsUpdate = defineRequest({
  subject: "provisioner.settings.update",
  service: "provisioner",
  callers: ["gateway"],
  errors: [],
  request: ProvisioningSettings.extend({ workspaceId: WorkspaceId }),
  response: ProvisioningSettings,
});

/** Every state an operation record reaches (running, then its outcome): feeds `provisioning_operations`. */
export const OperationRecorded = defineEvent({
  subject: "provisioner.operation.recorded",
  stream: "TL_PROVISION",
  publishers: ["provisioner"],
  consumers: ["store"],
  schema: Operation,
  token: (p) => p.workspaceId,
  msgId: (p) => `${p.id}:${p.status}:${p.finishedAt ?? p.startedAt}`,
});

/**
 * Whether an integration may be provisioned. `off`: never enabled or revoked; `pending_consent`:
 * a delegated consent link for the write scopes was issued and not yet accepted; `on`: enabled.
 */
export const ProvisioningState = z.object({
  integrationId: IntegrationId,
  status: z.enum(["off", "pending_consent", "on"]),
  /** The permissions provisioning needs (`PROVISIONING_PERMISSIONS`). */
  permissions: z.array(z.string()),
  /** delegated: scopes consented to; app: application permissions the app holds in the tenant. */
  kind: z.enum(["delegated", "application"]),
  updatedAt: Timestamp.nullable(),
  /** Enable on a delegated integration: the consent link for the write scopes. */
  consentUrl: z.string().url().optional(),
  message: z.string().max(2000),
});
export type ProvisioningState = z.infer<typeof ProvisioningState>;

const ScopedIntegration = z.object({ workspaceId: WorkspaceId, id: IntegrationId });

export const ProvisioningGet = defineRequest({
  subject: "auth.provisioning.get",
  service: "auth",
  callers: ["gateway"],
  errors: ["not_found"],
  request: ScopedIntegration,
  response: ProvisioningState,
});

/**
 * The explicit upgrade. Delegated: a consent link asking for the write scopes (incremental consent
 * through the usual callback). App: checks that the app's token carries the application permissions
 * (granted by an administrator in Entra) and turns provisioning on, else `provisioning_not_enabled`.
 */
export const ProvisioningEnable = defineRequest({
  subject: "auth.provisioning.enable",
  service: "auth",
  callers: ["gateway"],
  errors: ["not_found", "provisioning_not_enabled", "integration_broken"],
  request: ScopedIntegration,
  response: ProvisioningState,
});

/** Downgrade: provisioning off; a delegated integration's write-scoped sign-in is deleted. */
export const ProvisioningDisable = defineRequest({
  subject: "auth.provisioning.disable",
  service: "auth",
  callers: ["gateway"],
  errors: ["not_found"],
  request: ScopedIntegration,
  response: ProvisioningState,
});
