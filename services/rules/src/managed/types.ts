import type { RuleEvaluation, RuleReference, Severity } from "@tenantlens/contracts";

export type ManagedPackId = "cisa-ms-aad" | "eidsca" | "essentials";

/**
 * A rule shipped with Tenantlens. Managed rules run one query whose rows are the violating
 * resources (integration_id, table, resource_id, display_name, details).
 */
export interface ManagedRuleDecl {
  /** Readable slug, stable across versions: violations and settings are keyed by it. */
  id: string;
  title: string;
  description: string;
  rationale: string;
  severity: Severity;
  tags?: string[];
  remediation: { text: string; url?: string };
  references?: RuleReference[];
  sql: string;
  evaluation?: RuleEvaluation;
  packs: ManagedPackId[];
  /**
   * Tables the rule reads that a tenant's licence may leave uncollected, meaning "none" rather
   * than "unknown" (security defaults matter most where Conditional Access is not licensed).
   */
  emptyWhenNotCollected?: string[];
}

export interface ManagedPack {
  id: ManagedPackId;
  title: string;
  description: string;
}

/** A framework check Tenantlens cannot evaluate, and why. */
export interface ImpossibleCheck {
  framework: string;
  id: string;
  title: string;
  reason: string;
}
