import { createHash } from "node:crypto";
import { type RuleDefinition, RuleDefinition as RuleDefinitionSchema, RuleId } from "@tenantlens/contracts";
import { cisaRules } from "./cisa.js";
import { eidscaRules } from "./eidsca.js";
import { essentialRules } from "./essentials.js";
import type { ManagedPack, ManagedRuleDecl } from "./types.js";

export { impossibleChecks } from "./impossible.js";
export type { ImpossibleCheck, ManagedPack, ManagedPackId, ManagedRuleDecl } from "./types.js";

export const managedPacks: readonly ManagedPack[] = [
  {
    id: "essentials",
    title: "Essentials",
    description:
      "The questions every Entra administrator asks (verified domains, guests, tenant-wide OAuth2 grants, groups not assignable to roles, disabled accounts) and common hygiene checks (Maester MT, Prowler).",
  },
  {
    id: "eidsca",
    title: "EIDSCA",
    description:
      "Entra ID Security Config Analyzer: the recommended value of each authorization, consent, password, admin-consent and authentication-method setting, as Maester checks them.",
  },
  {
    id: "cisa-ms-aad",
    title: "CISA ScubaGear MS.AAD",
    description:
      "The CISA Secure Cloud Business Applications (SCuBA) baseline for Microsoft Entra ID: legacy authentication, risk, MFA, applications, passwords, privileged roles and guests.",
  },
];

/** A managed rule as every workspace sees it, with its content version. */
export interface ManagedRule {
  id: string;
  definition: RuleDefinition;
  /** Tables whose "not collected" means empty for this rule (see ManagedRuleDecl). */
  emptyWhenNotCollected: readonly string[];
  /** Content hash of the definition: changes whenever the shipped rule changes. */
  version: string;
}

function toManaged(d: ManagedRuleDecl): ManagedRule {
  RuleId.parse(d.id);
  const definition = RuleDefinitionSchema.parse({
    title: d.title,
    description: d.description,
    rationale: d.rationale,
    severity: d.severity,
    tags: d.tags ?? [],
    remediation: d.remediation,
    references: d.references ?? [],
    queries: [{ sql: d.sql }],
    evaluation: d.evaluation ?? { kind: "any_row" },
    packs: d.packs,
  });
  const version = createHash("sha256").update(JSON.stringify(definition)).digest("hex").slice(0, 12);
  return { id: d.id, definition, emptyWhenNotCollected: d.emptyWhenNotCollected ?? [], version };
}

/** Every managed rule, validated against the rule model when the module loads. */
export const managedRules: readonly ManagedRule[] = [...essentialRules, ...eidscaRules, ...cisaRules].map(
  toManaged,
);

const byId = new Map(managedRules.map((r) => [r.id, r]));
if (byId.size !== managedRules.length) throw new Error("two managed rules share an id");

export function managedRule(id: string): ManagedRule | undefined {
  return byId.get(id);
}

export const managedPackIds: ReadonlySet<string> = new Set(managedPacks.map((p) => p.id));
