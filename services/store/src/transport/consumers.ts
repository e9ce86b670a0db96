import type { Bus, Consumer, DeadMessage, MessageMeta } from "@tenantlens/bus";
import { on } from "@tenantlens/bus";
import type { EventDef } from "@tenantlens/contracts";
import {
  allEvents,
  PageCollected,
  PollCompleted,
  PollStarted,
  ResourceCollected,
} from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { MessageRef } from "../adapters/bookkeeping.js";
import { deadLetterRecord } from "../domain/dead-letter.js";
import { owns, type Shard, shardName, UNSHARDED, workspaceOf } from "../domain/shard.js";
import type { SystemTableDecl } from "../domain/system-tables.js";
import type { StoreMetrics } from "../metrics.js";
import type { ApplyResult, Warehouse } from "../warehouse.js";

/** The ledger key of a message: its Nats-Msg-Id (stable across republishing), else its sequence. */
export function messageRef(stream: string, meta: MessageMeta): MessageRef {
  return {
    key: meta.msgId ? `${stream}:${meta.msgId}` : `${stream}#${meta.streamSeq}`,
    stream,
    seq: meta.streamSeq,
    subject: meta.subject,
  };
}

export interface ConsumerDeps {
  bus: Bus;
  warehouse: Warehouse;
  log: Logger;
  ackWaitSeconds: number;
  /** Told when a commit asked for a generation. */
  onGeneration(workspaceId: string, kind: "poll" | "system"): void;
  /** Deliveries a collection message gets before it is dead-lettered. */
  maxDeliveries: number;
  /** Told after a dead letter was committed (its poll failure is then announced). */
  onDeadLetter(): void;
  metrics?: StoreMetrics;
  /** This store's shard (default: the only one). */
  shard?: Shard;
  /** Collection messages waiting in the stream that are applied in one transaction (at most). */
  batchMessages?: number;
  /** Told after collection messages up to `seq` (a TL_COLLECT sequence) committed. */
  onCommitted?(seq: number): void;
}

/**
 * Whether this shard applies a message: its payload's workspace hashes to the shard. Messages of
 * other shards' workspaces are acknowledged unapplied (their shard's own durable consumer applies them).
 */
function applies(deps: ConsumerDeps, payload: unknown): boolean {
  const shard = deps.shard ?? UNSHARDED;
  if (shard.count === 1) return true;
  const ws = workspaceOf(payload);
  return ws !== undefined ? owns(shard, ws) : shard.index === 0;
}

function settle(deps: ConsumerDeps, meta: MessageMeta, result: ApplyResult): void {
  deps.metrics?.message(meta.subject.split(".").slice(0, 3).join("."), result.status);
  if (result.status === "ignored")
    deps.log.warn({ subject: meta.subject, reason: result.reason }, "message ignored");
  if (result.status === "duplicate")
    deps.log.debug({ subject: meta.subject, msgId: meta.msgId }, "already applied");
  if (result.status === "applied" && result.generation) {
    const { workspaceId, kind } = result.generation;
    deps.warehouse.afterCommit(() => deps.onGeneration(workspaceId, kind));
  }
}

/**
 * One durable, ordered consumer over the whole collection stream: messages apply one at a time in
 * stream order, each acked only after its transaction committed (the bus acks when we resolve).
 * A message that fails on its last delivery (or cannot be read) is dead-lettered: recorded, its
 * poll failed and the rest of that poll skipped, so it holds the others back for a bounded time.
 */
