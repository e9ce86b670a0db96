import {
  AlertCreate,
  AlertCreateInput,
  AlertDelete,
  AlertGet,
  AlertId,
  AlertList,
  AlertUpdate,
  AlertUpdateInput,
  ChannelCreate,
  ChannelCreateInput,
  ChannelDelete,
  ChannelGet,
  ChannelId,
  ChannelList,
  ChannelRotate,
  ChannelRotateInput,
  ChannelTest,
  ChannelUpdate,
  ChannelUpdateInput,
  NotificationList,
} from "@tenantlens/contracts";
import { z } from "zod";
import { defineRoute } from "../http/route.js";

/**
 * Channels (where alerts go), alerts (what is worth telling) and the delivery log: thin over the
 * notifier. Channels hold webhook targets and signing secrets, so they are an admin's; alerts are
 * an analyst's; everyone may read the delivery log.
 */

const channelTags = ["channels"] as const;
const alertTags = ["alerts"] as const;
const ChannelParams = z.object({ id: ChannelId });
const AlertParams = z.object({ id: AlertId });

/** A webhook attempt may take 10 s and an SMTP one 30 s before the notifier answers. */
const TEST_TIMEOUT_MS = 40_000;
/** A query alert reads its saved query's current result (at most 7 s) before it is saved. */
const ALERT_SAVE_TIMEOUT_MS = 20_000;

export const createChannel = defineRoute({
  method: "POST",
  path: "/api/channels",
  summary:
    "Add a channel: email (recipients) or webhook (URL, optional headers; the whsec_ signing secret is in this answer only)",
  tags: channelTags,
  access: "admin",
  body: ChannelCreateInput,
  calls: [ChannelCreate],
  success: { status: 201, schema: ChannelCreate.response },
  handler: (_c, { body, principal }, { bus }) =>
    bus.request(ChannelCreate, { ...body, workspaceId: principal.workspaceId, actor: principal.keyId }),
});

export const listChannels = defineRoute({
  method: "GET",
  path: "/api/channels",
  summary: "The workspace's channels (never their secrets or header values)",
  tags: channelTags,
  access: "viewer",
  calls: [ChannelList],
  success: { status: 200, schema: ChannelList.response },
  handler: (_c, { principal }, { bus }) => bus.request(ChannelList, { workspaceId: principal.workspaceId }),
});

export const getChannel = defineRoute({
  method: "GET",
  path: "/api/channels/:id",
  summary: "One channel",
  tags: channelTags,
  access: "viewer",
  params: ChannelParams,
  calls: [ChannelGet],
  success: { status: 200, schema: ChannelGet.response },
  handler: (_c, { params, principal }, { bus }) =>
    bus.request(ChannelGet, { workspaceId: principal.workspaceId, id: params.id }),
});

export const updateChannel = defineRoute({
  method: "PATCH",
  path: "/api/channels/:id",
  summary: "Rename, enable or disable a channel, or change its recipients, URL, headers or limits",
  tags: channelTags,
  access: "admin",
  params: ChannelParams,
  body: ChannelUpdateInput,
  calls: [ChannelUpdate],
  success: { status: 200, schema: ChannelUpdate.response },
  handler: (_c, { body, params, principal }, { bus }) =>
    bus.request(ChannelUpdate, {
      ...body,
      workspaceId: principal.workspaceId,
      actor: principal.keyId,
      id: params.id,
    }),
});

export const deleteChannel = defineRoute({
  method: "DELETE",
  path: "/api/channels/:id",
  summary: "Delete a channel (409 while alerts still send to it)",
  tags: channelTags,
  access: "admin",
  params: ChannelParams,
  calls: [ChannelDelete],
  success: { status: 200, schema: ChannelDelete.response },
  handler: (_c, { params, principal }, { bus }) =>
    bus.request(ChannelDelete, { workspaceId: principal.workspaceId, actor: principal.keyId, id: params.id }),
});

export const testChannel = defineRoute({
  method: "POST",
  path: "/api/channels/:id/test",
  summary: "Send a test message now (one attempt, no retries); the answer is its delivery record",
  tags: channelTags,
  access: "admin",
  params: ChannelParams,
  calls: [ChannelTest],
  success: { status: 200, schema: ChannelTest.response },
  handler: (_c, { params, principal }, { bus }) =>
    bus.request(
      ChannelTest,
      { workspaceId: principal.workspaceId, actor: principal.keyId, id: params.id },
      { timeoutMs: TEST_TIMEOUT_MS },
    ),
});

