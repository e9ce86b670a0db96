import type { Bus } from "@tenantlens/bus";
import {
  type Alert,
  AppError,
  type EventPayload,
  type GenerationCommitted,
  QueryExecute,
  SavedQueryGet,
} from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { Db } from "./adapters/db.js";
import { getAlert, getAlertState, listAlerts, putAlert, setAlertState } from "./adapters/state.js";
import { dispatch } from "./dispatch.js";
import { changeItem, changeSql, normalizeChangeFilters } from "./domain/change-sql.js";
import { diffRows, type RowSet } from "./domain/query-diff.js";

export interface EvaluatorDeps {
  db: Db;
  bus: Bus;
  log: Logger;
  consoleUrl: string;
  /** Rows of a saved query an alert compares (more are cut: `truncated`). */
  queryMaxRows: number;
  onQueued(): void;
}

type Rows = Record<string, unknown>[];

/** Failures that are the alert's problem (bad SQL, deleted saved query): recorded on it, not retried. */
const ALERT_ERRORS = new Set(["query_error", "not_found", "bad_request", "query_timeout"]);

/**
 * Change and query alerts are evaluated when a generation is committed: they read the warehouse
 * through the query service (pinned to that generation, outside query history). A generation is
 * applied to each alert once (`alert_state.generation_id`), so a redelivered event does nothing.
 */
export class Evaluator {
  constructor(private readonly d: EvaluatorDeps) {}

  async generationCommitted(g: EventPayload<typeof GenerationCommitted>): Promise<void> {
    const alerts = await this.d.db.exclusive((sql) => listAlerts(sql, g.workspaceId, ["change", "query"]));
    // The notifier's own delivery log must not make query alerts fire on their own notifications.
    const dataChanged = g.tables.some((t) => t.changed && t.name !== "notifications");
    for (const alert of alerts) {
      if (!alert.enabled) continue;
      if (alert.kind === "change" && g.pollIds.length === 0) continue;
      if (alert.kind === "query" && !dataChanged) continue;
      const state = await this.d.db.exclusive((sql) => getAlertState(sql, alert.id));
      if (state?.generationId != null && state.generationId >= g.generationId) continue;
      try {
        if (alert.kind === "change") await this.change(alert, g);
        if (alert.kind === "query") await this.query(alert, g, state?.rows ?? null);
      } catch (err) {
        if (err instanceof AppError && ALERT_ERRORS.has(err.code)) {
          this.d.log.warn({ alertId: alert.id, err: err.message }, "alert could not be evaluated");
          await this.d.db.transaction(async (sql) => {
            const cur = await getAlert(sql, alert.id);
            if (cur) await putAlert(sql, { ...cur, lastError: err.message });
            await setAlertState(sql, alert.id, g.generationId, state?.rows ?? null);
          });
          continue;
        }
        throw err; // the query service is away: the event is retried
      }
    }
  }

  /** The current result of a query alert's saved query, as its baseline (on creation). */
  async baseline(alert: Alert): Promise<void> {
    if (alert.kind !== "query") return;
    const { rows, generationId } = await this.runSaved(alert, undefined);
    const diff = diffRows(null, rows, alert.filters.on);
    await this.d.db.transaction((sql) =>
      setAlertState(sql, alert.id, generationId, JSON.stringify(diff.rows)),
    );
  }

  private async change(
    alert: Extract<Alert, { kind: "change" }>,
    g: EventPayload<typeof GenerationCommitted>,
  ) {
    const filters = normalizeChangeFilters(alert.filters);
    const rows = await this.execute(alert, changeSql(filters, g.pollIds), g.generationId);
    const total = Number(rows[0]?.total ?? 0);
    const items = rows.map((r) => changeItem(filters.table, r));
    const created = await this.d.db.transaction(async (sql) => {
      const cur = await getAlert(sql, alert.id);
      if (!cur) return 0;
      await setAlertState(sql, alert.id, g.generationId, null);
      if (cur.lastError) await putAlert(sql, { ...cur, lastError: null });
      const env = { consoleUrl: this.d.consoleUrl, now: Date.now() };
      const fresh = (await getAlert(sql, alert.id)) ?? cur;
      return dispatch(sql, env, fresh, items, {
        kind: "change",
        generationId: g.generationId,
        pollIds: g.pollIds,
      });
    });
    if (total > items.length)
      this.d.log.info({ alertId: alert.id, total, shown: items.length }, "change digest capped");
    if (created > 0) this.d.onQueued();
  }

  private async query(
    alert: Extract<Alert, { kind: "query" }>,
    g: EventPayload<typeof GenerationCommitted>,
    previousText: string | null,
  ) {
    const { rows, name } = await this.runSaved(alert, g.generationId);
    const previous = previousText ? (JSON.parse(previousText) as RowSet) : null;
    const diff = diffRows(previous, rows, alert.filters.on);
    const items = [...diff.added, ...diff.removed];
    const created = await this.d.db.transaction(async (sql) => {
      const cur = await getAlert(sql, alert.id);
      if (!cur) return 0;
      await setAlertState(sql, alert.id, g.generationId, JSON.stringify(diff.rows));
      const fresh = cur.lastError ? { ...cur, lastError: null } : cur;
      if (cur.lastError) await putAlert(sql, fresh);
      const env = { consoleUrl: this.d.consoleUrl, now: Date.now() };
      return dispatch(sql, env, fresh, items, {
        kind: "query",
        savedQuery: { id: alert.filters.savedQueryId, name },
        generationId: g.generationId,
        rowCount: rows.length,
      });
    });
    if (created > 0) this.d.onQueued();
  }

  private async runSaved(
    alert: Extract<Alert, { kind: "query" }>,
    generationId: number | undefined,
    limits: { queryMs: number; requestMs: number } = { queryMs: 30_000, requestMs: 60_000 },
  ): Promise<{ rows: Rows; name: string; generationId: number }> {
    const { savedQuery } = await this.d.bus.request(
      SavedQueryGet,
      { workspaceId: alert.workspaceId, id: alert.filters.savedQueryId },
      { timeoutMs: limits.requestMs },
    );
    const res = await this.d.bus.request(
      QueryExecute,
      {
        workspaceId: alert.workspaceId,
        sql: savedQuery.sql,
        actor: `notifier:${alert.id}`,
        maxRows: this.d.queryMaxRows,
        timeoutMs: limits.queryMs,
        format: "json",
        history: false,
        ...(generationId ? { generationId } : {}),
      },
      { timeoutMs: limits.requestMs },
    );
    return { rows: await this.rowsOf(res), name: savedQuery.name, generationId: res.generationId };
  }

  private async execute(alert: Alert, sql: string, generationId: number): Promise<Rows> {
    const res = await this.d.bus.request(
      QueryExecute,
      {
        workspaceId: alert.workspaceId,
        sql,
        actor: `notifier:${alert.id}`,
        format: "json",
        history: false,
        generationId,
        timeoutMs: 30_000,
      },
      { timeoutMs: 60_000 },
    );
    return this.rowsOf(res);
  }

  private async rowsOf(res: { rows?: Rows; resultRef?: { bucket: string; key: string } }): Promise<Rows> {
    if (res.rows) return res.rows;
    if (!res.resultRef) return [];
    const bytes = await this.d.bus.getBlob(res.resultRef.bucket, res.resultRef.key);
    return bytes ? (JSON.parse(Buffer.from(bytes).toString("utf8")) as Rows) : [];
  }
}
