import {
  AppError,
  type DryRunResult,
  type Pack,
  type RuleDefinition,
  RuleDefinition as RuleDefinitionSchema,
  type RuleEvaluation,
  type RulePatch,
  type RuleView,
  type Severity,
  type Violation,
  type ViolationState,
} from "@tenantlens/contracts";
import { decodeCursor, encodeCursor, listViolations, packScores } from "./adapters/reads.js";
import {
  loadRules,
  ruleChanged,
  ruleStatuses,
  type StoredRule,
  saveRule,
  toRule,
} from "./adapters/rule-store.js";
import { resolveRuleViolations } from "./adapters/suppression-store.js";
import { recordsViolations, verdict } from "./domain/judge.js";
import { newId, type RulesEngine } from "./engine.js";
import { discard, evaluate } from "./evaluator.js";
import { managedPackIds, managedPacks } from "./managed/index.js";

/**
 * Rules as users manage them: custom rules are created, changed and deleted (each save preceded by a
 * dry run over the current generation), managed rules only enabled or disabled per workspace.
 */
export class RuleAdmin {
  constructor(private readonly engine: RulesEngine) {}

  private get db() {
    return this.engine.deps.db;
  }

  private async prepared(workspaceId: string): Promise<void> {
    await this.engine.serial(workspaceId, () => this.engine.ensureWorkspace(workspaceId));
  }

  /**
   * What a rule would find in the current generation, saving nothing. A query DuckDB refuses (syntax,
   * unknown column, not read-only) or that returns the wrong columns is a bad_request with the message.
   */
  async dryRun(
    workspaceId: string,
    rule: { queries: ReadonlyArray<{ sql: string }>; evaluation: RuleEvaluation },
    limit = 100,
  ): Promise<DryRunResult> {
    const { executor, limits, db } = this.engine.deps;
    const generationId = (await this.engine.deps.currentGeneration(workspaceId)) ?? 0;
    const started = Date.now();
    const evaluation = await evaluate(
      executor,
      db.read(),
      {
        workspaceId,
        generationId,
        rules: [{ id: "dry-run", queries: rule.queries, evaluation: rule.evaluation }],
      },
      { concurrency: 1, maxRows: limits.maxViolations, always: true },
    );
    try {
      const result = evaluation.results[0];
      if (!result) throw new AppError("internal", "the dry run evaluated nothing");
      if ("error" in result.summary) throw new AppError("bad_request", result.summary.error);
      const integrations: DryRunResult["integrations"] = [];
      const recorded: string[] = [];
      let total = 0;
      for (const j of result.judgements) {
        if (j.kind === "skipped") continue;
        if (j.kind === "error") throw new AppError("bad_request", j.error);
        const status = verdict(rule.evaluation, j.count);
        const count = recordsViolations(rule.evaluation, status) ? j.count : 0;
        if (count > 0) recorded.push(j.integrationId);
        integrations.push({ integrationId: j.integrationId, status, violationCount: count });
        total += count;
      }
      const violations: DryRunResult["violations"] = [];
      if (result.candidates && recorded.length > 0) {
        const rows = await db.read().all(
          `SELECT integration_id, resource_id, resource_table, display_name, CAST(details AS VARCHAR) AS details
           FROM (${result.candidates})
           WHERE list_contains(CAST(CAST($ints AS JSON) AS VARCHAR[]), integration_id)
           ORDER BY integration_id, resource_id LIMIT ${Math.max(0, Math.floor(limit))}`,
          { ints: JSON.stringify(recorded) },
        );
        for (const r of rows) {
          violations.push({
            integrationId: String(r.integration_id),
            resourceId: String(r.resource_id),
            table: String(r.resource_table ?? ""),
            displayName: r.display_name === null ? null : String(r.display_name),
            ...(r.details === null ? {} : { details: JSON.parse(String(r.details)) as unknown }),
          });
        }
      }
      const truncated = total > violations.length || !("counts" in result.summary && result.summary.complete);
      return { generationId, integrations, violations, truncated, durationMs: Date.now() - started };
    } finally {
      await discard(evaluation.files);
    }
  }

