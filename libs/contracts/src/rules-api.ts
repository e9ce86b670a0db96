import { z } from "zod";
import { IntegrationId, Timestamp, WorkspaceId } from "./common.js";
import { defineEvent, defineRequest } from "./define.js";
import {
  PackId,
  Rule,
  RuleDefinition,
  RuleEvaluation,
  RuleId,
  RuleQuery,
  RuleStatus,
  Severity,
  ViolationState,
} from "./rules.js";

/**
 * What the rules service answers over NATS (the gateway turns these into REST) and the one event it
 * adds to TL_RULES besides rules.ts: suppressions created, lifted or expired.
 */

const Actor = z.string().min(1).max(200);

/** A suppression hides one violation (scope `violation`) or every violation of one resource (`resource`). */
export const SuppressionId = z.string().regex(/^sup_[a-z0-9]{8,40}$/, "not a suppression id");
export const SuppressionScope = z.enum(["violation", "resource"]);
export const SuppressionState = z.enum(["active", "expired", "lifted"]);

export const Suppression = z.object({
  suppressionId: SuppressionId,
  workspaceId: WorkspaceId,
  scope: SuppressionScope,
  /** Null: every integration of the workspace (resource scope only). */
  integrationId: IntegrationId.nullable(),
  /** The rule (violation scope); null for resource scope (every rule). */
  ruleId: RuleId.nullable(),
  resourceId: z.string().min(1).max(400),
  reason: z.string().max(2_000),
  /** API key id (or user) that created it. */
  actor: z.string(),
  createdAt: Timestamp,
  /** After this instant the suppression ends and what it hid reopens; null: until lifted. */
  expiresAt: Timestamp.nullable(),
  state: SuppressionState,
  endedAt: Timestamp.nullable(),
  endedBy: z.string().nullable(),
});
export type Suppression = z.infer<typeof Suppression>;

export const SuppressionChanged = defineEvent({
  subject: "rules.suppression.changed",
  stream: "TL_RULES",
  publishers: ["rules"],
  consumers: ["store"],
  schema: z.object({
    change: z.enum(["created", "lifted", "expired"]),
    suppression: Suppression,
    at: Timestamp,
  }),
  token: (p) => p.suppression.workspaceId,
  msgId: (p) => `${p.suppression.workspaceId}:${p.suppression.suppressionId}:${p.change}`,
});

/** A violation as the API shows it, with what a list needs to know about its rule. */
export const Violation = z.object({
  workspaceId: WorkspaceId,
  integrationId: IntegrationId,
  ruleId: RuleId,
  ruleTitle: z.string(),
  severity: Severity,
  packs: z.array(PackId),
  resourceId: z.string(),
  table: z.string(),
  displayName: z.string().nullable(),
  details: z.unknown().optional(),
  state: ViolationState,
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  resolvedAt: Timestamp.nullable(),
  /** The active suppression hiding it (state suppressed). */
  suppression: z
    .object({
      suppressionId: SuppressionId,
      reason: z.string(),
      actor: z.string(),
      expiresAt: Timestamp.nullable(),
    })
    .nullable(),
});
export type Violation = z.infer<typeof Violation>;

/** A rule's latest verdict for one integration. */
export const RuleIntegrationStatus = z.object({
  integrationId: IntegrationId,
  status: RuleStatus,
  /** Open (not suppressed) violations. */
  violationCount: z.number().int().nonnegative(),
  evaluatedAt: Timestamp,
  generationId: z.number().int().nonnegative(),
  error: z.string().nullable(),
});
export type RuleIntegrationStatus = z.infer<typeof RuleIntegrationStatus>;

export const RuleView = Rule.extend({ statuses: z.array(RuleIntegrationStatus) });
export type RuleView = z.infer<typeof RuleView>;

/** What a rule would find in the current generation, without saving anything. */
export const DryRunResult = z.object({
  generationId: z.number().int().nonnegative(),
  integrations: z.array(
    z.object({
      integrationId: IntegrationId,
      status: RuleStatus,
      violationCount: z.number().int().nonnegative(),
    }),
  ),
  /** The would-be violations (at most `limit` of them). */
  violations: z.array(
    z.object({
      integrationId: IntegrationId,
      resourceId: z.string(),
      table: z.string(),
      displayName: z.string().nullable(),
      details: z.unknown().optional(),
    }),
  ),
  /** More violations exist than listed. */
  truncated: z.boolean(),
  durationMs: z.number().nonnegative(),
});
export type DryRunResult = z.infer<typeof DryRunResult>;

