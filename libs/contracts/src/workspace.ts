import { z } from "zod";
import { Timestamp, WorkspaceId } from "./common.js";
import { defineEvent, type EventDef, type ServiceName } from "./define.js";

/**
 * Deleting a workspace. The gateway marks the workspace deleted (its keys stop working at once) and
 * publishes `gateway.workspace.deleted.<workspaceId>` on TL_WORKSPACE. Every service that owns data
 * of a workspace consumes it with a durable consumer (a service that is down purges when it comes
 * back), removes everything of that workspace it keeps, and announces it with its own
 * `<service>.workspace.purged.<workspaceId>`. Purging twice changes nothing the second time.
 */
export const WorkspaceDeletedPayload = z.object({
  workspaceId: WorkspaceId,
  deletedAt: Timestamp,
  /** The operator's key id. */
  deletedBy: z.string().min(1).max(200),
});
export type WorkspaceDeletedPayload = z.infer<typeof WorkspaceDeletedPayload>;

export const WorkspaceDeleted = defineEvent({
  subject: "gateway.workspace.deleted",
  stream: "TL_WORKSPACE",
  schema: WorkspaceDeletedPayload,
  token: (p) => p.workspaceId,
  msgId: (p) => `${p.workspaceId}:deleted:${p.deletedAt}`,
  publishers: ["gateway"],
  consumers: ["gateway", "auth", "poller", "store", "query", "rules", "notifier", "provisioner"],
});

/** Services that keep data of a workspace, each announcing its purge. */
export const PURGING_SERVICES = [
  "gateway",
  "auth",
  "poller",
  "store",
  "query",
  "rules",
  "notifier",
  "provisioner",
] as const;
export type PurgingService = (typeof PURGING_SERVICES)[number] & ServiceName;

export const WorkspacePurgedPayload = z.object({
  workspaceId: WorkspaceId,
  service: z.enum(PURGING_SERVICES),
  /** The deletion this purge answers (`deletedAt` of WorkspaceDeleted). */
  deletedAt: Timestamp,
  purgedAt: Timestamp,
  /** What this purge removed, by kind (e.g. `integrations`, `rows`, `generations`); 0 on a repeat. */
  removed: z.record(z.string(), z.number().int().nonnegative()),
});
export type WorkspacePurgedPayload = z.infer<typeof WorkspacePurgedPayload>;

function purgedEvent(service: PurgingService): EventDef<typeof WorkspacePurgedPayload> {
  return defineEvent({
    subject: `${service}.workspace.purged`,
    stream: "TL_WORKSPACE",
    schema: WorkspacePurgedPayload,
    token: (p) => p.workspaceId,
    msgId: (p) => `${p.workspaceId}:${service}:purged:${p.purgedAt}`,
    publishers: [service],
    // The gateway's durable consumer of TL_WORKSPACE records each service's purge.
    consumers: ["gateway"],
  });
}

/** `<service>.workspace.purged.<workspaceId>`: one event per purging service (its own subject). */
export const WorkspacePurged = Object.fromEntries(PURGING_SERVICES.map((s) => [s, purgedEvent(s)])) as Record<
  PurgingService,
  EventDef<typeof WorkspacePurgedPayload>
>;
