import { allRoutes } from "../routes/index.js";

/**
 * Helpers for suites that walk every route (security, the OpenAPI document, the real-stack
 * cross-workspace check): a path with its parameters filled in and a body each route accepts.
 */

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** Every /api route registered on an app, once (a route's middleware is listed under its path too). */
export function apiRoutesOf(
  routes: readonly { method: string; path: string }[],
): { method: string; path: string }[] {
  const seen = new Set<string>();
  return routes.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (!METHODS.has(r.method) || !r.path.startsWith("/api/") || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Fills `:name` parameters from `ids` (by parameter name), the rest with a harmless `x1`. */
export function fillPath(path: string, ids: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => ids[name] ?? "x1");
}

const TENANT = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/** A body the route would accept from its own workspace (undefined for routes without one). */
export function sampleBody(method: string, path: string): unknown {
  if (method === "GET" || method === "DELETE") return undefined;
  const route = allRoutes.find((r) => r.method === method && r.path === path);
  if (route && !route.body) return undefined;
  switch (path) {
    case "/api/integrations":
      return { name: "other's", tenantId: TENANT, auth: { mode: "app", clientId: "c", clientSecret: "s" } };
    case "/api/query":
      return { sql: "SELECT * FROM azuread_user" };
    case "/api/keys":
      return { name: "k" };
    case "/api/workspaces":
      return { id: "stolen" };
    case "/api/saved-queries":
      return { name: "stolen", sql: "SELECT 1" };
    case "/api/rules":
      return {
        title: "stolen",
        severity: "low",
        remediation: { text: "x" },
        queries: [{ sql: "SELECT 1 AS resource_id" }],
      };
    case "/api/rules/:id":
      return { title: "stolen" };
    case "/api/integrations/:id":
    case "/api/saved-queries/:id":
      return { name: "stolen" };
    default:
      return {};
  }
}
