import { defineRoute } from "../http/route.js";
import { buildOpenApi } from "../openapi/document.js";
import { HealthResponse } from "../schemas.js";

const tags = ["system"] as const;

export const health = defineRoute({
  method: "GET",
  path: "/healthz",
  summary: "The whole system: each service's last heartbeat, consumer lag, last generation age",
  description:
    "ok: every service has a ready instance that reported within three heartbeat intervals; degraded (still 200): some service is missing, stale or not ready; down (503): the gateway lost NATS.",
  tags,
  access: "public",
  errors: ["unavailable"],
  errorBodies: { unavailable: HealthResponse },
  success: { status: 200, schema: HealthResponse },
  handler: (c, _input, { systemHealth }) => {
    const summary = systemHealth.summary();
    return summary.status === "down" ? c.json(summary, 503) : summary;
  },
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
