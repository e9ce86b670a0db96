import { ErrorCode, httpStatusOf } from "@tenantlens/contracts";
import { z } from "zod";
import { ErrorResponse } from "../schemas.js";
import type { Method, RouteDoc } from "./route-docs.js";

export interface RegisteredRoute {
  method: string;
  path: string;
}

type JsonObject = Record<string, unknown>;

const METHODS = new Set<string>(["GET", "POST", "PUT", "PATCH", "DELETE"]);

function schemaOf(s: z.ZodType, io: "input" | "output"): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as JsonObject;
  return rest;
}

/** Hono `:id` → OpenAPI `{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function operation(doc: RouteDoc): JsonObject {
  const params = [...doc.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (doc.query) {
    const q = schemaOf(doc.query, "input") as {
      properties?: Record<string, JsonObject>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      params.push({
        name,
        in: "query",
        required: (q.required ?? []).includes(name),
        schema: schema as { type: string },
      });
    }
  }
  const errors: JsonObject = {};
  const errorStatuses = new Set<number>([400, 404, 500, 503]);
  if (doc.auth) errorStatuses.add(401);
  if (doc.adminOnly) errorStatuses.add(403);
  for (const status of errorStatuses) {
    errors[String(status)] = { $ref: "#/components/responses/Error" };
  }
  const success: JsonObject = { description: doc.summary };
  if (doc.success.schema) {
    success.content = { "application/json": { schema: schemaOf(doc.success.schema, "output") } };
  } else if (doc.success.contentType) {
    success.content = { [doc.success.contentType]: {} };
  }
  return {
    summary: doc.summary,
    tags: [doc.tag],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: schemaOf(doc.body, "input") } },
          },
        }
      : {}),
    ...(doc.auth ? { security: [{ apiKey: [] }] } : { security: [] }),
    responses: { [String(doc.success.status)]: success, ...errors },
  };
}

/**
 * The OpenAPI 3.1 document, from the zod schemas the routes validate with. Routes registered on the
 * app without a RouteDoc (mounted from another module) still appear, with a generic description.
 */
export function buildOpenApi(docs: RouteDoc[], registered: RegisteredRoute[], serverUrl: string): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const add = (method: string, path: string, op: JsonObject) => {
    const p = openApiPath(path);
    paths[p] ??= {};
    paths[p][method.toLowerCase()] = op;
  };
  const documented = new Set(docs.map((d) => `${d.method} ${d.path}`));
  for (const d of docs) {
    if (registered.some((r) => r.method === d.method && r.path === d.path))
      add(d.method, d.path, operation(d));
  }
  for (const r of registered) {
    if (!METHODS.has(r.method) || documented.has(`${r.method} ${r.path}`)) continue;
    const auth = r.path.startsWith("/api/");
    add(
      r.method,
      r.path,
      operation({
        method: r.method as Method,
        path: r.path,
        summary: `${r.method} ${r.path}`,
        tag: r.path.split("/")[2] ?? "other",
        auth,
        success: { status: 200, schema: null, contentType: "application/json" },
      }),
    );
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Tenantlens API",
      version: "0.1.0",
      description:
        "Asset inventory and security posture for Microsoft Entra ID. Every /api route needs `Authorization: Bearer <api key>`; errors are `{error:{code,message,requestId}}`.",
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "A Tenantlens API key" } },
      schemas: { Error: schemaOf(ErrorResponse, "output") },
      responses: {
        Error: {
          description: `An error. Codes and statuses: ${ErrorCode.options.map((c) => `${c} ${httpStatusOf[c]}`).join(", ")}`,
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    },
  };
}
