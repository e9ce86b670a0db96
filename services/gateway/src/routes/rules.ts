import {
  IntegrationId,
  PackId,
  PackList,
  RuleCreate,
  RuleDefinition,
  RuleDelete,
  RuleDryRun,
  RuleGet,
  RuleId,
  RuleList,
  RulePatch,
  RuleUpdate,
  RunStart,
  Severity,
  SuppressionId,
  SuppressionList,
  ViolationList,
  ViolationState,
  ViolationSuppress,
  ViolationUnsuppress,
} from "@tenantlens/contracts";
import { z } from "zod";
import { defineRoute } from "../http/route.js";

/**
 * Rules, violations, suppressions and packs: thin over the rules service. Reading is everyone's;
 * custom rules, runs and suppressions are an analyst's (managed rules can only be disabled).
 */

const tags = ["rules"] as const;
const RuleParams = z.object({ id: RuleId });

/** A save or a dry run evaluates the rule over the current generation first. */
const EVALUATE_TIMEOUT_MS = 120_000;
/** A run waited for evaluates every rule of the workspace. */
const RUN_TIMEOUT_MS = 600_000;

/** POST /api/rules: a custom rule as the contract defines it, and whether it starts enabled. */
const CreateRuleBody = RuleDefinition.extend({ enabled: RuleCreate.request.shape.enabled }).strict();

/** PATCH /api/rules/:id: the fields to change (custom rules) and/or `enabled` (any rule). */
const UpdateRuleBody = RulePatch.extend({ enabled: z.boolean().optional() })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: "nothing to change" });

export const listRules = defineRoute({
  method: "GET",
  path: "/api/rules",
  summary: "Managed and custom rules with their status per integration",
  tags,
  access: "viewer",
  query: RuleList.request.pick({ pack: true, managed: true, enabled: true, severity: true }).strict(),
  calls: [RuleList],
  success: { status: 200, schema: RuleList.response },
  handler: (_c, { principal, query }, { bus }) =>
    bus.request(RuleList, { workspaceId: principal.workspaceId, ...query }),
});

export const createRule = defineRoute({
  method: "POST",
  path: "/api/rules",
  summary:
    "Create a custom rule: its queries are dry-run over the current generation first (400 with DuckDB's message, nothing saved, when one fails or is not read-only)",
  tags,
  access: "analyst",
  body: CreateRuleBody,
  calls: [RuleCreate],
  success: { status: 201, schema: RuleCreate.response },
  handler: (_c, { body, principal }, { bus }) => {
    const { enabled, ...rule } = body;
    return bus.request(
      RuleCreate,
      { workspaceId: principal.workspaceId, actor: principal.keyId, rule, enabled },
      { timeoutMs: EVALUATE_TIMEOUT_MS },
    );
  },
});

export const dryRunRule = defineRoute({
  method: "POST",
  path: "/api/rules/dry-run",
  summary: "What a rule's queries would find in the current generation, without saving anything",
  tags,
  access: "analyst",
  body: RuleDryRun.request.pick({ queries: true, evaluation: true, limit: true }).strict(),
  calls: [RuleDryRun],
  success: { status: 200, schema: RuleDryRun.response },
  handler: (_c, { body, principal }, { bus }) =>
    bus.request(
      RuleDryRun,
      { ...body, workspaceId: principal.workspaceId },
      { timeoutMs: EVALUATE_TIMEOUT_MS },
    ),
});

export const runRules = defineRoute({
  method: "POST",
  path: "/api/rules/run",
  summary:
    "Evaluate the workspace's rules (or some) over the current generation now; with wait, answer once done",
  tags,
  access: "analyst",
  body: RunStart.request.pick({ ruleIds: true, wait: true }).strict(),
  bodyOptional: true,
  calls: [RunStart],
  success: { status: 202, schema: RunStart.response },
  handler: (_c, { body, principal }, { bus }) =>
    bus.request(
      RunStart,
      { ...body, workspaceId: principal.workspaceId, actor: principal.keyId },
      { timeoutMs: body.wait ? RUN_TIMEOUT_MS : 10_000 },
    ),
});

export const getRule = defineRoute({
  method: "GET",
  path: "/api/rules/:id",
  summary: "One rule with its status per integration and its open and suppressed violations",
  tags,
  access: "viewer",
  params: RuleParams,
  query: RuleGet.request.pick({ violationLimit: true }).strict(),
  calls: [RuleGet],
  success: { status: 200, schema: RuleGet.response },
  handler: (_c, { params, principal, query }, { bus }) =>
    bus.request(RuleGet, { workspaceId: principal.workspaceId, ruleId: params.id, ...query }),
});

export const updateRule = defineRoute({
  method: "PATCH",
  path: "/api/rules/:id",
  summary:
    "Change a custom rule (dry-run first when its queries or evaluation change), or enable / disable any rule",
  tags,
  access: "analyst",
  params: RuleParams,
  body: UpdateRuleBody,
  calls: [RuleUpdate],
  success: { status: 200, schema: RuleUpdate.response },
  handler: (_c, { body, params, principal }, { bus }) => {
    const { enabled, ...patch } = body;
    const changes = Object.values(patch).some((v) => v !== undefined);
    return bus.request(
      RuleUpdate,
      {
        workspaceId: principal.workspaceId,
        actor: principal.keyId,
        ruleId: params.id,
        ...(enabled !== undefined ? { enabled } : {}),
        ...(changes ? { rule: patch } : {}),
      },
      { timeoutMs: EVALUATE_TIMEOUT_MS },
    );
  },
});

