import { AppError } from "@tenantlens/contracts";
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../env.js";
import { bearerToken } from "./api-key.js";
import type { ApiKeyStore } from "./key-store.js";
import { csrfMatches, SESSION_COOKIE, type SessionStore } from "./session-store.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Every /api route: `Authorization: Bearer <key>` resolved to `c.var.principal`, else 401. Without
 * an Authorization header, the console's session cookie is accepted instead (the browser's own
 * pages call /api); an unsafe method then needs the session's CSRF token in `x-csrf-token`. A
 * bearer header, when present, is the only credential looked at.
 */
export function requireApiKey(keys: ApiKeyStore, sessions?: SessionStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const session = header === undefined && sessions ? getCookie(c, SESSION_COOKIE) : undefined;
    if (session && sessions) {
      const principal = await sessions.principal(session);
      if (!principal) throw new AppError("unauthorized", "the console session ended; sign in again");
      if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(session, c.req.header("x-csrf-token"))) {
        throw new AppError("forbidden", "a request made with the console session needs its x-csrf-token");
      }
      c.set("principal", principal);
      c.set("sessionId", session);
      await next();
      return;
    }
    const token = bearerToken(header);
    if (!token) throw new AppError("unauthorized", "missing API key: send Authorization: Bearer <key>");
    const principal = await keys.verify(token);
    if (!principal) throw new AppError("unauthorized", "invalid or revoked API key");
    c.set("principal", principal);
    await next();
  };
}
