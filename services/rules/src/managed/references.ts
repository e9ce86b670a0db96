import type { RuleReference } from "@tenantlens/contracts";

/** Framework references, written exactly as each framework writes its ids. */

export function eidsca(id: string): RuleReference {
  return { framework: "EIDSCA", id: `EIDSCA.${id}`, url: `https://maester.dev/docs/tests/EIDSCA.${id}` };
}

/** `cisa("8.2v1")` → MS.AAD.8.2v1, linked to its section of the ScubaGear Entra ID baseline. */
export function cisa(id: string): RuleReference {
  const anchor = `msaad${id.replaceAll(".", "")}`;
  return {
    framework: "CISA ScubaGear",
    id: `MS.AAD.${id}`,
    url: `https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md#${anchor}`,
  };
}

export function maester(id: string): RuleReference {
  return { framework: "Maester", id, url: `https://maester.dev/docs/tests/${id}` };
}

export function prowler(check: string): RuleReference {
  return { framework: "Prowler", id: check };
}
