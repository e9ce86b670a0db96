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
  appliedAmong,
  bumpVersions,
  collectionState,
  type GenerationKind,
  type MessageRef,
  recordApplied,
  recordAppliedAll,
  requestGeneration,
} from "./adapters/bookkeeping.js";
import { Db, type DbOptions, type Sql } from "./adapters/db.js";
import { recordDeadLetter } from "./adapters/dead-letters.js";
import { createLogStage, pruneLogs, writeLogPages } from "./adapters/log-writer.js";
import { type MigrationResult, migrate } from "./adapters/migrate.js";
import {
  type ChangeCounts,
  createStage,
  type GroupPage,
  purgeIntegration,
  removeUnseen,
  writePages,
} from "./adapters/page-writer.js";
import {
  addPollCounts,
  type PollRef,
  pollCompleted,
  pollFailedAtIngest,
  pollStarted,
} from "./adapters/poll-writer.js";
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
 * Pages of a batch not written yet for one table: pages of one poll, resource and mode whose object
 * ids are disjoint, so writing them together gives each object the outcome it would have had with
 * its page applied alone. A batch keeps one such group per table (a first read interleaves the
 * pages of several resources): groups of different tables touch different rows, so their order
 * does not matter. Anything else the batch applies writes them all first.
 */
interface PendingPages {
  key: string;
  t: ResourceTables;
  head: EventPayload<typeof PageCollected>;
  pages: GroupPage[];
  ids: Set<string>;
  objects: number;
}

/** The pending groups are written once they hold this many objects (bounds the staging tables). */
const MAX_GROUP_OBJECTS = 100_000;

/**
 * What written groups owe the bookkeeping tables, written once per flush: poll counts (the poll's
 * row is created, if missing, with the time of its first page in stream order) and table versions.
 */
interface Books {
  polls: Map<string, { ref: PollRef; at: string; counts: ChangeCounts }>;
  versions: Map<string, Set<string>>;
}

const newBooks = (): Books => ({ polls: new Map(), versions: new Map() });

interface BatchScope {
  sql: Sql;
  afterCommit: (() => void)[];
  /** Pending groups, one per table, in the stream order of their first page. */
  pending: Map<string, PendingPages>;
  pendingObjects: number;
  books: Books;
  /** Messages applied in the batch whose ledger rows are not written yet (one insert per flush). */
  unrecorded: MessageRef[];
  /** Every message applied in the batch: a copy of one later in the batch is a duplicate. */
  appliedKeys: Set<string>;
  /**
   * The ledger looked up once for the messages the batch was told it runs: `known` were looked
   * up, `inLedger` is those already applied before the batch. Other keys are looked up one by one.
   */
  known: Set<string>;
  inLedger: Set<string>;
  /**
   * Per workspace and poll: whether the workspace was deleted and the poll failed at ingest, as
   * found by the batch's first message of that poll (nothing else can change either meanwhile: a
   * dead letter applied in the batch clears this).
   */
  collections: Map<string, { workspaceDeleted: boolean; pollDeadLettered: boolean }>;
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
   * `keys`: the ledger keys of the messages it will apply, when known (the consumer knows them):
   * the ledger is then asked about all of them in one query instead of one query per message.
   */
  async batch<T>(fn: () => Promise<T>, opts: { keys?: readonly string[] } = {}): Promise<T> {
    if (this.batchScope.getStore()) return fn();
    const afterCommit: (() => void)[] = [];
    const result = await this.db.transaction(async (sql) => {
      const keys = opts.keys ?? [];
      const scope: BatchScope = {
        sql,
        afterCommit,
        pending: new Map(),
        pendingObjects: 0,
        books: newBooks(),
        unrecorded: [],
        appliedKeys: new Set(),
        known: new Set(keys),
        inLedger: await appliedAmong(sql, keys),
        collections: new Map(),
      };
      return this.batchScope.run(scope, async () => {
        const r = await fn();
        await this.writePending(scope);
        return r;
      });
    });
    for (const cb of afterCommit) cb();
    return result;
  }

  /**
   * Writes the batch's pending groups (in its transaction), then what they owe the poll counts and
   * table versions, then the ledger rows of the messages applied so far.
   */
  private async writePending(scope: BatchScope): Promise<void> {
    const groups = [...scope.pending.values()];
    scope.pending.clear();
    scope.pendingObjects = 0;
    for (const group of groups) await this.writeGroup(scope.sql, group, scope.books);
    await writeBooks(scope.sql, scope.books);
    scope.books = newBooks();
    await recordAppliedAll(scope.sql, scope.unrecorded);
    scope.unrecorded = [];
  }

