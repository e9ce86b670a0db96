import { defineRoute } from "../http/route.js";
import { buildOpenApi } from "../openapi/document.js";
import { HealthResponse } from "../schemas.js";

const tags = ["system"] as const;

export const health = defineRoute({
  method: "GET",
  path: "/healthz",
  summary: "Liveness (503 while NATS is unreachable)",
  tags,
  access: "public",
  errors: ["unavailable"],
  errorBodies: { unavailable: HealthResponse },
  success: { status: 200, schema: HealthResponse },
  handler: (c, _input, { bus }) =>
    bus.status().connected
      ? { status: "ok" as const, nats: "connected" as const }
      : c.json({ status: "degraded" as const, nats: "disconnected" as const }, 503),
});

export const openApiDocument = defineRoute({
  method: "GET",
  path: "/openapi.json",
  summary: "This document (OpenAPI 3.1)",
  tags,
  access: "public",
  success: { status: 200, contentTypes: ["application/json"] },
  handler: (c, _input, deps) => c.json(buildOpenApi(deps.routes, deps.publicUrl)),
});