  async create(
    workspaceId: string,
    actor: string,
    input: RuleDefinition,
    enabled: boolean,
  ): Promise<{ rule: RuleView; dryRun: DryRunResult }> {
    checkCustomPacks(input.packs);
    await this.prepared(workspaceId);
    const dryRun = await this.dryRun(workspaceId, input);
    const rule = await this.engine.serial(workspaceId, () =>
      this.engine.commit(async (sql) => {
        const at = this.engine.now();
        const r: StoredRule = {
          workspaceId,
          id: newId("rule"),
          managed: false,
          definition: input,
          enabled,
          version: "1",
          createdAt: at,
          updatedAt: at,
          updatedBy: actor,
          deletedAt: null,
        };
        await saveRule(sql, r);
        if (enabled)
          await this.engine.requestRun(sql, workspaceId, { trigger: "rule_changed", ruleIds: [r.id], actor });
        return { result: r, events: [ruleChanged("created", r, at)] };
      }),
    );
    if (enabled) this.engine.schedulePending(workspaceId);
    return { rule: { ...toRule(rule), statuses: [] }, dryRun };
  }

  async update(
    workspaceId: string,
    ruleId: string,
    actor: string,
    change: { enabled?: boolean; rule?: RulePatch },
  ): Promise<{ rule: RuleView; dryRun: DryRunResult | null }> {
    await this.prepared(workspaceId);
    const existing = await this.find(workspaceId, ruleId);
    const patch = Object.fromEntries(Object.entries(change.rule ?? {}).filter(([, v]) => v !== undefined));
    if (existing.managed && Object.keys(patch).length > 0) {
      throw new AppError(
        "bad_request",
        `${ruleId} is a managed rule: it can only be enabled or disabled. Create a custom rule to change what it checks.`,
      );
    }
    if (patch.packs) checkCustomPacks(patch.packs as string[]);
    let definition = existing.definition;
    if (Object.keys(patch).length > 0) {
      const merged = RuleDefinitionSchema.safeParse({ ...existing.definition, ...patch });
      if (!merged.success)
        throw new AppError("bad_request", merged.error.issues.map((i) => i.message).join("; "));
      definition = merged.data;
    }
    const judged = "queries" in patch || "evaluation" in patch;
    const dryRun = judged ? await this.dryRun(workspaceId, definition) : null;
    const enabled = change.enabled ?? existing.enabled;
    const definitionChanged = JSON.stringify(definition) !== JSON.stringify(existing.definition);
    if (!definitionChanged && enabled === existing.enabled) {
      return { rule: await this.view(existing), dryRun };
    }
    const saved = await this.engine.serial(workspaceId, () =>
      this.engine.commit(async (sql) => {
        const at = this.engine.now();
        const current = (await loadRules(sql, workspaceId, { ruleId }))[0];
        if (!current) throw new AppError("not_found", `No rule ${ruleId} in this workspace.`);
        const r: StoredRule = {
          ...current,
          definition,
          enabled,
          // Managed: the shipped content version; custom: one more on every save.
          version: current.managed ? current.version : String((Number(current.version) || 0) + 1),
          updatedAt: at,
          updatedBy: current.managed ? null : actor,
        };
        await saveRule(sql, r);
        const reevaluate = enabled && (definitionChanged || !current.enabled);
        if (reevaluate)
          await this.engine.requestRun(sql, workspaceId, { trigger: "rule_changed", ruleIds: [r.id], actor });
        return { result: { r, reevaluate }, events: [ruleChanged("updated", r, at)] };
      }),
    );
    if (saved.reevaluate) this.engine.schedulePending(workspaceId);
    return { rule: await this.view(saved.r), dryRun };
  }

  /** Deletes a custom rule: its open and suppressed violations are resolved ("rule deleted"). */
  async remove(workspaceId: string, ruleId: string, actor: string): Promise<void> {
    await this.prepared(workspaceId);
    const existing = await this.find(workspaceId, ruleId);
    if (existing.managed) {
      throw new AppError("bad_request", `${ruleId} is a managed rule: disable it instead of deleting it.`);
    }
    await this.engine.serial(workspaceId, () =>
      this.engine.commit(async (sql) => {
        const at = this.engine.now();
        const gone: StoredRule = { ...existing, updatedAt: at, updatedBy: actor, deletedAt: at };
        await saveRule(sql, gone);
        const rows = await resolveRuleViolations(sql, workspaceId, ruleId, at, "rule deleted");
        return {
          result: undefined,
          events: [
            ruleChanged("deleted", gone, at),
            ...this.engine.changeEvents(gone, rows, { runId: newId("del"), at }),
          ],
        };
      }),
    );
  }

