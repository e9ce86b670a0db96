import { randomBytes } from "node:crypto";
import { AppError, type ErrorCode, ErrorResponse, httpStatusOf } from "@tenantlens/contracts";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { html } from "hono/html";
import type { z } from "zod";
import { csrfTokenOf, SESSION_COOKIE } from "../auth/session-store.js";
import type { AppEnv, Principal } from "../env.js";
import { samePublicHost } from "../http/browser.js";
import { type Access, defineRoute, type Route, type RouteDeps } from "../http/route.js";
import { type Frame, type Html, PAGE_END, page, pageStart, type Section } from "./layout.js";

/** The pre-session CSRF cookie of the sign-in form (double submit: cookie and hidden field). */
export const SIGN_IN_CSRF_COOKIE = "tl_signin_csrf";

/** Codes a console page answers with, each as an HTML page. */
const PAGE_ERRORS = ["bad_request", "not_found", "conflict", "unavailable", "timeout"] as const;
const HTML_BODIES = Object.fromEntries(
  [...PAGE_ERRORS, "unauthorized", "forbidden", "rate_limited", "internal"].map((c) => [c, "text/html"]),
) as Partial<Record<ErrorCode, "text/html">>;

/** Reads the gateway's own /api routes in process, as the signed-in session (same checks, same answers). */
export interface ApiReader {
  /** GET an /api route; its answer is parsed through the route's own success schema. */
  get<R extends z.ZodType>(route: Route<R>, path: string): Promise<z.output<R>>;
  /** Like get, but a failure is returned instead of thrown (optional parts of a page). */
  tryGet<R extends z.ZodType>(route: Route<R>, path: string): Promise<z.output<R> | AppError>;
}

export interface PageInput<P, Q, L = undefined> {
  c: Context<AppEnv>;
  principal: Principal;
  params: P;
  query: Q;
  csrf: string;
  api: ApiReader;
  deps: RouteDeps;
  /** What `load` returned. */
  loaded: L;
  /** A page's title and content, placed in the signed-in frame of this page's section. */
  frame(title: string, body: Html): Framed;
}

type ObjectSchema = z.ZodType<Record<string, unknown>>;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

function apiReader(c: Context<AppEnv>, deps: RouteDeps, sessionId: string): ApiReader {
  async function tryGet<R extends z.ZodType>(route: Route<R>, path: string): Promise<z.output<R> | AppError> {
    const res = await deps.self.request(`${deps.publicUrl}${path}`, {
      headers: {
        cookie: `${SESSION_COOKIE}=${sessionId}`,
        accept: "application/json",
        "x-request-id": c.get("requestId") ?? "",
      },
    });
    const text = await res.text();
    if (!res.ok) {
      const parsed = safeJson(text);
      const err = ErrorResponse.safeParse(parsed);
      return err.success
        ? new AppError(err.data.error.code as ErrorCode, err.data.error.message)
        : new AppError("internal", `${path} answered ${res.status}`);
    }
    const schema = route.success.schema;
    if (!schema) throw new Error(`${route.path} has no JSON answer`);
    return schema.parse(JSON.parse(text));
  }
  return {
    tryGet,
    async get(route, path) {
      const r = await tryGet(route, path);
      if (r instanceof AppError) throw r;
      return r;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The session of a console page: without a valid one the sign-in page answers (401), so a link to
 * any page works after signing in. Errors of the page become HTML pages with the same status.
 */
function consoleSession(deps: RouteDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const sessionId = getCookie(c, SESSION_COOKIE);
    const principal = sessionId ? await deps.sessions.principal(sessionId) : null;
    if (!sessionId || !principal) {
      const nextPath = c.req.path + (new URL(c.req.url).search || "");
      return signInPage(c, sessionId ? "Your session ended; sign in again." : null, nextPath, 401);
    }
    c.set("principal", principal);
    c.set("sessionId", sessionId);
    await next();
    if (c.error && c.res.status >= 400) {
      const status = c.res.status;
      const body = ErrorResponse.safeParse(safeJson(await c.res.clone().text()));
      const message = body.success ? body.data.error.message : "Something went wrong.";
      const requestId = c.get("requestId");
      c.res = undefined;
      c.res = await c.html(
        page(
          status === 404 ? "Not found" : "Something went wrong",
          html`<h1>${status === 404 ? "Not found" : status === 403 ? "Not allowed" : "This page could not be shown"}</h1>
<p>${message}</p>
<p class="muted">Request <code>${requestId}</code>.</p>
<p><a href="/">Back to the dashboard</a></p>`,
          { principal, csrf: csrfTokenOf(sessionId), section: "dashboard" },
        ),
        status as 400,
      );
    }
    return undefined;
  };
}

/** The sign-in page, with a fresh double-submit CSRF token when the browser has none yet. */
export function signInPage(
  c: Context<AppEnv>,
  problem: string | null,
  nextPath: string,
  status: 200 | 401,
  deps?: { publicUrl: string },
): Response | Promise<Response> {
  let token = getCookie(c, SIGN_IN_CSRF_COOKIE);
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    token = randomBytes(32).toString("base64url");
    setCookie(c, SIGN_IN_CSRF_COOKIE, token, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/console/sign-in",
      secure: deps ? new URL(deps.publicUrl).protocol === "https:" : false,
    });
  }
  c.header("cache-control", "no-store");
  return c.html(
    page(
      "Sign in",
      html`<div class="narrow">
<h1>Sign in to Tenantlens</h1>
${problem ? html`<p class="error" role="alert">${problem}</p>` : ""}
<form method="post" action="/console/sign-in" class="stack">
  <input type="hidden" name="csrf" value="${token}">
  <input type="hidden" name="next" value="${safeNext(nextPath)}">
  <label for="key">API key</label>
  <input id="key" type="password" name="key" autocomplete="current-password" required autofocus>
  <p class="muted hint"><code>npm start</code> prints one; it is also in <code>data/api-key</code>. The key's role decides what you may change.</p>
  <button type="submit">Sign in</button>
</form>
</div>`,
    ),
    status,
  );
}

