import type { Bus } from "@tenantlens/bus";
import {
  AppError,
  ConsentStart,
  Integration,
  IntegrationCreate,
  IntegrationDelete,
  IntegrationGet,
  IntegrationList,
  IntegrationUpdate,
  PollList,
  PollProgress,
  PollStart,
  TableCounts,
} from "@tenantlens/contracts";
import { permissionReport, type ResourceReading } from "@tenantlens/graph";
import { countsByTable, pollView } from "../domain/poll-view.js";
import { revokeConsentSteps } from "../domain/revoke-consent.js";
import { defineRoute } from "../http/route.js";
import {
  ConsentLinkResponse,
  CreateIntegrationInput,
  DeleteIntegrationQuery,
  IntegrationCreated,
  IntegrationDeletedResponse,
  IntegrationListResponse,
  IntegrationParams,
  type IntegrationView,
  IntegrationView as IntegrationViewSchema,
  PermissionReportResponse,
  PollHistoryQuery,
  PollHistoryResponse,
  PollStartedResponse,
  StartPollBody,
  UpdateIntegrationBody,
} from "../schemas.js";

/** auth checks credentials with Entra (its own timeout is 30 s) before it answers. */
const CHECK_TIMEOUT_MS = 40_000;
const tags = ["integrations"] as const;

/** The integration the path names, proven to belong to the caller's workspace (else 404). */
const owned = {
  params: IntegrationParams,
  load: (
    _c: unknown,
    { params, principal }: { params: { id: string }; principal: { workspaceId: string } },
    { bus }: { bus: Bus },
  ) => bus.request(IntegrationGet, { workspaceId: principal.workspaceId, id: params.id }),
};

// Store-side details are optional: while the store restarts the integration is still shown.
async function withStatus(bus: Bus, integration: Integration): Promise<IntegrationView> {
  const { workspaceId, id } = integration;
  const [polls, counts] = await Promise.allSettled([
    bus.request(PollList, { workspaceId, integrationId: id, limit: 1 }),
    bus.request(TableCounts, { workspaceId, integrationId: id }),
  ]);
  const view: IntegrationView = { ...integration, lastPoll: null, counts: null };
  if (polls.status === "fulfilled") {
    const last = polls.value.polls[0];
    view.lastPoll = last ? pollView(last) : null;
    if (view.lastPoll?.status === "running") {
      // Progress comes from the pollers; without an answer the poll is still shown, without it.
      const live = await bus.request(PollProgress, { workspaceId, integrationId: id }).catch(() => null);
      if (live?.progress?.pollId === view.lastPoll.pollId) view.lastPoll.progress = live.progress.resources;
    }
  }
  if (counts.status === "fulfilled") view.counts = countsByTable(counts.value.tables);
  const failed = [polls, counts].find((r) => r.status === "rejected");
  if (failed) {
    if (!isTransient(failed.reason)) throw failed.reason;
    view.unavailable = ["store"];
  }
  return view;
}

function isTransient(err: unknown): boolean {
  return err instanceof AppError && (err.code === "unavailable" || err.code === "timeout");
}

export const createIntegration = defineRoute({
  method: "POST",
  path: "/api/integrations",
  summary:
    "Connect a tenant (app: client credentials, returns adminConsentUrl and requiredPermissions; delegated: returns consentUrl)",
  tags,
  access: "admin",
  body: CreateIntegrationInput,
  calls: [IntegrationCreate],
  success: { status: 201, schema: IntegrationCreated },
  handler: async (_c, { body, principal }, { bus }) => {
    const res = await bus.request(
      IntegrationCreate,
      { ...body, workspaceId: principal.workspaceId },
      { timeoutMs: CHECK_TIMEOUT_MS },
    );
    return { ...res, id: res.integration.id, status: res.integration.status };
  },
});

export const listIntegrations = defineRoute({
  method: "GET",
  path: "/api/integrations",
  summary: "The workspace's integrations with their last poll and row counts",
  tags,
  access: "viewer",
  calls: [IntegrationList, PollList, PollProgress, TableCounts],
  success: { status: 200, schema: IntegrationListResponse },
  handler: async (_c, { principal }, { bus }) => {
    const { integrations } = await bus.request(IntegrationList, { workspaceId: principal.workspaceId });
    return { integrations: await Promise.all(integrations.map((i) => withStatus(bus, i))) };
  },
});

export const getIntegration = defineRoute({
  method: "GET",
  path: "/api/integrations/:id",
  summary: "One integration with its last poll (status, per-resource outcome) and row counts per table",
  tags,
  access: "viewer",
  ...owned,
  calls: [IntegrationGet, PollList, PollProgress, TableCounts],
  success: { status: 200, schema: IntegrationViewSchema },
  handler: (_c, { loaded }, { bus }) => withStatus(bus, loaded),
});

export const updateIntegration = defineRoute({
  method: "PATCH",
  path: "/api/integrations/:id",
  summary:
    "Rename, or fix a broken app-mode integration with a new client secret or certificate (and client id): checked at once, status active or broken with the reason",
  tags,
  access: "admin",
  ...owned,
  body: UpdateIntegrationBody,
  calls: [IntegrationGet, IntegrationUpdate],
  success: { status: 200, schema: Integration },
  handler: (_c, { body, loaded, principal }, { bus }) =>
    bus.request(
      IntegrationUpdate,
      {
        workspaceId: principal.workspaceId,
        id: loaded.id,
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.auth?.clientId !== undefined ? { clientId: body.auth.clientId } : {}),
        ...(body.auth?.clientSecret !== undefined ? { clientSecret: body.auth.clientSecret } : {}),
        ...(body.auth?.certificate !== undefined ? { certificate: body.auth.certificate } : {}),
      },
      { timeoutMs: CHECK_TIMEOUT_MS },
    ),
});