function setRuleEnabled(action: "enable" | "disable") {
  return defineRoute({
    method: "POST",
    path: `/api/rules/:id/${action}`,
    summary:
      action === "enable"
        ? "Evaluate the rule again in this workspace"
        : "Stop evaluating the rule in this workspace (managed rules included); its violations are kept, hidden",
    tags,
    access: "analyst",
    params: RuleParams,
    calls: [RuleUpdate],
    success: { status: 200, schema: RuleUpdate.response },
    handler: (_c, { params, principal }, { bus }) =>
      bus.request(
        RuleUpdate,
        {
          workspaceId: principal.workspaceId,
          actor: principal.keyId,
          ruleId: params.id,
          enabled: action === "enable",
        },
        { timeoutMs: EVALUATE_TIMEOUT_MS },
      ),
  });
}

export const enableRule = setRuleEnabled("enable");
export const disableRule = setRuleEnabled("disable");

export const deleteRule = defineRoute({
  method: "DELETE",
  path: "/api/rules/:id",
  summary: "Delete a custom rule (its open violations resolve); managed rules can only be disabled",
  tags,
  access: "analyst",
  params: RuleParams,
  calls: [RuleDelete],
  success: { status: 200, schema: RuleDelete.response },
  handler: (_c, { params, principal }, { bus }) =>
    bus.request(RuleDelete, {
      workspaceId: principal.workspaceId,
      actor: principal.keyId,
      ruleId: params.id,
    }),
});

const violationFilters = ViolationList.request.shape;

export const listViolations = defineRoute({
  method: "GET",
  path: "/api/violations",
  summary: "Violations (default: open and suppressed), newest first, with cursor paging",
  tags,
  access: "viewer",
  query: z
    .object({
      status: ViolationState.optional(),
      severity: Severity.optional(),
      rule: RuleId.optional(),
      pack: PackId.optional(),
      integration: IntegrationId.optional(),
      resource: violationFilters.resourceId,
      limit: violationFilters.limit,
      cursor: violationFilters.cursor,
    })
    .strict(),
  calls: [ViolationList],
  success: { status: 200, schema: ViolationList.response },
  handler: (_c, { principal, query }, { bus }) =>
    bus.request(ViolationList, {
      workspaceId: principal.workspaceId,
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.severity ? { severity: query.severity } : {}),
      ...(query.rule ? { ruleId: query.rule } : {}),
      ...(query.pack ? { pack: query.pack } : {}),
      ...(query.integration ? { integrationId: query.integration } : {}),
      ...(query.resource ? { resourceId: query.resource } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    }),
});

const { workspaceId: _ws, actor: _actor, ...suppressFields } = ViolationSuppress.request.shape;

export const suppressViolation = defineRoute({
  method: "POST",
  path: "/api/violations/suppress",
  summary:
    "Suppress one violation (ruleId, integrationId, resourceId) or every violation of a resource, with a reason and an optional expiry after which it reopens",
  tags,
  access: "analyst",
  body: z.object(suppressFields).strict(),
  calls: [ViolationSuppress],
  success: { status: 201, schema: ViolationSuppress.response },
  handler: (_c, { body, principal }, { bus }) =>
    bus.request(ViolationSuppress, { ...body, workspaceId: principal.workspaceId, actor: principal.keyId }),
});

export const listSuppressions = defineRoute({
  method: "GET",
  path: "/api/suppressions",
  summary: "Suppressions: active, expired and lifted",
  tags,
  access: "viewer",
  query: SuppressionList.request.pick({ state: true, limit: true }).strict(),
  calls: [SuppressionList],
  success: { status: 200, schema: SuppressionList.response },
  handler: (_c, { principal, query }, { bus }) =>
    bus.request(SuppressionList, { workspaceId: principal.workspaceId, ...query }),
});

export const liftSuppression = defineRoute({
  method: "DELETE",
  path: "/api/suppressions/:id",
  summary: "Lift a suppression (unsuppress): what it hid and still violates reopens",
  tags,
  access: "analyst",
  params: z.object({ id: SuppressionId }),
  calls: [ViolationUnsuppress],
  success: { status: 200, schema: ViolationUnsuppress.response },
  handler: (_c, { params, principal }, { bus }) =>
    bus.request(ViolationUnsuppress, {
      workspaceId: principal.workspaceId,
      actor: principal.keyId,
      suppressionId: params.id,
    }),
});

export const listPacks = defineRoute({
  method: "GET",
  path: "/api/packs",
  summary: "Rule packs (cisa-ms-aad, eidsca, essentials, custom) with their compliance score per integration",
  tags,
  access: "viewer",
  calls: [PackList],
  success: { status: 200, schema: PackList.response },
  handler: (_c, { principal }, { bus }) => bus.request(PackList, { workspaceId: principal.workspaceId }),
});

export const ruleRoutes = [
  listRules,
  createRule,
  dryRunRule,
  runRules,
  getRule,
  updateRule,
  enableRule,
  disableRule,
  deleteRule,
  listViolations,
  suppressViolation,
  listSuppressions,
  liftSuppression,
  listPacks,
];
