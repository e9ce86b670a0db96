import { AppError } from "@tenantlens/contracts";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { csrfMatches, SESSION_COOKIE } from "../auth/session-store.js";
import { ASSET_NAME, type ConsoleAssets, readConsoleAssets } from "../console/assets.js";
import { SIGN_IN_CSRF_COOKIE, safeNext, signInPage } from "../console/page.js";
import { consoleForm, samePublicHost } from "../http/browser.js";
import { defineRoute } from "../http/route.js";

const tags = ["console"] as const;

export const consoleSignIn = defineRoute({
  method: "POST",
  path: "/console/sign-in",
  summary: "Console sign-in with an API key (form post; starts a session, sets an HttpOnly session cookie)",
  tags,
  access: "public",
  middleware: consoleForm,
  // 401: the sign-in page again, saying the key is not valid; 403: a post from another origin or
  // without the sign-in form's CSRF token.
  errors: ["bad_request", "unauthorized", "forbidden"],
  errorBodies: { unauthorized: "text/html" },
  success: { status: 303 },
  handler: async (c, _input, deps) => {
    const form = await c.req.parseBody();
    const expected = getCookie(c, SIGN_IN_CSRF_COOKIE);
    if (!expected || form.csrf !== expected) {
      throw new AppError("forbidden", "the sign-in form's CSRF token is missing or wrong; reload the page");
    }
    const next = safeNext(form.next);
    const key = typeof form.key === "string" ? form.key.trim() : "";
    const principal = key ? await deps.keys.verify(key) : null;
    if (!principal) return signInPage(c, "That API key is not valid.", next, 401, deps);
    const session = await deps.sessions.create(principal);
    const secure = new URL(deps.publicUrl).protocol === "https:";
    setCookie(c, SESSION_COOKIE, session, {
      httpOnly: true,
      sameSite: "Strict",
      secure,
      path: "/",
      maxAge: deps.sessions.ttlSeconds,
    });
    deleteCookie(c, SIGN_IN_CSRF_COOKIE, { path: "/console/sign-in" });
    return c.redirect(next, 303);
  },
});

export const consoleSignOut = defineRoute({
  method: "POST",
  path: "/console/sign-out",
  summary: "Console sign-out (ends the session on the server; the form carries the session's CSRF token)",
  tags,
  access: "public",
  middleware: consoleForm,
  errors: ["bad_request", "forbidden"],
  success: { status: 303 },
  handler: async (c, _input, deps) => {
    const session = getCookie(c, SESSION_COOKIE);
    if (session) {
      const form = await c.req.parseBody();
      if (!csrfMatches(session, typeof form.csrf === "string" ? form.csrf : null)) {
        throw new AppError(
          "forbidden",
          "the sign-out form's CSRF token is missing or wrong; reload the page",
        );
      }
      await deps.sessions.end(session);
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/", 303);
  },
});

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};
/** The files under console/assets, read once on first use (no build step) unless deps bring them. */
let fromFiles: ConsoleAssets | undefined;
function assetsOf(deps: { consoleAssets?: ConsoleAssets }): ConsoleAssets {
  if (deps.consoleAssets) return deps.consoleAssets;
  fromFiles ??= readConsoleAssets();
  return fromFiles;
}

export const consoleAsset = defineRoute({
  method: "GET",
  path: "/console/assets/:file",
  summary: "The console's browser modules and stylesheet",
  tags,
  access: "public",
  params: z.object({ file: z.string().regex(ASSET_NAME) }),
  middleware: (deps) => [samePublicHost(deps)],
  errors: ["bad_request"],
  success: { status: 200, contentTypes: ["text/javascript", "text/css"] },
  handler: (c, { params }, deps) => {
    const bytes = assetsOf(deps).get(params.file);
    if (!bytes) throw new AppError("not_found", `no console asset ${params.file}`);
    const ext = params.file.split(".").pop() as string;
    return c.body(new Uint8Array(bytes), 200, {
      "content-type": TYPES[ext] ?? "application/octet-stream",
      "cache-control": "no-cache",
    });
  },
});