export const consentLink = defineRoute({
  method: "POST",
  path: "/api/integrations/:id/consent",
  summary:
    "A new consent link (one-time, 10 minutes): delegated, sign-in and consent; app mode, the admin-consent link of the integration's app registration with the application permissions it needs",
  tags,
  access: "admin",
  ...owned,
  calls: [IntegrationGet, ConsentStart],
  success: { status: 200, schema: ConsentLinkResponse },
  handler: async (_c, { loaded, principal }, { bus }) => {
    const res = await bus.request(ConsentStart, { workspaceId: principal.workspaceId, id: loaded.id });
    return { ...res, id: res.integration.id, status: res.integration.status };
  },
});

export const startPoll = defineRoute({
  method: "POST",
  path: "/api/integrations/:id/polls",
  summary: "Collect now (alreadyRunning when a poll is in progress)",
  tags,
  access: "analyst",
  ...owned,
  body: StartPollBody,
  bodyOptional: true,
  calls: [IntegrationGet, PollStart],
  success: { status: 202, schema: PollStartedResponse },
  handler: (_c, { body, loaded, principal }, { bus }) =>
    bus.request(PollStart, {
      workspaceId: principal.workspaceId,
      integrationId: loaded.id,
      reason: "manual",
      ...(body.resources ? { resources: body.resources } : {}),
      ...(body.full !== undefined ? { full: body.full } : {}),
    }),
});

export const listPolls = defineRoute({
  method: "GET",
  path: "/api/integrations/:id/polls",
  summary: "Poll history, newest first",
  tags,
  access: "viewer",
  ...owned,
  query: PollHistoryQuery,
  calls: [IntegrationGet, PollList],
  success: { status: 200, schema: PollHistoryResponse },
  handler: async (_c, { loaded, principal, query }, { bus }) => {
    const { polls } = await bus.request(PollList, {
      workspaceId: principal.workspaceId,
      integrationId: loaded.id,
      limit: query.limit,
    });
    return { polls: polls.map(pollView) };
  },
});

/** Recent polls whose per-resource outcomes the permission report rests on (newest reading wins). */
const REPORT_POLLS = 50;

export const permissionReportRoute = defineRoute({
  method: "GET",
  path: "/api/integrations/:id/permissions",
  summary:
    "Per table: readable or not and why (permission not granted, licence missing, delegated only), from the latest read of each resource",
  tags,
  access: "viewer",
  ...owned,
  calls: [IntegrationGet, PollList],
  success: { status: 200, schema: PermissionReportResponse },
  handler: async (_c, { loaded, principal }, { bus }) => {
    const { polls } = await bus.request(PollList, {
      workspaceId: principal.workspaceId,
      integrationId: loaded.id,
      limit: REPORT_POLLS,
    });
    // Polls come newest first; a running poll's resources are not final yet.
    const readings: ResourceReading[] = polls
      .filter((p) => p.completedAt !== null)
      .flatMap((p) => p.resources.map((r) => ({ ...r, at: p.completedAt })));
    return { integrationId: loaded.id, tables: permissionReport(readings) };
  },
});

function setEnabled(action: "disable" | "enable", summary: string) {
  return defineRoute({
    method: "POST",
    path: `/api/integrations/:id/${action}`,
    summary,
    tags,
    access: "admin",
    ...owned,
    calls: [IntegrationGet, IntegrationUpdate],
    success: { status: 200, schema: Integration },
    handler: (_c, { loaded, principal }, { bus }) =>
      bus.request(
        IntegrationUpdate,
        { workspaceId: principal.workspaceId, id: loaded.id, enabled: action === "enable" },
        { timeoutMs: CHECK_TIMEOUT_MS },
      ),
  });
}

export const disableIntegration = setEnabled("disable", "Stop collecting (the data stays)");
export const enableIntegration = setEnabled("enable", "Resume collecting");

export const deleteIntegration = defineRoute({
  method: "DELETE",
  path: "/api/integrations/:id",
  summary:
    "Delete an integration and its credentials; with purgeData=true also its rows, history, polls and rule results (next generation). The answer says how to revoke the app's consent in Entra",
  tags,
  access: "admin",
  ...owned,
  query: DeleteIntegrationQuery,
  calls: [IntegrationGet, IntegrationDelete],
  success: { status: 200, schema: IntegrationDeletedResponse },
  handler: async (_c, { loaded, principal, query }, { bus }) => {
    const purgeData = query.purgeData === true;
    await bus.request(IntegrationDelete, { workspaceId: principal.workspaceId, id: loaded.id, purgeData });
    return { deleted: true as const, purgeData, revokeConsent: revokeConsentSteps(loaded) };
  },
});

export const integrationRoutes = [
  createIntegration,
  listIntegrations,
  getIntegration,
  updateIntegration,
  consentLink,
  startPoll,
  listPolls,
  permissionReportRoute,
  disableIntegration,
  enableIntegration,
  deleteIntegration,
];
