import {
  AppError,
  DEFAULT_WORKSPACE,
  type ErrorCode,
  formatIssues,
  httpStatusOf,
  type RequestDef,
  requestErrors,
} from "@tenantlens/contracts";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import type { ApiKeyStore } from "../auth/key-store.js";
import type { SessionStore } from "../auth/session-store.js";
import type { WorkspaceStore } from "../auth/workspace-store.js";
import type { AppEnv, GatewayDeps, Principal } from "../env.js";
import type { SystemHealth } from "../health/system-health.js";
import { errorResponse } from "./errors.js";
import { nameRequestSpan } from "./tracing.js";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call a route: anyone (outside /api); a key of the workspace with at least this role
 * (viewer < analyst < admin); or the operator, an admin key of the default workspace, which runs
 * the installation.
 */
export type Access = "public" | "viewer" | "analyst" | "admin" | "operator";

const RANK: Record<Principal["role"], number> = { viewer: 0, analyst: 1, admin: 2 };

/** Whether a key's role reaches the route's access level. */
export function allows(access: Access, principal: Principal | undefined): boolean {
  if (access === "public") return true;
  if (!principal) return false;
  if (access === "operator") return principal.role === "admin" && principal.workspaceId === DEFAULT_WORKSPACE;
  return RANK[principal.role] >= RANK[access];
}

/** What route handlers may use; built once per app. */
export interface RouteDeps extends GatewayDeps {
  systemHealth: SystemHealth;
  keys: ApiKeyStore;
  sessions: SessionStore;
  workspaces: WorkspaceStore;
  /** Every declared route (the OpenAPI document is built from them). */
  routes: readonly Route[];
  /** The app itself, in process: console pages read through the /api routes with the session. */
  self: { request(path: string, init?: RequestInit): Response | Promise<Response> };
}

type ObjectSchema = z.ZodType<Record<string, unknown>>;
export type ErrorBodies = Partial<Record<ErrorCode, z.ZodType | "text/html">>;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B, A extends Access, L> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  /** The caller's key; absent on public routes. */
  principal: A extends "public" ? undefined : Principal;
  /** What `load` returned (e.g. the integration the path names, proven to be the caller's). */
  loaded: L;
}

/** A handler answers with its success value (parsed through the schema) or a ready Response. */
type Answer<R> = (R extends z.ZodType ? z.input<R> : never) | Response;

export interface Success<R> {
  status: 200 | 201 | 202 | 303;
  /** JSON body; the handler's value is parsed through it before it is sent. */
  schema?: R;
  /** Media types of non-JSON answers (HTML pages, downloads chosen by Accept). */
  contentTypes?: readonly string[];
  description?: string;
}

export interface RouteSpec<
  P extends ObjectSchema | undefined,
  Q extends ObjectSchema | undefined,
  B extends z.ZodType | undefined,
  R extends z.ZodType | undefined,
  A extends Access,
  L,
> {
  method: Method;
  /** Full path in Hono's syntax (`/api/integrations/:id`). */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  access: A;
  /**
   * A console page or form outside /api: its caller is the signed-in console session (cookie),
   * which the route's middleware resolves into `principal`; its access level still applies.
   */
  session?: boolean;
  /** Path parameters; a value that does not fit answers 404 (nothing by that name exists). */
  params?: P;
  query?: Q;
  body?: B;
  /** An absent or empty body counts as `{}`. */
  bodyOptional?: boolean;
  /** Runs after params and query, before the body is read: ownership first, so another workspace's id is a 404 whatever the body says. */
  load?: (
    c: Context<AppEnv>,
    input: RouteInput<P, Q, undefined, A, undefined>,
    deps: RouteDeps,
  ) => Promise<L>;
  /** Route-level middleware (e.g. CSRF on console forms); declare the codes it answers in `errors`. */
  middleware?: (deps: RouteDeps) => readonly MiddlewareHandler<AppEnv>[];
  /**
   * Codes answered with another body than the JSON error: an HTML page (browser-facing routes) or
   * a schema (e.g. /healthz says "degraded" in its usual shape).
   */
  errorBodies?: ErrorBodies;
  success: Success<R>;
  /** Codes the handler itself raises, beyond those implied by access, inputs and `calls`. */
  errors?: readonly ErrorCode[];
  /** NATS requests the route makes: their contracts' error codes are the route's too. */
  calls?: readonly RequestDef[];
  handler: (
    c: Context<AppEnv>,
    input: RouteInput<P, Q, B, A, L>,
    deps: RouteDeps,
  ) => Answer<R> | Promise<Answer<R>>;
}