export function consumeCollection(deps: ConsumerDeps): Promise<Consumer> {
  const { warehouse } = deps;
  const stream = "TL_COLLECT";
  const apply =
    <P>(fn: (p: P, m: MessageRef) => Promise<ApplyResult>) =>
    async (payload: P, meta: MessageMeta) => {
      if (applies(deps, payload)) settle(deps, meta, await fn(payload, messageRef(stream, meta)));
      warehouse.afterCommit(() => deps.onCommitted?.(meta.streamSeq));
    };
  const deadLetter = async (dead: DeadMessage) => {
    const record = deadLetterRecord({ ...dead, ...dead.meta });
    if (!applies(deps, record.workspaceId === null ? null : { workspaceId: record.workspaceId })) return;
    const ref = { ...messageRef(stream, dead.meta), msgId: dead.meta.msgId ?? null };
    const result = await warehouse.deadLetter(record, ref);
    deps.log.error(
      {
        subject: dead.meta.subject,
        streamSeq: dead.meta.streamSeq,
        pollId: record.pollId,
        reason: dead.reason,
      },
      "collection message dead-lettered; its poll is failed and the rest of it skipped",
    );
    settle(deps, dead.meta, result);
    deps.onDeadLetter();
    deps.onCommitted?.(dead.meta.streamSeq);
  };
  return deps.bus.consume({
    durable: shardName(deps.shard ?? UNSHARDED, "store-collect"),
    stream,
    ordered: true,
    ackWaitSeconds: deps.ackWaitSeconds,
    deadLetter: { maxDeliveries: deps.maxDeliveries, handle: deadLetter },
    // A first full read arrives as thousands of pages: commit what is waiting together.
    batch: {
      maxMessages: deps.batchMessages ?? 1,
      // The batch asks the ledger about all of its messages at once.
      unit: (fn, metas) => warehouse.batch(fn, { keys: metas.map((m) => messageRef(stream, m).key) }),
    },
    handlers: [
      on(
        PollStarted,
        apply((p, m) => warehouse.pollStarted(p, m)),
      ),
      on(
        PageCollected,
        apply(async (p, m) => {
          const result = await warehouse.pageCollected(p, m);
          if (result.status === "applied")
            deps.metrics?.page(p.workspaceId, p.resource, p.objects.length + p.removed.length, p.collectedAt);
          return result;
        }),
      ),
      on(
        ResourceCollected,
        apply((p, m) => warehouse.resourceCollected(p, m)),
      ),
      on(
        PollCompleted,
        apply((p, m) => warehouse.pollCompleted(p, m)),
      ),
    ],
  });
}

/** Durable name per stream feeding system tables: TL_AUTH → store-auth, TL_QUERY → store-query. */
export function systemDurable(stream: string): string {
  return `store-${stream.replace(/^TL_/, "").toLowerCase()}`;
}

/**
 * One consumer per stream that feeds declared system tables; an event feeding several tables is
 * applied to all of them in one transaction. The stream's other events are acknowledged unread
 * (nats-server 2.9 gives a consumer one filter subject, so it takes the whole stream).
 */
export async function consumeSystemEvents(
  deps: ConsumerDeps,
  decls: readonly SystemTableDecl[],
  streamEvents: readonly EventDef[] = allEvents,
): Promise<Consumer[]> {
  const byStream = new Map<string, Map<EventDef, SystemTableDecl[]>>();
  for (const decl of decls) {
    if (!decl.source) continue;
    const { event } = decl.source;
    const byEvent = byStream.get(event.stream) ?? new Map<EventDef, SystemTableDecl[]>();
    byEvent.set(event, [...(byEvent.get(event) ?? []), decl]);
    byStream.set(event.stream, byEvent);
  }
  const consumers: Consumer[] = [];
  for (const [stream, byEvent] of byStream) {
    const handlers = [...byEvent].map(([event, list]) =>
      on(event, async (payload, meta) => {
        if (!applies(deps, payload)) return;
        settle(deps, meta, await deps.warehouse.systemEvent(list, payload, messageRef(stream, meta)));
      }),
    );
    const others = streamEvents.filter((e) => e.stream === stream && !byEvent.has(e));
    if (byEvent.size > 1) {
      for (const e of others) handlers.push(on(e, async () => {}));
    }
    consumers.push(
      await deps.bus.consume({
        durable: shardName(deps.shard ?? UNSHARDED, systemDurable(stream)),
        stream,
        ordered: true,
        ackWaitSeconds: deps.ackWaitSeconds,
        handlers,
      }),
    );
  }
  return consumers;
}
