import {
  type Rule,
  RuleChanged,
  type RuleDefinition,
  type RuleIntegrationStatus,
  type RuleStatus,
} from "@tenantlens/contracts";
import type { OutboxEvent, RuleRef } from "../domain/events.js";
import { type ManagedRule, managedRules } from "../managed/index.js";
import { iso, type Sql } from "./state-db.js";

/** A rule of one workspace as the service keeps it. */
export interface StoredRule {
  workspaceId: string;
  id: string;
  managed: boolean;
  definition: RuleDefinition;
  enabled: boolean;
  version: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
  deletedAt: string | null;
}

type Reader = Pick<Sql, "all">;

export async function loadRules(
  sql: Reader,
  workspaceId: string,
  opts: { includeDeleted?: boolean; ruleId?: string } = {},
): Promise<StoredRule[]> {
  const rows = await sql.all(
    `SELECT workspace_id, rule_id, managed, CAST(definition AS VARCHAR) AS definition, enabled, version,
       ${iso("created_at")} AS created_at, ${iso("updated_at")} AS updated_at, updated_by, ${iso("deleted_at")} AS deleted_at
     FROM rules
     WHERE workspace_id = $ws AND ($rule IS NULL OR rule_id = $rule) AND ($all OR deleted_at IS NULL)
     ORDER BY managed DESC, rule_id`,
    { ws: workspaceId, rule: opts.ruleId ?? null, all: opts.includeDeleted ?? false },
  );
  return rows.map((r) => ({
    workspaceId: String(r.workspace_id),
    id: String(r.rule_id),
    managed: r.managed === true,
    definition: JSON.parse(String(r.definition)) as RuleDefinition,
    enabled: r.enabled === true,
    version: String(r.version),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    updatedBy: r.updated_by === null ? null : String(r.updated_by),
    deletedAt: r.deleted_at === null ? null : String(r.deleted_at),
  }));
}

/** Writes a rule (replacing any earlier row of the same id). */
export async function saveRule(sql: Sql, r: StoredRule): Promise<void> {
  await sql.run("DELETE FROM rules WHERE workspace_id = $ws AND rule_id = $id", {
    ws: r.workspaceId,
    id: r.id,
  });
  await sql.run(
    `INSERT INTO rules VALUES ($ws, $id, $managed, CAST($definition AS JSON), $enabled, $version,
       CAST($created AS TIMESTAMPTZ), CAST($updated AS TIMESTAMPTZ), $by, CAST($deleted AS TIMESTAMPTZ))`,
    {
      ws: r.workspaceId,
      id: r.id,
      managed: r.managed,
      definition: JSON.stringify(r.definition),
      enabled: r.enabled,
      version: r.version,
      created: r.createdAt,
      updated: r.updatedAt,
      by: r.updatedBy,
      deleted: r.deletedAt,
    },
  );
}

export function toRule(r: StoredRule): Rule {
  return {
    ...r.definition,
    id: r.id,
    workspaceId: r.workspaceId,
    managed: r.managed,
    enabled: r.enabled,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    updatedBy: r.updatedBy,
  };
}

export function ruleRef(r: StoredRule): RuleRef {
  return {
    ruleId: r.id,
    title: r.definition.title,
    severity: r.definition.severity,
    packs: r.definition.packs,
    managed: r.managed,
  };
}

export function ruleChanged(
  change: "created" | "updated" | "deleted",
  r: StoredRule,
  at: string,
): OutboxEvent {
  return { subject: RuleChanged.subject, payload: { change, rule: toRule(r), at } };
}

/** Registers a workspace the first time the service hears of it. */
export async function ensureWorkspaceRow(sql: Sql, workspaceId: string, at: string): Promise<void> {
  const rows = await sql.all("SELECT 1 AS hit FROM workspaces WHERE workspace_id = $ws", { ws: workspaceId });
  if (rows.length === 0) {
    await sql.run("INSERT INTO workspaces VALUES ($ws, 0, CAST($at AS TIMESTAMPTZ))", {
      ws: workspaceId,
      at,
    });
  }
}

export async function knownWorkspaces(sql: Reader): Promise<string[]> {
  return (await sql.all("SELECT workspace_id FROM workspaces ORDER BY 1")).map((r) => String(r.workspace_id));
}

export async function lastFullGeneration(sql: Reader, workspaceId: string): Promise<number> {
  const rows = await sql.all("SELECT last_full_generation AS g FROM workspaces WHERE workspace_id = $ws", {
    ws: workspaceId,
  });
  return Number(rows[0]?.g ?? 0);
}

/**
 * Brings a workspace's copy of the managed rules to the shipped ones: new rules are published,
 * changed ones (another content version) updated, removed ones deleted. Workspace settings (enabled)
 * survive. Returns the RuleChanged events and the ids of removed rules.
 */
export async function syncManagedRules(
  sql: Sql,
  workspaceId: string,
  at: string,
  shipped: readonly ManagedRule[] = managedRules,
): Promise<{ events: OutboxEvent[]; removed: string[] }> {
  const stored = new Map((await loadRules(sql, workspaceId)).filter((r) => r.managed).map((r) => [r.id, r]));
  const events: OutboxEvent[] = [];
  for (const m of shipped) {
    const existing = stored.get(m.id);
    if (existing && existing.version === m.version) continue;
    const rule: StoredRule = {
      workspaceId,
      id: m.id,
      managed: true,
      definition: m.definition,
      enabled: existing?.enabled ?? true,
      version: m.version,
      createdAt: existing?.createdAt ?? at,
      updatedAt: at,
      updatedBy: null,
      deletedAt: null,
    };
    await saveRule(sql, rule);
    events.push(ruleChanged(existing ? "updated" : "created", rule, at));
  }
  const current = new Set(shipped.map((m) => m.id));
  const removed: string[] = [];
  for (const [id, r] of stored) {
    if (current.has(id)) continue;
    const gone = { ...r, updatedAt: at, deletedAt: at };
    await saveRule(sql, gone);
    events.push(ruleChanged("deleted", gone, at));
    removed.push(id);
  }
  return { events, removed };
}

/** Latest status of every (rule, integration) of a workspace. */
export async function ruleStatuses(
  sql: Reader,
  workspaceId: string,
): Promise<Map<string, RuleIntegrationStatus[]>> {
  const rows = await sql.all(
    `SELECT rule_id, integration_id, status, violation_count, ${iso("evaluated_at")} AS evaluated_at, generation_id, error
     FROM rule_status WHERE workspace_id = $ws ORDER BY rule_id, integration_id`,
    { ws: workspaceId },
  );
  const out = new Map<string, RuleIntegrationStatus[]>();
  for (const r of rows) {
    const list = out.get(String(r.rule_id)) ?? [];
    list.push({
      integrationId: String(r.integration_id),
      status: String(r.status) as RuleStatus,
      violationCount: Number(r.violation_count),
      evaluatedAt: String(r.evaluated_at),
      generationId: Number(r.generation_id),
      error: r.error === null ? null : String(r.error),
    });
    out.set(String(r.rule_id), list);
  }
  return out;
}
