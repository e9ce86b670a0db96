import type { Bus } from "@tenantlens/bus";
import {
  PackList,
  RuleCreate,
  RuleDelete,
  RuleDryRun,
  RuleGet,
  RuleList,
  RuleUpdate,
  RunStart,
  SuppressionList,
  ViolationList,
  ViolationSuppress,
  ViolationUnsuppress,
} from "@tenantlens/contracts";
import type { RulesEngine } from "../engine.js";
import type { RuleAdmin } from "../rule-admin.js";
import type { Suppressions } from "../suppressions.js";

/** The rules service's requests: decoded and validated by the bus, one verb each. */
export function serveRules(
  bus: Bus,
  v: { engine: RulesEngine; admin: RuleAdmin; suppressions: Suppressions },
): void {
  const { engine, admin, suppressions } = v;
  bus.serve(RuleDryRun, (req) => admin.dryRun(req.workspaceId, req, req.limit));
  bus.serve(RuleCreate, (req) => admin.create(req.workspaceId, req.actor, req.rule, req.enabled));
  bus.serve(RuleGet, (req) => admin.get(req.workspaceId, req.ruleId, req.violationLimit));
  bus.serve(RuleList, async (req) => ({ rules: await admin.list(req.workspaceId, req) }));
  bus.serve(RuleUpdate, (req) =>
    admin.update(req.workspaceId, req.ruleId, req.actor, { enabled: req.enabled, rule: req.rule }),
  );
  bus.serve(RuleDelete, async (req) => {
    await admin.remove(req.workspaceId, req.ruleId, req.actor);
    return { deleted: true as const };
  });
  bus.serve(RunStart, (req) => engine.runNow(req.workspaceId, req));
  bus.serve(ViolationList, (req) => admin.violations(req.workspaceId, req));
  bus.serve(ViolationSuppress, (req) => suppressions.suppress(req));
  bus.serve(ViolationUnsuppress, (req) => suppressions.unsuppress(req));
  bus.serve(SuppressionList, async (req) => ({
    suppressions: await suppressions.list(req.workspaceId, req.state, req.limit),
  }));
  bus.serve(PackList, async (req) => ({ packs: await admin.packs(req.workspaceId) }));
}