  /** Writes one group; its counts and versions go to `books`. */
  private async writeGroup(sql: Sql, group: PendingPages, books: Books): Promise<void> {
    const { t, head, pages } = group;
    // An append-only log: new entries are added, nothing is diffed (adapters/log-writer.ts).
    const r = t.changes
      ? await writePages(sql, t, { ...head, pages })
      : await writeLogPages(sql, t, { ...head, pages });
    const poll = owe(books, head, head.collectedAt);
    poll.counts.added += r.added;
    poll.counts.modified += r.modified;
    poll.counts.removed += r.removed;
    const changed = r.added + r.modified + r.removed > 0;
    const tables = books.versions.get(head.workspaceId) ?? new Set<string>();
    tables.add("polls");
    if (r.rowsTouched) tables.add(t.current.name);
    if (t.changes && changed) tables.add(t.changes.name);
    books.versions.set(head.workspaceId, tables);
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
      // Applied earlier in this batch (its ledger row may not be written yet).
      if (scope?.appliedKeys.has(msg.key)) return { status: "duplicate" };
      const record = async () => {
        if (!scope) return recordApplied(sql, msg);
        scope.appliedKeys.add(msg.key);
        scope.unrecorded.push(msg);
      };
      if (!collection) {
        if (await this.applied(scope, sql, msg.key)) return { status: "duplicate" };
      } else {
        const state = await this.collectionState(scope, sql, { key: msg.key, ...collection });
        if (state.applied) return { status: "duplicate" };
        const skipped = state.workspaceDeleted
          ? `workspace ${collection.workspaceId} was deleted`
          : state.pollDeadLettered
            ? `poll ${collection.pollId} was failed at ingest; the rest of it is skipped`
            : undefined;
        if (skipped) {
          await record();
          return { status: "ignored", reason: skipped };
        }
      }
      const result = await fn(sql);
      await record();
      return result;
    };
    return scope ? apply(scope.sql) : this.db.transaction(apply);
  }

  /** Whether the ledger holds `key` (looked up with the batch's other messages when it can be). */
  private async applied(scope: BatchScope | undefined, sql: Sql, key: string): Promise<boolean> {
    if (scope?.known.has(key)) return scope.inLedger.has(key);
    return alreadyApplied(sql, key);
  }

  /** `collectionState`, answered from what the batch already looked up when it can be. */
  private async collectionState(
    scope: BatchScope | undefined,
    sql: Sql,
    m: { key: string; workspaceId: string; pollId: string },
  ): Promise<{ applied: boolean; workspaceDeleted: boolean; pollDeadLettered: boolean }> {
    const poll = `${m.workspaceId}\u0000${m.pollId}`;
    const cached = scope?.collections.get(poll);
    if (scope && cached) return { applied: await this.applied(scope, sql, m.key), ...cached };
    const state = await collectionState(sql, m);
    scope?.collections.set(poll, {
      workspaceDeleted: state.workspaceDeleted,
      pollDeadLettered: state.pollDeadLettered,
    });
    return state;
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
        const key = [p.integrationId, p.tenantId, p.workspaceId, p.pollId, p.resource, p.mode].join("\u0000");
        const ids = [...p.objects.map((o) => o.id as string), ...p.removed.map((r) => r.id)];
        const alone = (): PendingPages => ({ key, t, head: p, pages: [], ids: new Set(), objects: 0 });
        if (!scope) {
          const books = newBooks();
          owe(books, p, p.collectedAt);
          await this.writeGroup(sql, { ...alone(), pages: [page] }, books);
          await writeBooks(sql, books);
          return { status: "applied" };
        }
        if (scope.pendingObjects + ids.length > MAX_GROUP_OBJECTS) await this.writePending(scope);
        const table = t.current.name;
        const pending = scope.pending.get(table);
        const joins = pending !== undefined && pending.key === key && !ids.some((id) => pending.ids.has(id));
        if (pending && !joins) {
          // Same table, another poll or mode, or an id again: that group is written first.
          scope.pending.delete(table);
          scope.pendingObjects -= pending.objects;
          await this.writeGroup(sql, pending, scope.books);
        }
        // The poll's row, if missing, gets the time of its first page in stream order.
        owe(scope.books, p, p.collectedAt);
        const group: PendingPages = (joins ? pending : undefined) ?? alone();
        group.pages.push(page);
        for (const id of ids) group.ids.add(id);
        group.objects += ids.length;
        scope.pendingObjects += ids.length;
        scope.pending.set(table, group);
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
      // A poll may be failed now: later messages of the batch must ask again.
      this.batchScope.getStore()?.collections.clear();
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

/** The poll's entry in `books` (created with `at` when it is the poll's first). */
function owe(books: Books, p: PollRef, at: string): { counts: ChangeCounts } {
  const found = books.polls.get(p.pollId);
  if (found) return found;
  const entry = {
    ref: {
      pollId: p.pollId,
      workspaceId: p.workspaceId,
      integrationId: p.integrationId,
      tenantId: p.tenantId,
    },
    at,
    counts: { added: 0, modified: 0, removed: 0 },
  };
  books.polls.set(p.pollId, entry);
  return entry;
}

/** Poll counts and table versions owed by written groups. */
async function writeBooks(sql: Sql, books: Books): Promise<void> {
  for (const { ref, at, counts } of books.polls.values()) await addPollCounts(sql, ref, at, counts);
  for (const [ws, tables] of books.versions) await bumpVersions(sql, ws, [...tables]);
}
