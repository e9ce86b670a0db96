import { z } from "zod";
import { IntegrationId, Timestamp, WorkspaceId } from "./common.js";
import { defineEvent } from "./define.js";

/**
 * Rules: the model every rule (managed or custom) follows, and the events the rules service emits
 * when results change. The notifier alerts on these events; the store keeps them as the system
 * tables `rules`, `rule_evaluations`, `rule_violations`, `rule_violation_events`,
 * `rule_suppressions` and `compliance_scores`.
 */

/** Managed rule ids are readable slugs (`eidsca-ap04`); custom ones are generated (`rule_…`). */
export const RuleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,100}$/, "rule ids are lowercase slugs (letters, digits, . _ -)");
export const PackId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, "pack ids are lowercase slugs (letters, digits, . _ -)");

export const Severity = z.enum(["critical", "high", "medium", "low", "info"]);
export type Severity = z.infer<typeof Severity>;

/** A framework control the rule implements, written exactly as the framework writes it. */
export const RuleReference = z.object({
  /** e.g. "EIDSCA", "CISA ScubaGear", "Maester", "CIS", "Prowler". */
  framework: z.string().trim().min(1).max(60),
  /** e.g. "EIDSCA.AP04", "MS.AAD.8.2v1", "MT.1003", "5.1.2.3". */
  id: z.string().trim().min(1).max(80),
  url: z.string().url().max(2_000).optional(),
});
export type RuleReference = z.infer<typeof RuleReference>;

/**
 * One read-only SQL query over the workspace's tables. Each row it returns is one violating
 * resource, with the columns `table` (the table the resource lives in), `resource_id`,
 * `display_name` and optionally `details` (any value; shown as JSON) and `integration_id`.
 */
export const RuleQuery = z.object({
  sql: z.string().trim().min(1, "sql is required").max(100_000),
  description: z.string().trim().max(2_000).optional(),
});
export type RuleQuery = z.infer<typeof RuleQuery>;

/**
 * How rows become a verdict. `any_row`: fails when any query returns a row. `threshold`: fails when
 * the number of rows compares to `value` by `op` (e.g. gt 8: "more than 8 Global Admins"); every
 * row is still recorded as a violation when it fails. No user code is ever evaluated.
 */
export const RuleEvaluation = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("any_row") }),
  z.object({
    kind: z.literal("threshold"),
    op: z.enum(["gt", "gte", "lt", "lte", "eq", "ne"]),
    value: z.number().int().nonnegative(),
  }),
]);
export type RuleEvaluation = z.infer<typeof RuleEvaluation>;

export const Remediation = z.object({
  text: z.string().trim().min(1).max(5_000),
  url: z.string().url().max(2_000).optional(),
});

/** What a rule says; shared by managed rules (declared in code) and custom rules (over REST). */
export const RuleDefinition = z.object({
  title: z.string().trim().min(1, "title is required").max(200),
  description: z.string().trim().max(5_000).default(""),
  rationale: z.string().trim().max(5_000).default(""),
  severity: Severity,
  tags: z.array(z.string().trim().min(1).max(60)).max(30).default([]),
  remediation: Remediation,
  references: z.array(RuleReference).max(30).default([]),
  queries: z.array(RuleQuery).min(1, "a rule needs at least one query").max(10),
  evaluation: RuleEvaluation.default({ kind: "any_row" }),
  /** Packs the rule belongs to (managed packs and custom ones). */
  packs: z.array(PackId).max(20).default([]),
});
export type RuleDefinition = z.infer<typeof RuleDefinition>;

/** A rule as the workspace sees it. */
export const Rule = RuleDefinition.extend({
  id: RuleId,
  workspaceId: WorkspaceId,
  /** Managed rules ship with the product (read-only, can be disabled per workspace). */
  managed: z.boolean(),
  enabled: z.boolean(),
  /** Managed: the product version that last changed it; custom: increments on every save. */
  version: z.string().min(1).max(40),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** API key id that created or last changed it (null for managed rules). */
  updatedBy: z.string().nullable(),
});
export type Rule = z.infer<typeof Rule>;

export const RuleStatus = z.enum(["passing", "failing", "error"]);
export type RuleStatus = z.infer<typeof RuleStatus>;

/** A violation is (workspace, integration, rule, resource id). */
export const ViolationState = z.enum(["open", "resolved", "suppressed"]);
export type ViolationState = z.infer<typeof ViolationState>;
export const ViolationTransition = z.enum(["opened", "resolved", "reopened", "suppressed", "unsuppressed"]);
export type ViolationTransition = z.infer<typeof ViolationTransition>;

/** What an event says about the rule, so consumers (alerts) need no lookup. */
const RuleRef = z.object({
  ruleId: RuleId,
  title: z.string(),
  severity: Severity,
  packs: z.array(PackId),
  managed: z.boolean(),
});

const EvaluationRef = z.object({
  workspaceId: WorkspaceId,
  integrationId: IntegrationId,
  /** One evaluation run of a workspace (all its rules over one generation). */
  runId: z.string().min(1).max(80),
  /** Generation the rules read (0 when a transition did not come from an evaluation). */
  generationId: z.number().int().nonnegative(),
  at: Timestamp,
});