/** A declared route: its spec plus every error code it can answer with. */
export interface Route<R extends z.ZodType | undefined = z.ZodType | undefined> {
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly access: Access;
  /** Authenticated by the console session cookie instead of a bearer key (console pages). */
  readonly session: boolean;
  readonly params?: ObjectSchema;
  readonly query?: ObjectSchema;
  readonly body?: z.ZodType;
  readonly bodyOptional?: boolean;
  readonly success: Success<R>;
  readonly errorBodies: ErrorBodies;
  /** Every code the route can answer with, derived from the declaration (sorted, unique). */
  readonly errorCodes: readonly ErrorCode[];
  /** Registers it on a Hono app. */
  mount(app: Hono<AppEnv>, deps: RouteDeps): void;
}

/**
 * The codes a route can answer with: a bug (internal) always; 401/429/403 by access; 404 for path
 * parameters; 400 for inputs; 413 for bodies; everything its NATS calls can end with; and its own.
 */
export function derivedErrors(spec: {
  access: Access;
  params?: unknown;
  query?: unknown;
  body?: unknown;
  errors?: readonly ErrorCode[];
  calls?: readonly RequestDef[];
}): ErrorCode[] {
  const codes = new Set<ErrorCode>(["internal"]);
  if (spec.access !== "public") {
    codes.add("unauthorized");
    codes.add("rate_limited");
  }
  if (spec.access !== "public" && spec.access !== "viewer") codes.add("forbidden");
  if (spec.params) codes.add("not_found");
  if (spec.query || spec.body) codes.add("bad_request");
  if (spec.body) codes.add("payload_too_large");
  for (const call of spec.calls ?? []) for (const code of requestErrors(call)) codes.add(code);
  for (const code of spec.errors ?? []) codes.add(code);
  return [...codes].sort((a, b) => httpStatusOf[a] - httpStatusOf[b] || a.localeCompare(b));
}

