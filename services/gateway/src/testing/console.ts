import assert from "node:assert/strict";
import type { Hono } from "hono";
import type { AppEnv } from "../env.js";

/** A signed-in console session: the cookie header to send and the session's CSRF token. */
export interface ConsoleSession {
  cookie: string;
  csrf: string;
}

const hidden = (html: string, name: string) =>
  html.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1] ?? "";

/** Signs in through the console's form (sign-in page, its CSRF cookie, the post) like a browser. */
export async function consoleSignIn(
  app: Hono<AppEnv>,
  publicUrl: string,
  key: string,
): Promise<ConsoleSession> {
  const form = await app.request(`${publicUrl}/`);
  const formCookie = (form.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const token = hidden(await form.text(), "csrf");
  assert.ok(token && formCookie, "the sign-in page sets its CSRF token");
  const res = await app.request(`${publicUrl}/console/sign-in`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: publicUrl,
      cookie: formCookie,
    },
    body: new URLSearchParams({ key, csrf: token, next: "/" }).toString(),
  });
  assert.equal(res.status, 303, await res.text());
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("tl_session=")) ?? "";
  assert.match(setCookie, /HttpOnly/i);
  assert.match(setCookie, /SameSite=Strict/i);
  assert.ok(!setCookie.includes(key), "the cookie never holds the API key");
  const cookie = setCookie.split(";")[0] ?? "";
  const page = await (await app.request(`${publicUrl}/`, { headers: { cookie } })).text();
  const csrf = page.match(/name="csrf-token" content="([^"]+)"/)?.[1] ?? "";
  assert.ok(csrf, "a signed-in page carries the session's CSRF token");
  return { cookie, csrf };
}
