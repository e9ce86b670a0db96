import { type ErrorCode, ErrorResponse, httpStatusOf } from "@tenantlens/contracts";
import { z } from "zod";
import type { Route } from "../http/route.js";

type JsonObject = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: "input" | "output"): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as JsonObject;
  return rest;
}

/** Hono `:id` → OpenAPI `{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function parameters(route: Route): JsonObject[] {
  const out: JsonObject[] = [];
  const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
  const pathProps = route.params
    ? ((schemaOf(route.params, "input").properties ?? {}) as Record<string, JsonObject>)
    : {};
  for (const name of names) {
    out.push({ name, in: "path", required: true, schema: pathProps[name] ?? { type: "string" } });
  }
  if (route.query) {
    const q = schemaOf(route.query, "input") as {
      properties?: Record<string, JsonObject>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      out.push({ name, in: "query", required: (q.required ?? []).includes(name), schema });
    }
  }
  return out;
}

/** The statuses a route answers with besides success, each with the codes that produce it. */
export function errorStatuses(route: Route): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of route.errorCodes) {
    const status = httpStatusOf[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return byStatus;
}

function errorResponse(route: Route, codes: ErrorCode[]): JsonObject {
  const description = codes.join(", ");
  const special = codes.map((c) => route.errorBodies[c]).find((b) => b !== undefined);
  if (special === undefined)
    return {
      description,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  if (special === "text/html")
    return { description: `${description} (an HTML page)`, content: { "text/html": {} } };
  return { description, content: { "application/json": { schema: schemaOf(special, "output") } } };
}

function operation(route: Route): JsonObject {
  const success: JsonObject = { description: route.success.description ?? route.summary };
  const content: JsonObject = {};
  if (route.success.schema)
    content["application/json"] = { schema: schemaOf(route.success.schema, "output") };
  for (const type of route.success.contentTypes ?? []) content[type] ??= {};
  if (Object.keys(content).length > 0) success.content = content;

  const responses: JsonObject = { [String(route.success.status)]: success };
  for (const [status, codes] of [...errorStatuses(route)].sort(([a], [b]) => a - b)) {
    responses[String(status)] = errorResponse(route, codes);
  }
  const params = parameters(route);
  const role =
    route.access === "public"
      ? undefined
      : route.access === "operator"
        ? "Needs an admin API key of the default workspace (the operator)."
        : `Needs an API key with the ${route.access} role or higher (viewer < analyst < admin).`;
  const description = [route.description, role].filter(Boolean).join("\n\n");
  return {
    summary: route.summary,
    ...(description ? { description } : {}),
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
    tags: [...route.tags],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: !route.bodyOptional,
            content: { "application/json": { schema: schemaOf(route.body, "input") } },
          },
        }
      : {}),
    security: securityOf(route),
    ...(route.access === "public" ? {} : { "x-required-role": route.access }),
    responses,
  };
}

/** Public: none; console pages: the session cookie; /api: an API key, or the console's session. */
export function securityOf(route: Pick<Route, "access" | "session">): Record<string, string[]>[] {
  if (route.access === "public") return [];
  if (route.session) return [{ consoleSession: [] }];
  return [{ apiKey: [] }, { consoleSession: [] }];
}

/** The OpenAPI 3.1 document, produced from the route declarations alone. */
export function buildOpenApi(routes: readonly Route[], serverUrl: string): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes) {
    const p = openApiPath(route.path);
    paths[p] ??= {};
    paths[p][route.method.toLowerCase()] = operation(route);
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
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "A Tenantlens API key" },
        consoleSession: {
          type: "apiKey",
          in: "cookie",
          name: "tl_session",
          description:
            "The console's session (after sign-in with an API key); POST, PATCH and DELETE also need the session's CSRF token in x-csrf-token",
        },
      },
      schemas: {
        Error: {
          ...schemaOf(ErrorResponse, "output"),
          description: `An error. Codes and statuses: ${Object.entries(httpStatusOf)
            .map(([c, s]) => `${c} ${s}`)
            .join(", ")}`,
        },
      },
    },
  };
}
