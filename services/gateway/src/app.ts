import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { ApiKeyStore } from "./auth/key-store.js";
import { requireApiKey } from "./auth/middleware.js";
import { WorkspaceStore } from "./auth/workspace-store.js";
import type { AppEnv, GatewayDeps } from "./env.js";
import { errorResponse, notFound, onError } from "./http/errors.js";
import { buildOpenApi } from "./openapi/document.js";
import { routeDocs } from "./openapi/route-docs.js";
import { adminRoutes } from "./routes/admin.js";
import { consoleRoutes } from "./routes/console.js";
import { integrationRoutes } from "./routes/integrations.js";
import { oauthRoutes } from "./routes/oauth.js";
import { queryRoutes } from "./routes/query.js";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The gateway's HTTP app. It never listens: index.ts serves it, tests call `app.request()`. */
export function createApp(deps: GatewayDeps): Hono<AppEnv> {
  const keys = new ApiKeyStore(deps.bus);
  const workspaces = new WorkspaceStore(deps.bus);
  const app = new Hono<AppEnv>();

  app.use(requestId({ headerName: "x-request-id", limitLength: 128 }));
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
  app.use(
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onError: (c) => errorResponse(c, "payload_too_large", "request body is too large"),
    }),
  );
  app.onError(onError(deps.logger));
  app.notFound(notFound);

  app.get("/healthz", (c) =>
    deps.bus.status().connected
      ? c.json({ status: "ok" as const, nats: "connected" as const })
      : c.json({ status: "degraded" as const, nats: "disconnected" as const }, 503),
  );
  app.get("/openapi.json", (c) => c.json(buildOpenApi(routeDocs, app.routes, deps.publicUrl)));
  app.route("/", consoleRoutes(deps, keys));
  app.route("/", oauthRoutes(deps));

  app.use("/api/*", requireApiKey(keys));
  app.route("/api", integrationRoutes(deps));
  app.route("/api", adminRoutes(keys, workspaces));
  app.route("/api", queryRoutes(deps));

  return app;
}
