import { AppError } from "@tenantlens/contracts";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";
import { bearerToken } from "./api-key.js";
import type { ApiKeyStore } from "./key-store.js";

/** Every /api route: `Authorization: Bearer <key>` resolved to `c.var.principal`, else 401. */
export function requireApiKey(keys: ApiKeyStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) throw new AppError("unauthorized", "missing API key: send Authorization: Bearer <key>");
    const principal = await keys.verify(token);
    if (!principal) throw new AppError("unauthorized", "invalid or revoked API key");
    c.set("principal", principal);
    await next();
  };
}
