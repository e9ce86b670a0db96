import {
  type PurgingService,
  WorkspaceDeleted,
  type WorkspaceDeletedPayload,
  WorkspacePurged,
} from "@tenantlens/contracts";
import type { Bus } from "./bus.js";
import { type Consumer, type Handler, on } from "./consume.js";

export interface WorkspacePurgeOptions {
  service: PurgingService;
  /**
   * Removes everything the service keeps of the workspace and says how much, by kind. Runs again
   * on a redelivery (or a second deletion event), so it must find nothing to do the second time.
   */
  purge(workspaceId: string, deletion: WorkspaceDeletedPayload): Promise<Record<string, number>>;
  /** Durable consumer name (default `<service>-workspaces`); a partition of a service names its own. */
  durable?: string;
  /**
   * Whether this process owns the workspace (default: always). A partition that does not skips the
   * deletion without announcing a purge: the one that owns it announces it.
   */
  owns?: (workspaceId: string) => boolean;
}

/**
 * The handler of `gateway.workspace.deleted`: purge, then announce `<service>.workspace.purged`.
 * The message is acked only after both, so a crash in between purges (finding nothing) again.
 */
export function onWorkspaceDeleted(bus: Bus, opts: WorkspacePurgeOptions): Handler {
  return on(WorkspaceDeleted, async (deletion) => {
    if (opts.owns && !opts.owns(deletion.workspaceId)) return;
    const removed = await opts.purge(deletion.workspaceId, deletion);
    await bus.publish(WorkspacePurged[opts.service], {
      workspaceId: deletion.workspaceId,
      service: opts.service,
      deletedAt: deletion.deletedAt,
      purgedAt: new Date().toISOString(),
      removed,
    });
    bus.logger.info({ workspaceId: deletion.workspaceId, removed }, "deleted workspace purged");
  });
}

/**
 * Durable consumer `<service>-workspaces` of workspace deletions: a service that was down when a
 * workspace was deleted purges it when it comes back (the stream keeps deletions for 90 days).
 */
export function consumeWorkspaceDeletions(bus: Bus, opts: WorkspacePurgeOptions): Promise<Consumer> {
  return bus.consume({
    durable: opts.durable ?? `${opts.service}-workspaces`,
    stream: WorkspaceDeleted.stream,
    // Purging a large workspace rewrites tables; the message is kept alive meanwhile.
    ackWaitSeconds: 120,
    handlers: [onWorkspaceDeleted(bus, opts)],
  });
}
