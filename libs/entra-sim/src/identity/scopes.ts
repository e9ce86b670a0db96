import { GRAPH_APP_ID, GRAPH_RESOURCE, OIDC_SCOPES } from "./permissions.js";

export interface ParsedScopes {
  /** openid, profile, email, offline_access as asked for. */
  oidc: string[];
  /** Graph permission names as written (short form, prefix removed). */
  graph: string[];
  /** `<graph>/.default` was asked for. */
  graphDefault: boolean;
  /** The first scope naming a resource other than Graph. */
  foreignResource?: string;
}

/**
 * Splits an OAuth scope string. Graph can be named as https://graph.microsoft.com, its app id, or
 * the simulator's own Graph endpoint; a scope without a resource prefix means Graph, as in Entra.
 */
export function parseScopes(raw: string, graphAliases: readonly string[]): ParsedScopes {
  const aliases = [GRAPH_RESOURCE, GRAPH_APP_ID, ...graphAliases].map((a) =>
    a.toLowerCase().replace(/\/+$/, ""),
  );
  const out: ParsedScopes = { oidc: [], graph: [], graphDefault: false };
  for (const scope of raw.split(/\s+/).filter(Boolean)) {
    const lower = scope.toLowerCase();
    if (OIDC_SCOPES.includes(lower)) {
      if (!out.oidc.includes(lower)) out.oidc.push(lower);
      continue;
    }
    const slash = scope.lastIndexOf("/");
    if (slash < 0) {
      if (!out.graph.includes(scope)) out.graph.push(scope);
      continue;
    }
    const resource = lower.slice(0, slash).replace(/\/+$/, "");
    const name = scope.slice(slash + 1);
    if (!aliases.includes(resource)) {
      out.foreignResource ??= scope.slice(0, slash);
      continue;
    }
    if (name === ".default") out.graphDefault = true;
    else if (name && !out.graph.includes(name)) out.graph.push(name);
  }
  return out;
}

/** Names from `wanted` that are not in `known` (case-insensitive), e.g. scopes never configured. */
export function missingFrom(wanted: readonly string[], known: readonly string[]): string[] {
  const set = new Set(known.map((k) => k.toLowerCase()));
  return wanted.filter((w) => !set.has(w.toLowerCase()));
}

/** `wanted` spelled the way `known` spells them (Entra echoes the registered casing). */
export function canonical(wanted: readonly string[], known: readonly string[]): string[] {
  const map = new Map(known.map((k) => [k.toLowerCase(), k]));
  return wanted.map((w) => map.get(w.toLowerCase()) ?? w);
}