/** Every create, update, enable/disable and delete of a rule in a workspace. */
export const RuleChanged = defineEvent({
  subject: "rules.rule.changed",
  stream: "TL_RULES",
  publishers: ["rules"],
  consumers: ["store", "notifier"],
  schema: z.object({
    change: z.enum(["created", "updated", "deleted"]),
    rule: Rule,
    at: Timestamp,
  }),
  token: (p) => p.rule.workspaceId,
  msgId: (p) => `${p.rule.workspaceId}:${p.rule.id}:${p.change}:${p.rule.updatedAt}:${p.rule.enabled}`,
});

/** The result of one rule over one integration's rows in one run. */
export const RuleEvaluated = defineEvent({
  subject: "rules.rule.evaluated",
  stream: "TL_RULES",
  publishers: ["rules"],
  consumers: ["store", "notifier"],
  schema: EvaluationRef.merge(RuleRef).extend({
    status: RuleStatus,
    /** Open (not suppressed) violations after this evaluation. */
    violationCount: z.number().int().nonnegative(),
    durationMs: z.number().nonnegative(),
    /** DuckDB's message when status is error. */
    error: z.string().nullable(),
  }),
  token: (p) => p.workspaceId,
  msgId: (p) => `${p.runId}:${p.integrationId}:${p.ruleId}`,
});

export const ViolationChange = z.object({
  resourceId: z.string().min(1).max(400),
  table: z.string().max(200),
  displayName: z.string().max(1_000).nullable(),
  /** Whatever the rule's query returned in `details` (JSON), small. */
  details: z.unknown().optional(),
  transition: ViolationTransition,
  /** State after the transition. */
  state: ViolationState,
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  resolvedAt: Timestamp.nullable(),
  /** Suppressions: who, why and until when. */
  actor: z.string().max(200).nullable(),
  reason: z.string().max(2_000).nullable(),
  expiresAt: Timestamp.nullable(),
  /** The suppression that covers the violation (suppressed) or just ended (unsuppressed, reopened). */
  suppressionId: z.string().max(80).nullable().optional(),
});
export type ViolationChange = z.infer<typeof ViolationChange>;

/**
 * Violation transitions of one rule for one integration in one run (or one suppression action).
 * Large runs are split into parts so no message exceeds the server's max_payload.
 */
export const ViolationsChanged = defineEvent({
  subject: "rules.violations.changed",
  stream: "TL_RULES",
  publishers: ["rules"],
  consumers: ["store", "notifier"],
  schema: EvaluationRef.merge(RuleRef).extend({
    part: z.number().int().nonnegative(),
    parts: z.number().int().positive(),
    changes: z.array(ViolationChange).min(1),
  }),
  token: (p) => p.workspaceId,
  msgId: (p) => `${p.runId}:${p.integrationId}:${p.ruleId}:${p.part}`,
});

/** A rule's verdict for an integration changed (passing ↔ failing, or to/from error). */
export const RuleStatusChanged = defineEvent({
  subject: "rules.status.changed",
  stream: "TL_RULES",
  publishers: ["rules"],
  consumers: ["store", "notifier"],
  schema: EvaluationRef.merge(RuleRef).extend({
    /** null: first evaluation of this rule for this integration. */
    from: RuleStatus.nullable(),
    to: RuleStatus,
    violationCount: z.number().int().nonnegative(),
  }),
  token: (p) => p.workspaceId,
  msgId: (p) => `${p.runId}:${p.integrationId}:${p.ruleId}:status`,
});

/** A pack's compliance score (passing ÷ evaluated rules) recorded at each evaluation. */
export const ScoreRecorded = defineEvent({
  subject: "rules.score.recorded",
  stream: "TL_RULES",
  publishers: ["rules"],
  consumers: ["store", "notifier"],
  schema: EvaluationRef.extend({
    packId: PackId,
    packTitle: z.string(),
    /** 0..100, rounded to one decimal. */
    score: z.number().min(0).max(100),
    /** Score of the previous evaluation of this pack and integration (null: first). */
    previousScore: z.number().min(0).max(100).nullable(),
    passing: z.number().int().nonnegative(),
    failing: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    evaluated: z.number().int().nonnegative(),
  }),
  token: (p) => p.workspaceId,
  msgId: (p) => `${p.runId}:${p.integrationId}:${p.packId}`,
});

/** A run finished: every event of the run was published before this one. */
export const RunCompleted = defineEvent({
  subject: "rules.run.completed",
  stream: "TL_RULES",
  publishers: ["rules"],
  consumers: ["store", "notifier"],
  schema: z.object({
    workspaceId: WorkspaceId,
    runId: z.string().min(1).max(80),
    generationId: z.number().int().nonnegative(),
    trigger: z.enum(["generation", "manual", "rule_changed", "suppression_expired"]),
    integrationIds: z.array(IntegrationId),
    rules: z.number().int().nonnegative(),
    passing: z.number().int().nonnegative(),
    failing: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    /** (rule, integration) pairs not evaluated because a table the rule reads was not collected. */
    skipped: z.number().int().nonnegative().default(0),
    /** Violation transitions in the whole run, by kind. */
    transitions: z.record(ViolationTransition, z.number().int().nonnegative()),
    startedAt: Timestamp,
    completedAt: Timestamp,
  }),
  token: (p) => p.workspaceId,
  msgId: (p) => `${p.runId}:completed`,
});
