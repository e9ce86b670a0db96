import { AsyncLocalStorage } from "node:async_hooks";
import type {
  EventPayload,
  PageCollected,
  PollCompleted,
  PollStarted,
  ResourceCollected,
} from "@tenantlens/contracts";
import type { ResourceDef } from "@tenantlens/graph";
import {
  alreadyApplied,
  bumpVersions,
  collectionState,
  type GenerationKind,
  type MessageRef,
  recordApplied,
  requestGeneration,
} from "./adapters/bookkeeping.js";
import { Db, type DbOptions, type Sql } from "./adapters/db.js";
import { recordDeadLetter } from "./adapters/dead-letters.js";
import { createLogStage, pruneLogs, writeLogPages } from "./adapters/log-writer.js";
import { type MigrationResult, migrate } from "./adapters/migrate.js";
import {
  createStage,
  type GroupPage,
  purgeIntegration,
  removeUnseen,
  writePages,
} from "./adapters/page-writer.js";
import { addPollCounts, pollCompleted, pollFailedAtIngest, pollStarted } from "./adapters/poll-writer.js";
import { applyUpdateEffect, writeSystemRows } from "./adapters/system-writer.js";
import { deletedAmong, purgeIntegrationRows, purgeWorkspaceRows } from "./adapters/workspace-purge.js";
import { type DeadLetterRecord, pollFailureText } from "./domain/dead-letter.js";
import {
  type ResourceTables,
  resourceTablesFor,
  type WarehouseSchema,
  warehouseSchema,
} from "./domain/schema.js";
import { type SystemTableDecl, systemTables } from "./domain/system-tables.js";

export type ApplyResult =
  | { status: "applied"; generation?: { workspaceId: string; kind: GenerationKind } }
  | { status: "duplicate" }
  | { status: "ignored"; reason: string };

export interface WarehouseOptions extends DbOptions {
  file: string;
  catalog: readonly ResourceDef[];
  system?: readonly SystemTableDecl[];
  /** Append-only logs (audits, sign-ins): entries older than this many days go when a poll completes. */
  logRetentionDays?: number;
}

export const DEFAULT_LOG_RETENTION_DAYS = 90;

/**
 * Pages of a batch not written yet: consecutive pages of one poll, resource and mode whose object
 * ids are disjoint, so writing them together gives each object the outcome it would have had with
 * its page applied alone. Anything else the batch applies writes them first.
 */
interface PendingPages {
  key: string;
  t: ResourceTables;
  head: EventPayload<typeof PageCollected>;
  pages: GroupPage[];
  ids: Set<string>;
  objects: number;
}

/** A group is written once it holds this many objects (bounds the staging tables). */
const MAX_GROUP_OBJECTS = 100_000;

interface BatchScope {
  sql: Sql;
  afterCommit: (() => void)[];
  pending?: PendingPages;
}

/**
 * The warehouse verbs: each applies one message exactly once. Its effects and its ledger entry
 * commit in one transaction, so a message redelivered after a crash (or published twice) is
 * recognised and changes nothing. The caller acks only after the returned promise resolves.
 */
export class Warehouse {
  /** The transaction of the batch the current async call chain belongs to (see `batch`). */
  private readonly batchScope = new AsyncLocalStorage<BatchScope>();

  private constructor(
    readonly db: Db,
    readonly schema: WarehouseSchema,
    readonly migration: MigrationResult,
    private readonly logRetentionDays: number,
  ) {}

