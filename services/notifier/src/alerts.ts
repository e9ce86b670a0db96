import type { Bus } from "@tenantlens/bus";
import {
  type Alert,
  type AlertCreate,
  type AlertKind,
  type AlertUpdateInput,
  AppError,
  alertFilterSchemas,
  formatIssues,
  type RequestOf,
  SavedQueryGet,
} from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import type { Db } from "./adapters/db.js";
import { deleteAlert, getAlert, getChannel, listAlerts, putAlert, setAlertState } from "./adapters/state.js";
import { FilterError, normalizeChangeFilters } from "./domain/change-sql.js";
import { newId } from "./domain/records.js";
import type { Evaluator } from "./evaluate.js";

export interface AlertDeps {
  db: Db;
  bus: Bus;
  log: Logger;
  evaluator: Evaluator;
}

/** Alert verbs: what is worth telling, and to which channels. */
export class Alerts {
  constructor(private readonly d: AlertDeps) {}

  async create(req: RequestOf<typeof AlertCreate>): Promise<Alert> {
    const now = new Date().toISOString();
    const filters = await this.checkFilters(req.workspaceId, req.kind, req.filters);
    await this.checkChannels(req.workspaceId, req.channelIds);
    const alert = {
      kind: req.kind,
      id: newId("al"),
      workspaceId: req.workspaceId,
      name: req.name,
      channelIds: req.channelIds,
      enabled: req.enabled ?? true,
      filters,
      createdAt: now,
      updatedAt: now,
      createdBy: req.actor,
      updatedBy: req.actor,
      lastTriggeredAt: null,
      lastError: null,
    } as Alert;
    await this.d.db.transaction((sql) => putAlert(sql, alert));
    await this.baseline(alert);
    return alert;
  }

  async list(workspaceId: string, kind?: AlertKind, channelId?: string): Promise<Alert[]> {
    const all = await this.d.db.exclusive((sql) => listAlerts(sql, workspaceId, kind ? [kind] : undefined));
    return channelId ? all.filter((a) => a.channelIds.includes(channelId)) : all;
  }

  async get(workspaceId: string, id: string): Promise<Alert> {
    const a = await this.d.db.exclusive((sql) => getAlert(sql, id, workspaceId));
    if (!a) throw new AppError("not_found", `alert ${id} not found`);
    return a;
  }

  async update(req: AlertUpdateInput & { workspaceId: string; actor: string; id: string }): Promise<Alert> {
    const cur = await this.get(req.workspaceId, req.id);
    const filters = req.filters
      ? await this.checkFilters(req.workspaceId, cur.kind, req.filters)
      : cur.filters;
    if (req.channelIds) await this.checkChannels(req.workspaceId, req.channelIds);
    const next = {
      ...cur,
      name: req.name ?? cur.name,
      enabled: req.enabled ?? cur.enabled,
      channelIds: req.channelIds ?? cur.channelIds,
      filters,
      lastError: req.filters ? null : cur.lastError,
      updatedAt: new Date().toISOString(),
      updatedBy: req.actor,
    } as Alert;
    await this.d.db.transaction((sql) => putAlert(sql, next));
    // A query alert watching another saved query starts from that query's current result.
    if (req.filters && next.kind === "query") await this.baseline(next);
    return next;
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    await this.d.db.transaction(async (sql) => {
      if (!(await getAlert(sql, id, workspaceId))) throw new AppError("not_found", `alert ${id} not found`);
      await deleteAlert(sql, id);
    });
  }

  private async checkChannels(workspaceId: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const c = await this.d.db.exclusive((sql) => getChannel(sql, id, workspaceId));
      if (!c) throw new AppError("bad_request", `channel ${id} does not exist in this workspace`);
    }
  }

  private async checkFilters(workspaceId: string, kind: AlertKind, raw: unknown): Promise<Alert["filters"]> {
    const parsed = alertFilterSchemas[kind].safeParse(raw);
    if (!parsed.success)
      throw new AppError("bad_request", `invalid filters for a ${kind} alert: ${formatIssues(parsed.error)}`);
    const filters = parsed.data;
    if (kind === "change") {
      try {
        return normalizeChangeFilters(filters as Extract<Alert, { kind: "change" }>["filters"]);
      } catch (err) {
        if (err instanceof FilterError) throw new AppError("bad_request", err.message);
        throw err;
      }
    }
    if (kind === "query") {
      const id = (filters as Extract<Alert, { kind: "query" }>["filters"]).savedQueryId;
      try {
        await this.d.bus.request(SavedQueryGet, { workspaceId, id });
      } catch (err) {
        if (err instanceof AppError && err.code === "not_found")
          throw new AppError("bad_request", `saved query ${id} does not exist in this workspace`);
        throw err;
      }
    }
    return filters;
  }

  /** Query alerts compare with the result at creation; if it cannot be read now, the next generation sets it. */
  private async baseline(alert: Alert): Promise<void> {
    if (alert.kind !== "query") return;
    await this.d.db.transaction((sql) => setAlertState(sql, alert.id, null, null));
    try {
      await this.d.evaluator.baseline(alert);
    } catch (err) {
      this.d.log.warn(
        { alertId: alert.id, err },
        "no baseline for the query alert yet; the next generation sets it",
      );
    }
  }
}