/** A custom rule as a user writes it (packs must be custom pack ids). */
export const RuleInput = RuleDefinition;

const def = RuleDefinition.shape;
/** The fields an update changes; absent fields keep their value (no defaults applied). */
export const RulePatch = z.object({
  title: def.title.optional(),
  description: def.description.unwrap().optional(),
  rationale: def.rationale.unwrap().optional(),
  severity: def.severity.optional(),
  tags: def.tags.unwrap().optional(),
  remediation: def.remediation.optional(),
  references: def.references.unwrap().optional(),
  queries: def.queries.optional(),
  evaluation: def.evaluation.unwrap().optional(),
  packs: def.packs.unwrap().optional(),
});
export type RulePatch = z.infer<typeof RulePatch>;

export const RuleDryRun = defineRequest({
  subject: "rules.rule.dryrun",
  service: "rules",
  callers: ["gateway"],
  errors: ["query_error", "query_timeout", "rate_limited"],
  request: z.object({
    workspaceId: WorkspaceId,
    queries: z.array(RuleQuery).min(1).max(10),
    evaluation: RuleEvaluation.default({ kind: "any_row" }),
    /** Violations listed in the answer (default 100). */
    limit: z.number().int().min(0).max(1_000).default(100),
  }),
  response: DryRunResult,
});

/** Creates a custom rule after a dry run over the current generation (nothing saved if it fails). */
export const RuleCreate = defineRequest({
  subject: "rules.rule.create",
  service: "rules",
  callers: ["gateway"],
  errors: ["conflict", "query_error", "query_timeout", "rate_limited"],
  request: z.object({
    workspaceId: WorkspaceId,
    actor: Actor,
    rule: RuleInput,
    enabled: z.boolean().default(true),
  }),
  response: z.object({ rule: RuleView, dryRun: DryRunResult }),
});

export const RuleGet = defineRequest({
  subject: "rules.rule.get",
  service: "rules",
  callers: ["gateway"],
  errors: ["not_found"],
  request: z.object({
    workspaceId: WorkspaceId,
    ruleId: RuleId,
    /** Open and suppressed violations listed (default 100). */
    violationLimit: z.number().int().min(0).max(1_000).default(100),
  }),
  response: z.object({
    rule: RuleView,
    violations: z.array(Violation),
    /** Open + suppressed violations in all (the list may be shorter). */
    violationTotal: z.number().int().nonnegative(),
  }),
});

export const RuleList = defineRequest({
  subject: "rules.rule.list",
  service: "rules",
  callers: ["gateway"],
  errors: [],
  request: z.object({
    workspaceId: WorkspaceId,
    pack: PackId.optional(),
    managed: z.boolean().optional(),
    enabled: z.boolean().optional(),
    severity: Severity.optional(),
  }),
  response: z.object({ rules: z.array(RuleView) }),
});

/**
 * Changes a rule. Custom rules: any field, each save preceded by a dry run when queries or
 * evaluation change; managed rules: only `enabled` (per workspace).
 */
export const RuleUpdate = defineRequest({
  subject: "rules.rule.update",
  service: "rules",
  callers: ["gateway"],
  errors: ["not_found", "query_error", "query_timeout", "rate_limited"],
  request: z.object({
    workspaceId: WorkspaceId,
    ruleId: RuleId,
    actor: Actor,
    enabled: z.boolean().optional(),
    rule: RulePatch.optional(),
  }),
  response: z.object({ rule: RuleView, dryRun: DryRunResult.nullable() }),
});

/** Deletes a custom rule; its open violations are resolved. Managed rules can only be disabled. */
export const RuleDelete = defineRequest({
  subject: "rules.rule.delete",
  service: "rules",
  callers: ["gateway"],
  errors: ["not_found"],
  request: z.object({ workspaceId: WorkspaceId, ruleId: RuleId, actor: Actor }),
  response: z.object({ deleted: z.literal(true) }),
});