export const rotateChannelSecret = defineRoute({
  method: "POST",
  path: "/api/channels/:id/rotate",
  summary:
    "A new webhook signing secret, in this answer only; deliveries carry both signatures during the grace period",
  tags: channelTags,
  access: "admin",
  params: ChannelParams,
  body: ChannelRotateInput,
  bodyOptional: true,
  calls: [ChannelRotate],
  success: { status: 200, schema: ChannelRotate.response },
  handler: (_c, { body, params, principal }, { bus }) =>
    bus.request(ChannelRotate, {
      ...body,
      workspaceId: principal.workspaceId,
      actor: principal.keyId,
      id: params.id,
    }),
});

export const createAlert = defineRoute({
  method: "POST",
  path: "/api/alerts",
  summary: "Add an alert (rule, change, query, integration or compliance) sending to one or more channels",
  tags: alertTags,
  access: "analyst",
  body: AlertCreateInput,
  calls: [AlertCreate],
  success: { status: 201, schema: AlertCreate.response },
  handler: (_c, { body, principal }, { bus }) =>
    bus.request(
      AlertCreate,
      { ...body, workspaceId: principal.workspaceId, actor: principal.keyId },
      { timeoutMs: ALERT_SAVE_TIMEOUT_MS },
    ),
});

export const listAlerts = defineRoute({
  method: "GET",
  path: "/api/alerts",
  summary: "The workspace's alerts",
  tags: alertTags,
  access: "viewer",
  query: AlertList.request.pick({ kind: true, channelId: true }).strict(),
  calls: [AlertList],
  success: { status: 200, schema: AlertList.response },
  handler: (_c, { principal, query }, { bus }) =>
    bus.request(AlertList, { workspaceId: principal.workspaceId, ...query }),
});

export const getAlert = defineRoute({
  method: "GET",
  path: "/api/alerts/:id",
  summary: "One alert",
  tags: alertTags,
  access: "viewer",
  params: AlertParams,
  calls: [AlertGet],
  success: { status: 200, schema: AlertGet.response },
  handler: (_c, { params, principal }, { bus }) =>
    bus.request(AlertGet, { workspaceId: principal.workspaceId, id: params.id }),
});

export const updateAlert = defineRoute({
  method: "PATCH",
  path: "/api/alerts/:id",
  summary: "Rename, enable or disable an alert, or change its channels or filters",
  tags: alertTags,
  access: "analyst",
  params: AlertParams,
  body: AlertUpdateInput,
  calls: [AlertUpdate],
  success: { status: 200, schema: AlertUpdate.response },
  handler: (_c, { body, params, principal }, { bus }) =>
    bus.request(
      AlertUpdate,
      { ...body, workspaceId: principal.workspaceId, actor: principal.keyId, id: params.id },
      { timeoutMs: ALERT_SAVE_TIMEOUT_MS },
    ),
});

export const deleteAlert = defineRoute({
  method: "DELETE",
  path: "/api/alerts/:id",
  summary: "Delete an alert",
  tags: alertTags,
  access: "analyst",
  params: AlertParams,
  calls: [AlertDelete],
  success: { status: 200, schema: AlertDelete.response },
  handler: (_c, { params, principal }, { bus }) =>
    bus.request(AlertDelete, { workspaceId: principal.workspaceId, actor: principal.keyId, id: params.id }),
});

export const listNotifications = defineRoute({
  method: "GET",
  path: "/api/notifications",
  summary: "The delivery log, newest first: every message to every channel with its attempts and outcome",
  tags: alertTags,
  access: "viewer",
  query: NotificationList.request
    .pick({ alertId: true, channelId: true, status: true, limit: true, before: true })
    .strict(),
  calls: [NotificationList],
  success: { status: 200, schema: NotificationList.response },
  handler: (_c, { principal, query }, { bus }) =>
    bus.request(NotificationList, { workspaceId: principal.workspaceId, ...query }),
});

export const alertRoutes = [
  createChannel,
  listChannels,
  getChannel,
  updateChannel,
  deleteChannel,
  testChannel,
  rotateChannelSecret,
  createAlert,
  listAlerts,
  getAlert,
  updateAlert,
  deleteAlert,
  listNotifications,
];
