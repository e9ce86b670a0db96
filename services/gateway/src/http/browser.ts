import { AppError } from "@tenantlens/contracts";
import type { MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import type { AppEnv } from "../env.js";
import type { RouteDeps } from "./route.js";

/**
 * Browser-facing routes answer only under the host users were given (PUBLIC_URL): a page reached
 * through another name (DNS rebinding) is refused before any cookie is read.
 */
export function samePublicHost(deps: RouteDeps): MiddlewareHandler<AppEnv> {
  const expected = new URL(deps.publicUrl).host.toLowerCase();
  return async (c, next) => {
    const host = (c.req.header("host") ?? new URL(c.req.url).host).toLowerCase();
    if (host !== expected) {
      throw new AppError(
        "bad_request",
        `this console is served at ${deps.publicUrl}; open it there (PUBLIC_URL)`,
      );
    }
    await next();
  };
}

/** Forms: the public host, and posts only from the console's own origin. */
export function consoleForm(deps: RouteDeps): MiddlewareHandler<AppEnv>[] {
  const origin = new URL(deps.publicUrl).origin;
  return [samePublicHost(deps), csrf({ origin })];
}
