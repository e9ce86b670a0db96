import type { Bus } from "@tenantlens/bus";
import {
  IntegrationGet,
  Operation,
  OperationGet,
  OperationId,
  OperationInput,
  OperationList,
  OperationRun,
  ProvisioningDisable,
  ProvisioningEnable,
  ProvisioningGet,
  ProvisioningRequestId,
  ProvisioningSettings,
  ProvisioningState,
  SettingsGet,
  SettingsUpdate,
} from "@tenantlens/contracts";
import { z } from "zod";
import { defineRoute } from "../http/route.js";
import { IntegrationParams } from "../schemas.js";

const tags = ["provisioning"] as const;
/** An operation reads, then writes step by step, each paced and 429s waited out: allow it time. */
const RUN_TIMEOUT_MS = 600_000;
/** Enabling app-mode provisioning asks the identity platform for a fresh token. */
const CHECK_TIMEOUT_MS = 40_000;

/** The integration the path names, proven to belong to the caller's workspace (else 404). */
const owned = {
  params: IntegrationParams,
  load: (
    _c: unknown,
    { params, principal }: { params: { id: string }; principal: { workspaceId: string } },
    { bus }: { bus: Bus },
  ) => bus.request(IntegrationGet, { workspaceId: principal.workspaceId, id: params.id }),
};

export const getProvisioning = defineRoute({
  method: "GET",
  path: "/api/integrations/:id/provisioning",
  summary: "Whether provisioning (writes to the tenant's directory) is enabled for the integration",
  tags,
  access: "admin",
  ...owned,
  calls: [IntegrationGet, ProvisioningGet],
  success: { status: 200, schema: ProvisioningState },
  handler: (_c, { loaded, principal }, { bus }) =>
    bus.request(ProvisioningGet, { workspaceId: principal.workspaceId, id: loaded.id }),
});

export const enableProvisioning = defineRoute({
  method: "POST",
  path: "/api/integrations/:id/provisioning/enable",
  summary:
    "The explicit upgrade to writes: delegated → a consent link for User.ReadWrite.All and GroupMember.ReadWrite.All; app → checks the app holds those application permissions (403 provisioning_not_enabled naming what is missing)",
  tags,
  access: "admin",
  ...owned,
  calls: [IntegrationGet, ProvisioningEnable],
  success: { status: 200, schema: ProvisioningState },
  handler: (_c, { loaded, principal }, { bus }) =>
    bus.request(
      ProvisioningEnable,
      { workspaceId: principal.workspaceId, id: loaded.id },
      { timeoutMs: CHECK_TIMEOUT_MS },
    ),
});

export const disableProvisioning = defineRoute({
  method: "POST",
  path: "/api/integrations/:id/provisioning/disable",
  summary: "Downgrade: provisioning off; a delegated integration's write-scoped sign-in is deleted",
  tags,
  access: "admin",
  ...owned,
  calls: [IntegrationGet, ProvisioningDisable],
  success: { status: 200, schema: ProvisioningState },
  handler: (_c, { loaded, principal }, { bus }) =>
    bus.request(ProvisioningDisable, { workspaceId: principal.workspaceId, id: loaded.id }),
});

export const RunOperationBody = z
  .object({
    /** Required unless dryRun: the same id twice makes one change and answers the first record. */
    requestId: ProvisioningRequestId.optional(),
    dryRun: z.boolean().default(false),
    operation: OperationInput,
  })
  .strict();

export const runOperation = defineRoute({
  method: "POST",
  path: "/api/integrations/:id/provisioning/operations",
  summary:
    "Create a user, update properties, enable/disable, add to or remove from a group, or offboard (disable, revoke sessions, leave groups, optionally drop licences); dryRun returns the exact Graph requests without writing",
  description:
    "Idempotent by requestId: the same id again answers the first operation's record (a different request with a used id is 409). Each step is reported with its Graph request and status; a multi-step operation stops at the first failed write (status partial) and says what was not done. Protected accounts and the tenant's last Global Administrator are refused (status refused).",
  tags,
  access: "admin",
  ...owned,
  body: RunOperationBody,
  calls: [IntegrationGet, OperationRun],
  success: { status: 200, schema: Operation },
  handler: (_c, { body, loaded, principal }, { bus }) =>
    bus.request(
      OperationRun,
      {
        workspaceId: principal.workspaceId,
        integrationId: loaded.id,
        actor: principal.keyId,
        requestId: body.requestId,
        dryRun: body.dryRun,
        operation: body.operation,
      },
      { timeoutMs: RUN_TIMEOUT_MS },
    ),
});

export const listOperations = defineRoute({
  method: "GET",
  path: "/api/provisioning/operations",
  summary: "Provisioning operations of the workspace, newest first (dry runs included)",
  tags,
  access: "admin",
  query: z.object({
    integrationId: IntegrationParams.shape.id.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  }),
  calls: [OperationList],
  success: { status: 200, schema: z.object({ operations: z.array(Operation) }) },
  handler: (_c, { query, principal }, { bus }) =>
    bus.request(OperationList, { workspaceId: principal.workspaceId, ...query }),
});

export const getOperation = defineRoute({
  method: "GET",
  path: "/api/provisioning/operations/:id",
  summary: "One provisioning operation with each Graph request, its status and the outcome",
  tags,
  access: "admin",
  params: z.object({ id: OperationId }),
  calls: [OperationGet],
  success: { status: 200, schema: Operation },
  handler: (_c, { params, principal }, { bus }) =>
    bus.request(OperationGet, { workspaceId: principal.workspaceId, id: params.id }),
});

export const getProvisioningSettings = defineRoute({
  method: "GET",
  path: "/api/provisioning/settings",
  summary: "Protected (break-glass) accounts that are never disabled or offboarded",
  tags,
  access: "admin",
  calls: [SettingsGet],
  success: { status: 200, schema: ProvisioningSettings },
  handler: (_c, { principal }, { bus }) => bus.request(SettingsGet, { workspaceId: principal.workspaceId }),
});

export const updateProvisioningSettings = defineRoute({
  method: "PUT",
  path: "/api/provisioning/settings",
  summary: "Replace the protected accounts (object ids or userPrincipalNames)",
  tags,
  access: "admin",
  body: ProvisioningSettings.strict(),
  calls: [SettingsUpdate],
  success: { status: 200, schema: ProvisioningSettings },
  handler: (_c, { body, principal }, { bus }) =>
    bus.request(SettingsUpdate, { workspaceId: principal.workspaceId, ...body }),
});

export const provisioningRoutes = [
  getProvisioning,
  enableProvisioning,
  disableProvisioning,
  runOperation,
  listOperations,
  getOperation,
  getProvisioningSettings,
  updateProvisioningSettings,
];
