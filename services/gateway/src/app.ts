import { DEFAULT_WORKSPACE } from "@tenantlens/contracts";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { ApiKeyStore } from "./auth/key-store.js";
import { requireApiKey } from "./auth/middleware.js";
import { rateLimitPerKey } from "./auth/rate-limit.js";
import { SessionStore } from "./auth/session-store.js";
import { WorkspaceStore } from "./auth/workspace-store.js";
import type { AppEnv, GatewayDeps } from "./env.js";
import { SystemHealth } from "./health/system-health.js";
import { notFound, onError } from "./http/errors.js";
import type { Route, RouteDeps } from "./http/route.js";
import { traceRequests } from "./http/tracing.js";
import { allRoutes } from "./routes/index.js";

export { DEFAULT_MAX_BODY_BYTES } from "./http/route.js";

/** Workspaces, API keys and console sessions over the bus (keys of a deleted workspace fail at once). */
export function accessStores(deps: Pick<GatewayDeps, "bus" | "sessionHours">): {
  workspaces: WorkspaceStore;
  keys: ApiKeyStore;
  sessions: SessionStore;
} {
  const workspaces = new WorkspaceStore(deps.bus);
  // The default workspace cannot be deleted: no lookup for the operator's own keys.
  const keys = new ApiKeyStore(deps.bus, (id) =>
    id === DEFAULT_WORKSPACE ? Promise.resolve(false) : workspaces.isDeleted(id),
  );
  const sessions = new SessionStore(deps.bus, keys, (deps.sessionHours ?? 12) * 3600);
  return { workspaces, keys, sessions };
}

/**
 * The gateway's HTTP app: every route comes from its declaration (routes/index.ts). It never
 * listens: index.ts serves it, tests call `app.request()`.
 */
export function createApp(deps: GatewayDeps, routes: readonly Route[] = allRoutes): Hono<AppEnv> {
  const { workspaces, keys, sessions } = accessStores(deps);
  const app = new Hono<AppEnv>();
  const routeDeps: RouteDeps = {
    ...deps,
    systemHealth: deps.systemHealth ?? new SystemHealth(deps.bus),
    keys,
    sessions,
    workspaces,
    routes,
    self: { request: (path, init) => app.request(path, init) },
  };

  app.use(traceRequests());
  app.use(requestId({ headerName: "x-request-id", limitLength: 128 }));
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      xFrameOptions: "DENY",
      referrerPolicy: "no-referrer",
      crossOriginResourcePolicy: "same-origin",
    }),
  );
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.debug(
      {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
        workspaceId: c.get("principal")?.workspaceId,
      },
      "request",
    );
  });
  app.onError(onError(deps.logger));
  app.notFound(notFound);

  // Authentication happens before routing, so no /api route can be reached without a key (or the
  // console's session with its CSRF token).
  app.use(
    "/api/*",
    requireApiKey(routeDeps.keys, routeDeps.sessions),
    rateLimitPerKey(deps.rateLimitPerMinute ?? 600),
  );
  for (const route of routes) route.mount(app, routeDeps);
  return app;
}
