import type { Ctx } from "./context.js";
import { badSegment, GraphError } from "./errors.js";
import type { GraphResponse } from "./http.js";

export type Licence = "p1" | "p2" | "intune";

export interface RouteDef {
  /** Segments separated by "/", `{name}` captures one segment; matching is case-insensitive. */
  pattern: string;
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  /** Accepted permissions (a ReadWrite twin of a Read permission is accepted too). */
  perms: readonly string[];
  /** Resource-unit base cost (Graph's table; 1 when absent). */
  cost?: number;
  licence?: Licence;
  /** Identity and access reports (audit logs, sign-ins): the 5 requests / 10 s limit applies. */
  reports?: boolean;
  handle(ctx: Ctx): GraphResponse | Promise<GraphResponse>;
}

interface Compiled {
  def: RouteDef;
  segs: string[];
  literals: number;
}

/**
 * Resolves a Graph path to a route. Key-predicate segments such as `servicePrincipals(appId='…')`
 * become two segments (`servicePrincipals`, `@appId=…`) so a `{id}` route can resolve them.
 */
export class Router {
  private readonly routes: Compiled[];

  constructor(defs: readonly RouteDef[]) {
    this.routes = defs.map((def) => {
      const segs = def.pattern.split("/").map((s) => (s.startsWith("{") ? s : s.toLowerCase()));
      return { def, segs, literals: segs.filter((s) => !s.startsWith("{")).length };
    });
  }

  static segments(path: string): string[] {
    const out: string[] = [];
    for (const raw of path.split("/")) {
      if (raw === "") continue;
      let seg: string;
      try {
        seg = decodeURIComponent(raw);
      } catch {
        throw badSegment(raw);
      }
      const key = /^([A-Za-z0-9_.]+)\(([A-Za-z]+)='([^']*)'\)$/.exec(seg);
      const plainKey = /^([A-Za-z0-9_.]+)\('([^']*)'\)$/.exec(seg);
      if (key) out.push(key[1]!, `@${key[2]}=${key[3]}`);
      else if (plainKey) out.push(plainKey[1]!, plainKey[2]!);
      else if (/^(delta\(\)|microsoft\.graph\.delta(\(\))?)$/i.test(seg)) out.push("delta");
      else out.push(seg);
    }
    return out;
  }

  match(method: string, path: string): { def: RouteDef; params: Record<string, string> } {
    const segs = Router.segments(path);
    if (segs.length === 0)
      throw new GraphError(400, "BadRequest", "Invalid request: the resource path is empty.");
    let best: { c: Compiled; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const c of this.routes) {
      const params = this.tryMatch(c.segs, segs);
      if (!params) continue;
      pathMatched = true;
      if ((c.def.method ?? "GET") !== method) continue;
      if (!best || c.literals > best.c.literals) best = { c, params };
    }
    if (best) return { def: best.c.def, params: best.params };
    if (pathMatched) {
      throw new GraphError(
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
      );
    }
    // Report the first segment no route can continue with, as Graph does.
    for (let i = 0; i < segs.length; i++) {
      const prefix = segs.slice(0, i + 1);
      const viable = this.routes.some(
        (c) => c.segs.length > i && this.tryMatch(c.segs.slice(0, i + 1), prefix),
      );
      if (!viable) throw badSegment(segs[i]!);
    }
    throw badSegment(segs[segs.length - 1]!);
  }

  private tryMatch(pattern: string[], segs: string[]): Record<string, string> | undefined {
    if (pattern.length !== segs.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i]!;
      const s = segs[i]!;
      if (p.startsWith("{")) {
        if (s.startsWith("$") && s !== "$ref") return undefined;
        params[p.slice(1, -1)] = s;
      } else if (p !== s.toLowerCase()) return undefined;
    }
    return params;
  }
}