/** Reads a JSON body: malformed JSON and schema violations are bad_request, naming the fields. */
async function readBody(c: Context<AppEnv>, schema: z.ZodType, optional: boolean): Promise<unknown> {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new AppError("bad_request", "request body is not valid JSON");
    }
  } else if (!optional) {
    throw new AppError("bad_request", "request body is required (JSON)");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new AppError("bad_request", `invalid request body: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/** The type under optional/default/nullable wrappers ("number", "boolean", "string", …). */
function baseType(schema: z.ZodType): string {
  let def = schema._zod.def as { type: string; innerType?: z.ZodType };
  while (def.innerType && ["optional", "default", "prefault", "nullable"].includes(def.type)) {
    def = def.innerType._zod.def as { type: string; innerType?: z.ZodType };
  }
  return def.type;
}

/**
 * Query strings carry text: numbers and booleans the schema expects are converted first, so the
 * schema can keep the contract's own types (and the OpenAPI document shows them).
 */
function fromQueryString(schema: ObjectSchema, raw: Record<string, string>): Record<string, unknown> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  const out: Record<string, unknown> = { ...raw };
  for (const [key, value] of Object.entries(raw)) {
    const field = shape[key];
    if (!field || value.trim() === "") continue;
    const type = baseType(field);
    if (type === "number") out[key] = Number(value);
    else if (type === "boolean" && (value === "true" || value === "false")) out[key] = value === "true";
  }
  return out;
}

function parseWith(
  schema: ObjectSchema | undefined,
  raw: Record<string, string>,
  fail: (m: string) => AppError,
): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(fromQueryString(schema, raw));
  if (!parsed.success) throw fail(formatIssues(parsed.error));
  return parsed.data;
}

/**
 * Declares a route once: the same object registers it on Hono, validates its inputs, enforces its
 * access, parses its output, produces its OpenAPI entry and knows every error code it can answer
 * with. An AppError whose code the declaration does not cover is a bug: it is logged and answered
 * as 500, so the published document never lies about a route.
 */
export function defineRoute<
  A extends Access,
  P extends ObjectSchema | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | undefined = undefined,
  L = undefined,
>(spec: RouteSpec<P, Q, B, R, A, L>): Route<R> {
  const isApi = spec.path.startsWith("/api/");
  if (spec.session ? isApi || spec.access === "public" : isApi === (spec.access === "public")) {
    throw new Error(
      `${spec.method} ${spec.path}: /api routes need an API key, console pages (session) a role, other routes are public`,
    );
  }
  const errorCodes = derivedErrors(spec);
  const allowed = new Set(errorCodes);

  async function run(c: Context<AppEnv>, deps: RouteDeps): Promise<Response> {
    const principal = spec.access === "public" ? undefined : c.get("principal");
    if (!allows(spec.access, principal)) {
      throw new AppError(
        "forbidden",
        spec.access === "operator"
          ? "this route needs an admin API key of the default workspace (the operator)"
          : `this route needs an API key with the ${spec.access} role or higher (this key: ${principal?.role})`,
      );
    }
    const params = parseWith(
      spec.params,
      c.req.param() as Record<string, string>,
      (m) => new AppError("not_found", `not found: ${m}`),
    );
    const query = parseWith(
      spec.query,
      c.req.query(),
      (m) => new AppError("bad_request", `invalid query parameters: ${m}`),
    );
    const base = { params, query, body: undefined, principal, loaded: undefined } as RouteInput<
      P,
      Q,
      undefined,
      A,
      undefined
    >;
    const loaded = spec.load ? await spec.load(c, base, deps) : (undefined as L);
    const body = spec.body ? await readBody(c, spec.body, spec.bodyOptional ?? false) : undefined;
    const input = { ...base, body, loaded } as RouteInput<P, Q, B, A, L>;
    const result = await spec.handler(c, input, deps);
    if (result instanceof Response) return result;
    const schema = spec.success.schema;
    const checked = schema ? schema.safeParse(result) : { success: true as const, data: result };
    if (!checked.success) {
      throw new Error(
        `${spec.method} ${spec.path} produced an invalid answer: ${formatIssues(checked.error)}`,
      );
    }
    return c.json(checked.data as object, spec.success.status as 200);
  }

  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: spec.tags,
    access: spec.access,
    session: spec.session ?? false,
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.query ? { query: spec.query } : {}),
    ...(spec.body ? { body: spec.body, bodyOptional: spec.bodyOptional ?? false } : {}),
    success: spec.success,
    errorBodies: spec.errorBodies ?? {},
    errorCodes,
    mount(app, deps) {
      const middleware: MiddlewareHandler<AppEnv>[] = [
        nameRequestSpan(spec.method, spec.path),
        ...(spec.middleware?.(deps) ?? []),
      ];
      if (spec.body) {
        middleware.unshift(
          bodyLimit({
            maxSize: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
            onError: (c) => errorResponse(c, "payload_too_large", "request body is too large"),
          }),
        );
      }
      const handler: MiddlewareHandler<AppEnv> = async (c) => {
        try {
          return await run(c, deps);
        } catch (err) {
          if (err instanceof AppError && !allowed.has(err.code)) {
            deps.logger.error(
              {
                code: err.code,
                message: err.message,
                route: `${spec.method} ${spec.path}`,
                requestId: c.get("requestId"),
              },
              "a route answered with an error code it does not declare",
            );
            throw new Error(`${spec.method} ${spec.path} raised undeclared ${err.code}: ${err.message}`);
          }
          throw err;
        }
      };
      app.on(spec.method, [spec.path], ...[...middleware, handler]);
    },
  };
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
