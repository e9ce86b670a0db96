import type { RuleStatus } from "@tenantlens/contracts";

export interface PackInfo {
  packId: string;
  title: string;
}

export interface StatusRow {
  ruleId: string;
  integrationId: string;
  status: RuleStatus;
}

export interface ScoreRow {
  packId: string;
  packTitle: string;
  integrationId: string;
  passing: number;
  failing: number;
  errors: number;
  /** Rules with a verdict: passing + failing (an error is no verdict). */
  evaluated: number;
  /** 0..100, one decimal. */
  score: number;
}

/**
 * Compliance per pack and integration from the latest status of each enabled rule of the pack:
 * passing ÷ (passing + failing). Packs with no verdict for an integration get no score.
 */
export function computeScores(
  packs: readonly PackInfo[],
  rulePacks: ReadonlyMap<string, readonly string[]>,
  statuses: readonly StatusRow[],
): ScoreRow[] {
  const out: ScoreRow[] = [];
  const integrations = [...new Set(statuses.map((s) => s.integrationId))].sort();
  for (const pack of packs) {
    for (const integrationId of integrations) {
      let passing = 0;
      let failing = 0;
      let errors = 0;
      for (const s of statuses) {
        if (s.integrationId !== integrationId) continue;
        if (!rulePacks.get(s.ruleId)?.includes(pack.packId)) continue;
        if (s.status === "passing") passing++;
        else if (s.status === "failing") failing++;
        else errors++;
      }
      const evaluated = passing + failing;
      if (evaluated === 0) continue;
      out.push({
        packId: pack.packId,
        packTitle: pack.title,
        integrationId,
        passing,
        failing,
        errors,
        evaluated,
        score: Math.round((passing / evaluated) * 1000) / 10,
      });
    }
  }
  return out;
}