export const RunSummary = z.object({
  runId: z.string(),
  generationId: z.number().int().nonnegative(),
  rules: z.number().int().nonnegative(),
  passing: z.number().int().nonnegative(),
  failing: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  transitions: z.record(z.string(), z.number().int().nonnegative()),
  durationMs: z.number().nonnegative(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/**
 * Evaluates the workspace's rules (or some of them) over its current generation now. Without
 * `wait` the answer comes once the run is queued (RunCompleted follows); with it, once it is done.
 */
export const RunStart = defineRequest({
  subject: "rules.run.start",
  service: "rules",
  callers: ["gateway"],
  errors: ["not_found", "conflict", "query_error", "query_timeout", "rate_limited"],
  request: z.object({
    workspaceId: WorkspaceId,
    actor: Actor,
    ruleIds: z.array(RuleId).min(1).max(500).optional(),
    wait: z.boolean().default(false),
  }),
  response: z.object({
    runId: z.string(),
    status: z.enum(["queued", "completed", "nothing_to_evaluate"]),
    summary: RunSummary.nullable(),
  }),
});

export const ViolationList = defineRequest({
  subject: "rules.violation.list",
  service: "rules",
  callers: ["gateway"],
  errors: [],
  request: z.object({
    workspaceId: WorkspaceId,
    /** One state or several; default open and suppressed. */
    status: z.union([ViolationState, z.array(ViolationState).min(1)]).optional(),
    severity: z.union([Severity, z.array(Severity).min(1)]).optional(),
    ruleId: RuleId.optional(),
    pack: PackId.optional(),
    integrationId: IntegrationId.optional(),
    resourceId: z.string().min(1).max(400).optional(),
    limit: z.number().int().min(1).max(1_000).default(100),
    /** From the previous page's nextCursor. */
    cursor: z.string().max(1_000).optional(),
  }),
  response: z.object({
    violations: z.array(Violation),
    total: z.number().int().nonnegative(),
    nextCursor: z.string().nullable(),
  }),
});

/**
 * Suppresses one violation (`violation`: ruleId + integrationId + resourceId; it must exist) or
 * every violation of a resource (`resource`: resourceId, optionally one integration), now and
 * for violations that appear later, until lifted or `expiresAt`.
 */
export const ViolationSuppress = defineRequest({
  subject: "rules.violation.suppress",
  service: "rules",
  callers: ["gateway"],
  errors: ["not_found"],
  request: z
    .object({
      workspaceId: WorkspaceId,
      actor: Actor,
      scope: SuppressionScope.default("violation"),
      ruleId: RuleId.optional(),
      integrationId: IntegrationId.optional(),
      resourceId: z.string().min(1).max(400),
      reason: z.string().trim().min(1, "a reason is required").max(2_000),
      expiresAt: Timestamp.optional(),
    })
    .superRefine((r, ctx) => {
      if (r.scope === "violation" && (!r.ruleId || !r.integrationId)) {
        ctx.addIssue({
          code: "custom",
          path: ["ruleId"],
          message: "a violation suppression names ruleId, integrationId and resourceId",
        });
      }
      if (r.scope === "resource" && r.ruleId) {
        ctx.addIssue({
          code: "custom",
          path: ["ruleId"],
          message: "a resource suppression covers every rule: leave ruleId out",
        });
      }
    }),
  response: z.object({
    suppression: Suppression,
    /** Violations it hid right away. */
    suppressed: z.number().int().nonnegative(),
  }),
});

/** Lifts a suppression: what it hid and still violates reopens (transition `unsuppressed`). */
export const ViolationUnsuppress = defineRequest({
  subject: "rules.violation.unsuppress",
  service: "rules",
  callers: ["gateway"],
  errors: ["not_found", "conflict"],
  request: z.object({ workspaceId: WorkspaceId, actor: Actor, suppressionId: SuppressionId }),
  response: z.object({ suppression: Suppression, unsuppressed: z.number().int().nonnegative() }),
});

export const SuppressionList = defineRequest({
  subject: "rules.suppression.list",
  service: "rules",
  callers: ["gateway"],
  errors: [],
  request: z.object({
    workspaceId: WorkspaceId,
    state: SuppressionState.optional(),
    limit: z.number().int().min(1).max(1_000).default(200),
  }),
  response: z.object({ suppressions: z.array(Suppression) }),
});

export const PackScore = z.object({
  integrationId: IntegrationId,
  /** 0..100: passing ÷ (passing + failing) rules of the pack for this integration. */
  score: z.number().min(0).max(100),
  passing: z.number().int().nonnegative(),
  failing: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  evaluated: z.number().int().nonnegative(),
  recordedAt: Timestamp,
});

export const Pack = z.object({
  packId: PackId,
  title: z.string(),
  description: z.string(),
  managed: z.boolean(),
  rules: z.number().int().nonnegative(),
  enabledRules: z.number().int().nonnegative(),
  scores: z.array(PackScore),
});
export type Pack = z.infer<typeof Pack>;

export const PackList = defineRequest({
  subject: "rules.pack.list",
  service: "rules",
  callers: ["gateway"],
  errors: [],
  request: z.object({ workspaceId: WorkspaceId }),
  response: z.object({ packs: z.array(Pack) }),
});