  static async open(opts: WarehouseOptions): Promise<Warehouse> {
    const schema = warehouseSchema(opts.catalog, opts.system ?? systemTables);
    const db = await Db.open(opts.file, opts);
    try {
      const migration = await migrate(db, schema);
      await db.exclusive(createStage);
      await db.exclusive(createLogStage);
      return new Warehouse(db, schema, migration, opts.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /**
   * Runs `fn` as one transaction: every message verb it calls (in its own async call chain) joins
   * it, so several messages commit together, each still with its ledger row. If anything fails
   * nothing of it is kept. Callbacks given to `afterCommit` meanwhile run once it committed.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    if (this.batchScope.getStore()) return fn();
    const afterCommit: (() => void)[] = [];
    const result = await this.db.transaction((sql) => {
      const scope: BatchScope = { sql, afterCommit };
      return this.batchScope.run(scope, async () => {
        const r = await fn();
        await this.writePending(scope);
        return r;
      });
    });
    for (const cb of afterCommit) cb();
    return result;
  }

  /** Writes the batch's pending pages (in its transaction), with their poll counts and versions. */
  private async writePending(scope: BatchScope): Promise<void> {
    const group = scope.pending;
    if (!group) return;
    scope.pending = undefined;
    await this.writeGroup(scope.sql, group.t, group.head, group.pages);
  }

  private async writeGroup(
    sql: Sql,
    t: ResourceTables,
    head: EventPayload<typeof PageCollected>,
    pages: GroupPage[],
  ): Promise<void> {
    // An append-only log: new entries are added, nothing is diffed (adapters/log-writer.ts).
    const r = t.changes
      ? await writePages(sql, t, { ...head, pages })
      : await writeLogPages(sql, t, { ...head, pages });
    await addPollCounts(sql, head, head.collectedAt, r);
    const changed = r.added + r.modified + r.removed > 0;
    await bumpVersions(sql, head.workspaceId, [
      "polls",
      ...(r.rowsTouched ? [t.current.name] : []),
      ...(t.changes && changed ? [t.changes.name] : []),
    ]);
  }

  /** Runs `cb` once what the current call chain wrote is committed (at once outside a batch). */
  afterCommit(cb: () => void): void {
    const scope = this.batchScope.getStore();
    if (scope) scope.afterCommit.push(cb);
    else cb();
  }

  private once(
    msg: MessageRef,
    fn: (sql: Sql) => Promise<ApplyResult>,
    opts: { joinsPending?: boolean; collection?: { workspaceId: string; pollId: string } } = {},
  ): Promise<ApplyResult> {
    const scope = this.batchScope.getStore();
    const apply = async (sql: Sql): Promise<ApplyResult> => {
      // Pending pages land before any other message's effects (a page may join them instead).
      if (scope && !opts.joinsPending) await this.writePending(scope);
      const { collection } = opts;
      if (!collection) {
        if (await alreadyApplied(sql, msg.key)) return { status: "duplicate" };
      } else {
        const state = await collectionState(sql, { key: msg.key, ...collection });
        if (state.applied) return { status: "duplicate" };
        const skipped = state.workspaceDeleted
          ? `workspace ${collection.workspaceId} was deleted`
          : state.pollDeadLettered
            ? `poll ${collection.pollId} was failed at ingest; the rest of it is skipped`
            : undefined;
        if (skipped) {
          await recordApplied(sql, msg);
          return { status: "ignored", reason: skipped };
        }
      }
      const result = await fn(sql);
      await recordApplied(sql, msg);
      return result;
    };
    return scope ? apply(scope.sql) : this.db.transaction(apply);
  }

  /**
   * A collection message: applied once, unless an earlier message of its poll was dead-lettered.
   * Then it is skipped (and recorded as processed), so nothing of the poll lands after the gap:
   * a later page or a "complete" resource would otherwise remove or overwrite what the gap held.
   * A deleted workspace's messages are skipped too. The three questions are one query.
   */
  private collected(
    p: { pollId: string; workspaceId: string },
    msg: MessageRef,
    fn: (sql: Sql) => Promise<ApplyResult>,
    opts: { joinsPending?: boolean } = {},
  ): Promise<ApplyResult> {
    return this.once(msg, fn, { ...opts, collection: { workspaceId: p.workspaceId, pollId: p.pollId } });
  }

  pollStarted(p: EventPayload<typeof PollStarted>, msg: MessageRef): Promise<ApplyResult> {
    return this.collected(p, msg, async (sql) => {
      await pollStarted(sql, p);
      await bumpVersions(sql, p.workspaceId, ["polls"]);
      await requestGeneration(sql, {
        requestId: msg.key,
        workspaceId: p.workspaceId,
        kind: "system",
        pollId: null,
      });
      return { status: "applied", generation: { workspaceId: p.workspaceId, kind: "system" } };
    });
  }

  /**
   * A page. Inside a batch it joins the pages waiting to be written when it continues them (same
   * poll, resource and mode, no id in common), else those are written first; they are written
   * together before the batch commits or another message applies. Its ledger entry is written at
   * once, so a copy of it later in the batch is recognised.
   */
  pageCollected(p: EventPayload<typeof PageCollected>, msg: MessageRef): Promise<ApplyResult> {
    const scope = this.batchScope.getStore();
    return this.collected(
      p,
      msg,
      async (sql) => {
        const t = resourceTablesFor(this.schema, p.resource);
        if (!t) {
          if (scope) await this.writePending(scope);
          return { status: "ignored", reason: `unknown resource ${p.resource}` };
        }
        const page: GroupPage = { origin: msg.key, ...p };
        if (!scope) {
          await this.writeGroup(sql, t, p, [page]);
          return { status: "applied" };
        }
        const key = [p.integrationId, p.tenantId, p.workspaceId, p.pollId, p.resource, p.mode].join("\u0000");
        const ids = [...p.objects.map((o) => o.id as string), ...p.removed.map((r) => r.id)];
        const pending = scope.pending;
        const joins =
          pending !== undefined &&
          pending.key === key &&
          pending.objects + ids.length <= MAX_GROUP_OBJECTS &&
          !ids.some((id) => pending.ids.has(id));
        if (!joins) await this.writePending(scope);
        const group: PendingPages = (joins ? pending : undefined) ?? {
          key,
          t,
          head: p,
          pages: [],
          ids: new Set(),
          objects: 0,
        };
        group.pages.push(page);
        for (const id of ids) group.ids.add(id);
        group.objects += ids.length;
        scope.pending = group;
        return { status: "applied" };
      },
      { joinsPending: true },
    );
  }

  resourceCollected(p: EventPayload<typeof ResourceCollected>, msg: MessageRef): Promise<ApplyResult> {
    return this.collected(p, msg, async (sql) => {
      const t = resourceTablesFor(this.schema, p.resource);
      if (!t) return { status: "ignored", reason: `unknown resource ${p.resource}` };
      // Only a complete full read proves absence; partial, failed and not_collected remove nothing.
      if (p.mode !== "full" || p.outcome !== "complete") return { status: "applied" };
      // A log window never proves that older entries are gone: retention removes them.
      if (!t.changes) return { status: "applied" };
      const r = await removeUnseen(sql, t, p, msg.key);
      if (r.removed > 0) {
        await addPollCounts(sql, p, p.collectedAt, r);
        await bumpVersions(sql, p.workspaceId, ["polls", t.current.name, t.changes.name]);
      }
      return { status: "applied" };
    });
  }

  pollCompleted(p: EventPayload<typeof PollCompleted>, msg: MessageRef): Promise<ApplyResult> {
    return this.collected(p, msg, async (sql) => {
      await pollCompleted(sql, p);
      const pruned: string[] = [];
      for (const t of this.schema.resources) {
        if (t.changes) continue;
        const n = await pruneLogs(sql, t, p.integrationId, p.completedAt, this.logRetentionDays);
        if (n > 0) pruned.push(t.current.name);
      }
      await bumpVersions(sql, p.workspaceId, ["polls", ...pruned]);
      await requestGeneration(sql, {
        requestId: msg.key,
        workspaceId: p.workspaceId,
        kind: "poll",
        pollId: p.pollId,
      });
      return { status: "applied", generation: { workspaceId: p.workspaceId, kind: "poll" } };
    });
  }

  /**
   * A collection message the consumer gave up on: kept with its reason, and its poll (when the
   * message names one) failed in the same transaction, so the poll's later messages are skipped.
   */
  deadLetter(d: DeadLetterRecord, msg: MessageRef & { msgId: string | null }): Promise<ApplyResult> {
    return this.once(msg, async (sql) => {
      const owner = d.pollId
        ? await pollFailedAtIngest(
            sql,
            {
              pollId: d.pollId,
              workspaceId: d.workspaceId ?? undefined,
              integrationId: d.integrationId ?? undefined,
              tenantId: d.tenantId ?? undefined,
            },
            pollFailureText(msg.subject, msg.seq, d.reason),
            d.collectedAt ?? new Date().toISOString(),
          )
        : null;
      // The poll's row knows its workspace even when the message body could not be read.
      await recordDeadLetter(sql, msg, { ...d, ...(owner ?? {}) });
      if (!owner || !d.pollId) return { status: "applied" };
      await bumpVersions(sql, owner.workspaceId, ["polls"]);
      // The poll is over: its pages so far become visible, as a failed poll's do.
      await requestGeneration(sql, {
        requestId: msg.key,
        workspaceId: owner.workspaceId,
        kind: "poll",
        pollId: d.pollId,
      });
      return { status: "applied", generation: { workspaceId: owner.workspaceId, kind: "poll" } };
    });
  }

  /** A deleted workspace: every row of it goes and nothing of it is written afterwards. */
  purgeWorkspace(
    workspaceId: string,
    deletedAt: string,
  ): Promise<{ rows: number; bookkeeping: number; generations: number }> {
    return this.db.transaction((sql) => purgeWorkspaceRows(sql, this.schema, workspaceId, deletedAt));
  }

  /**
   * An event that feeds declared system tables (payload already validated by the consumer): every
   * table it feeds, its effects and the ledger entry commit together.
   */
  systemEvent(
    decls: SystemTableDecl | readonly SystemTableDecl[],
    payload: unknown,
    msg: MessageRef,
  ): Promise<ApplyResult> {
    const list = (Array.isArray(decls) ? decls : [decls]) as readonly SystemTableDecl[];
    const sources = list.flatMap((d) => (d.source ? [{ decl: d, source: d.source }] : []));
    if (sources.length === 0)
      return Promise.resolve({
        status: "ignored",
        reason: `${list.map((d) => d.table.name)} have no source event`,
      });
    return this.once(msg, async (sql) => {
      let kind: GenerationKind = "system";
      // A deleted workspace's events still in flight (its last rule results, say) are dropped.
      const all = sources.map(({ source }) => ({
        source,
        rows: source.toRows(payload),
        effects: source.effects?.(payload) ?? [],
      }));
      const gone = await deletedAmong(sql, [
        ...all.flatMap((s) => s.rows.map((r) => r.workspaceId)),
        ...all.flatMap((s) => s.effects.map((e) => e.workspaceId)),
      ]);
      const changedBy = new Map<string, Set<string>>(); // workspace → tables changed
      const touched = (ws: string, table: string) =>
        changedBy.set(ws, (changedBy.get(ws) ?? new Set()).add(table));
      for (const [i, { decl }] of sources.entries()) {
        const rows = (all[i]?.rows ?? []).filter((r) => !gone.has(r.workspaceId));
        if (rows.length > 0 && (await writeSystemRows(sql, decl, rows))) {
          for (const r of rows) touched(r.workspaceId, decl.table.name);
        }
        for (const effect of (all[i]?.effects ?? []).filter((e) => !gone.has(e.workspaceId))) {
          if (effect.kind === "update") {
            const target = this.schema.system.find((d) => d.table.name === effect.table);
            if (!target) throw new Error(`effect names unknown system table ${effect.table}`);
            if ((await applyUpdateEffect(sql, target.table, effect)) > 0)
              touched(effect.workspaceId, effect.table);
            continue;
          }
          if (effect.kind === "purge_integration_data") {
            const r = await purgeIntegrationRows(sql, this.schema, effect.workspaceId, effect.integrationId);
            for (const table of r.tables) touched(effect.workspaceId, table);
            // Collected tables may have changed: the generation re-exports them.
            if (r.rows > 0) kind = "poll";
            continue;
          }
          for (const t of this.schema.resources) {
            if ((await purgeIntegration(sql, t, effect.integrationId)) > 0) {
              touched(effect.workspaceId, t.current.name);
              kind = "poll"; // collected tables changed: they must be re-exported
            }
          }
        }
      }
      if (changedBy.size === 0) return { status: "applied" };
      let first: string | undefined;
      for (const [ws, tables] of changedBy) {
        first ??= ws;
        await bumpVersions(sql, ws, [...tables]);
        await requestGeneration(sql, { requestId: `${msg.key}#${ws}`, workspaceId: ws, kind, pollId: null });
      }
      return { status: "applied", generation: { workspaceId: first as string, kind } };
    });
  }
}
