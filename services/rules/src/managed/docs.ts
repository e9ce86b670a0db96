import { tablesReadBy } from "../domain/coverage.js";
import { impossibleChecks, type ManagedRule, managedPacks, managedRules } from "./index.js";

/**
 * docs/rules.md, generated from the managed rule declarations (npm run docs:rules; a test fails when
 * the file is stale).
 */

const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"];

function refLink(r: { framework: string; id: string; url?: string }): string {
  return r.url ? `[${r.id}](${r.url})` : `\`${r.id}\``;
}

function cell(s: string): string {
  return s.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function frameworkIds(rules: readonly ManagedRule[], framework: string): Set<string> {
  return new Set(
    rules.flatMap((r) => r.definition.references.filter((x) => x.framework === framework).map((x) => x.id)),
  );
}

function ruleSection(r: ManagedRule): string {
  const d = r.definition;
  const lines = [
    `### \`${r.id}\` — ${d.title}`,
    "",
    `**Severity** ${d.severity} · **Packs** ${d.packs.map((p) => `\`${p}\``).join(", ")}` +
      (d.references.length > 0 ? ` · **References** ${d.references.map(refLink).join(", ")}` : ""),
    "",
    d.description,
    "",
    `*Why:* ${d.rationale}`,
    "",
    `*Fix:* ${d.remediation.text}${d.remediation.url ? ` ([open](${d.remediation.url}))` : ""}`,
    "",
    `*Reads:* ${tablesReadBy(d.queries.map((q) => q.sql))
      .map((t) => `\`${t}\``)
      .join(", ")}${
      r.emptyWhenNotCollected.length > 0
        ? ` (${r.emptyWhenNotCollected.map((t) => `\`${t}\``).join(", ")} counts as empty when the licence keeps it uncollected)`
        : ""
    }`,
    "",
    ...d.queries.flatMap((q) => ["```sql", q.sql, "```", ""]),
  ];
  return lines.join("\n");
}

export function renderRulesDoc(rules: readonly ManagedRule[] = managedRules): string {
  const eidsca = frameworkIds(rules, "EIDSCA");
  const cisa = frameworkIds(rules, "CISA ScubaGear");
  const out: string[] = [
    "# Managed rules",
    "",
    "<!-- Generated from services/rules/src/managed by `npm run docs:rules`; do not edit by hand. -->",
    "",
    `Tenantlens ships ${rules.length} managed rules, versioned with the product. Each is one read-only SQL`,
    "query over the same tables analysts query (docs/querying.md): every row it returns is a violating",
    "resource (`integration_id`, `table`, `resource_id`, `display_name`, `details`). Rules run after every",
    "collection that brings new data, on demand and after a rule changes; a violation is (workspace,",
    "integration, rule, resource) and moves through opened → resolved → reopened, or suppressed with a reason",
    "and an optional expiry. A rule reading a table that the tenant's licence or consent keeps uncollected",
    "(or that the last poll read only partly) is not evaluated for that integration, rather than judged on",
    "missing data. Managed rules can be disabled per workspace but not edited; custom rules follow the same",
    "model (services/rules/README.md).",
    "",
    "Compliance score of a pack, per integration: passing ÷ (passing + failing) rules at each evaluation;",
    "inventory rules (severity `info`) and rules whose query failed are not counted.",
    "",
    "## Packs",
    "",
    "| Pack | Title | Rules | What it covers |",
    "| --- | --- | --- | --- |",
    ...managedPacks.map(
      (p) =>
        `| \`${p.id}\` | ${p.title} | ${rules.filter((r) => r.definition.packs.includes(p.id)).length} | ${cell(p.description)} |`,
    ),
    "",
    `EIDSCA checks with a rule: ${eidsca.size}. CISA ScubaGear MS.AAD policies with a rule: ${cisa.size}; the`,
    "remaining framework checks are listed at the end with the reason each cannot be evaluated.",
    "",
    "## All rules",
    "",
    "| Rule | Title | Severity | References |",
    "| --- | --- | --- | --- |",
    ...[...rules]
      .sort(
        (a, b) =>
          SEVERITY_ORDER.indexOf(a.definition.severity) - SEVERITY_ORDER.indexOf(b.definition.severity) ||
          a.id.localeCompare(b.id),
      )
      .map(
        (r) =>
          `| [\`${r.id}\`](#${r.id}--${slug(r.definition.title)}) | ${cell(r.definition.title)} | ${r.definition.severity} | ${r.definition.references.map((x) => x.id).join(", ")} |`,
      ),
    "",
  ];
  for (const pack of managedPacks) {
    out.push(`## ${pack.title} (\`${pack.id}\`)`, "");
    // Each rule is described once, under the first pack it belongs to.
    for (const r of rules.filter((x) => x.definition.packs[0] === pack.id)) out.push(ruleSection(r));
  }
  out.push(
    "## Framework checks without a rule",
    "",
    "| Framework | Check | What it asks | Why Tenantlens cannot evaluate it |",
    "| --- | --- | --- | --- |",
    ...impossibleChecks.map((c) => `| ${c.framework} | \`${c.id}\` | ${cell(c.title)} | ${cell(c.reason)} |`),
    "",
  );
  return out.join("\n");
}

/** GitHub's heading anchor of "`id` — title" (backticks and punctuation dropped, spaces to dashes). */
function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replaceAll(" ", "-");
}