  async get(
    workspaceId: string,
    ruleId: string,
    violationLimit: number,
  ): Promise<{ rule: RuleView; violations: Violation[]; violationTotal: number }> {
    await this.prepared(workspaceId);
    const rule = await this.view(await this.find(workspaceId, ruleId));
    const page = await listViolations(
      this.db.read(),
      workspaceId,
      { states: ["open", "suppressed"], ruleId },
      { limit: Math.max(1, violationLimit) },
    );
    return { rule, violations: violationLimit === 0 ? [] : page.violations, violationTotal: page.total };
  }

  async list(
    workspaceId: string,
    f: { pack?: string; managed?: boolean; enabled?: boolean; severity?: Severity },
  ): Promise<RuleView[]> {
    await this.prepared(workspaceId);
    const statuses = await ruleStatuses(this.db.read(), workspaceId);
    return (await loadRules(this.db.read(), workspaceId))
      .filter(
        (r) =>
          (f.pack === undefined || r.definition.packs.includes(f.pack)) &&
          (f.managed === undefined || r.managed === f.managed) &&
          (f.enabled === undefined || r.enabled === f.enabled) &&
          (f.severity === undefined || r.definition.severity === f.severity),
      )
      .map((r) => ({ ...toRule(r), statuses: statuses.get(r.id) ?? [] }));
  }

  async violations(
    workspaceId: string,
    q: {
      status?: ViolationState | ViolationState[];
      severity?: Severity | Severity[];
      ruleId?: string;
      pack?: string;
      integrationId?: string;
      resourceId?: string;
      limit: number;
      cursor?: string;
    },
  ): Promise<{ violations: Violation[]; total: number; nextCursor: string | null }> {
    await this.prepared(workspaceId);
    const asList = <T>(v: T | T[] | undefined): T[] | undefined =>
      v === undefined ? undefined : Array.isArray(v) ? v : [v];
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    if (q.cursor && !after) throw new AppError("bad_request", "cursor is not one this service handed out");
    const page = await listViolations(
      this.db.read(),
      workspaceId,
      {
        states: asList(q.status) ?? ["open", "suppressed"],
        severities: asList(q.severity),
        ruleId: q.ruleId,
        pack: q.pack,
        integrationId: q.integrationId,
        resourceId: q.resourceId,
      },
      { limit: q.limit, after },
    );
    return {
      violations: page.violations,
      total: page.total,
      nextCursor: page.next
        ? encodeCursor({ ruleId: page.next[0], integrationId: page.next[1], resourceId: page.next[2] })
        : null,
    };
  }

  async packs(workspaceId: string): Promise<Pack[]> {
    await this.prepared(workspaceId);
    const rules = await loadRules(this.db.read(), workspaceId);
    const scores = await packScores(this.db.read(), workspaceId);
    return this.engine.packsOf(rules).map((p) => {
      const members = rules.filter((r) => r.definition.packs.includes(p.packId));
      const managed = managedPacks.find((m) => m.id === p.packId);
      return {
        packId: p.packId,
        title: p.title,
        description: managed?.description ?? "Custom pack",
        managed: managed !== undefined,
        rules: members.length,
        enabledRules: members.filter((r) => r.enabled).length,
        scores: scores.filter((s) => s.packId === p.packId).map(({ packId: _p, ...s }) => s),
      };
    });
  }

  private async find(workspaceId: string, ruleId: string): Promise<StoredRule> {
    const r = (await loadRules(this.db.read(), workspaceId, { ruleId }))[0];
    if (!r) throw new AppError("not_found", `No rule ${ruleId} in this workspace.`);
    return r;
  }

  private async view(r: StoredRule): Promise<RuleView> {
    const statuses = await ruleStatuses(this.db.read(), r.workspaceId);
    return { ...toRule(r), statuses: statuses.get(r.id) ?? [] };
  }
}

function checkCustomPacks(packs: readonly string[]): void {
  const managed = packs.filter((p) => managedPackIds.has(p));
  if (managed.length > 0) {
    throw new AppError(
      "bad_request",
      `${managed.join(", ")} ${managed.length > 1 ? "are managed packs" : "is a managed pack"}: custom rules go into custom packs.`,
    );
  }
}