/** Only a path of this console (never another origin) may be the target after sign-in. */
export function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?!\/)[^\\\s]*$/.test(next) && next.length <= 1000 ? next : "/";
}

/** What a page renders: its title and its content, placed in the signed-in frame by definePage. */
export interface Framed {
  readonly framed: true;
  title: string;
  body: Html;
}

/** A page whose data takes longer than this is streamed: the frame first, its content when ready. */
const STREAM_AFTER_MS = 150;

/** Maps an /api answer the page cannot show to a code the page declares. */
function pageError(err: unknown, codes: readonly ErrorCode[]): unknown {
  if (err instanceof AppError && !codes.includes(err.code)) {
    return new AppError(httpStatusOf[err.code] >= 500 ? "unavailable" : "bad_request", err.message);
  }
  return err;
}

/**
 * Declares a console page once: a GET route outside /api, authenticated by the session, with an
 * access level (a key below it gets a 403 page), path and query parameters validated like any
 * route, and every error answered as an HTML page. It appears in the OpenAPI document as text/html.
 *
 * `load` (optional) runs first and decides the status (e.g. 404 for an unknown id). A page whose
 * content is not ready within 150 ms is streamed: the frame (navigation, headings) paints at once
 * and the content follows; a failure after that point is shown in the page.
 */
export function definePage<
  A extends Exclude<Access, "public">,
  P extends ObjectSchema | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  L = undefined,
>(spec: {
  path: string;
  summary: string;
  section: Section;
  /** The browser's title while a streamed page's content is on its way (console.js then uses the h1). */
  title: string;
  access: A;
  params?: P;
  query?: Q;
  /** Browser modules of the page (under /console/assets/), besides console.js. */
  scripts?: readonly string[];
  load?: (input: PageInput<Out<P>, Out<Q>, undefined>) => Promise<L>;
  render: (input: PageInput<Out<P>, Out<Q>, L>) => Promise<Framed | Response> | Framed | Response;
}): Route {
  const route: Route = defineRoute({
    method: "GET",
    path: spec.path,
    summary: spec.summary,
    tags: ["console"],
    access: spec.access,
    session: true,
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.query ? { query: spec.query } : {}),
    middleware: (deps) => [samePublicHost(deps), consoleSession(deps)],
    errors: [...PAGE_ERRORS],
    errorBodies: HTML_BODIES,
    success: { status: 200, contentTypes: ["text/html"] },
    handler: async (c, input, deps) => {
      const sessionId = c.get("sessionId");
      const csrf = csrfTokenOf(sessionId);
      const principal = input.principal as Principal;
      const frame: Frame = {
        principal,
        csrf,
        section: spec.section,
        ...(spec.scripts ? { scripts: spec.scripts } : {}),
      };
      const base = {
        c,
        principal,
        params: input.params as Out<P>,
        query: input.query as Out<Q>,
        csrf,
        api: apiReader(c, deps, sessionId),
        deps,
        frame: (title: string, body: Html): Framed => ({ framed: true, title, body }),
      };
      c.header("cache-control", "no-store");
      let loaded: L;
      try {
        loaded = spec.load ? await spec.load({ ...base, loaded: undefined }) : (undefined as L);
      } catch (err) {
        throw pageError(err, route.errorCodes);
      }
      const pending = Promise.resolve().then(() => spec.render({ ...base, loaded }));
      pending.catch(() => undefined);
      const early = await Promise.race([
        pending.then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
        new Promise<null>((r) => setTimeout(r, STREAM_AFTER_MS, null)),
      ]);
      if (early) {
        if ("error" in early) throw pageError(early.error, route.errorCodes);
        if (early.value instanceof Response) return early.value;
        return c.html(page(early.value.title, early.value.body, frame));
      }
      const encoder = new TextEncoder();
      const requestId = c.get("requestId");
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode(String(await pageStart(spec.title, frame))));
          let content: string;
          try {
            const out = await pending;
            content =
              out instanceof Response
                ? `<p class="error">This page could not be shown.</p>`
                : String(await html`${out.body}`);
          } catch (err) {
            if (!(err instanceof AppError)) deps.logger.error({ err, requestId }, "console page failed");
            const message =
              err instanceof AppError ? err.message : `something went wrong (request ${requestId})`;
            content = String(
              await html`<h1>This page could not be shown</h1><p class="error" role="alert">${message}</p><p><a href="/">Back to the dashboard</a></p>`,
            );
          }
          controller.enqueue(encoder.encode(content + PAGE_END));
          controller.close();
        },
      });
      return c.body(stream, 200, { "content-type": "text/html; charset=UTF-8" });
    },
  });
  return route;
}
