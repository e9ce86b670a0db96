import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AppError } from "@tenantlens/contracts";
import { createLogger } from "@tenantlens/telemetry";
import { html } from "hono/html";
import { createApp } from "../app.js";
import { definePage, safeNext } from "../console/page.js";
import { type ConsoleSession, consoleSignIn } from "../testing/console.js";
import { type Harness, PUBLIC_URL, readError, startHarness } from "../testing/harness.js";
import { consoleSignIn as signInRoute } from "./console.js";
import { dashboardPage } from "./console-dashboard.js";

/**
 * The console's pages and its use of /api, over a real nats-server with stand-in services: the
 * session is the credential of pages, /api accepts it only with the session's CSRF token for
 * unsafe methods (never in place of a bearer key that was sent), and pages follow the key's role.
 */
describe("console", () => {
  let h: Harness;
  let admin: ConsoleSession;
  let viewer: ConsoleSession;
  const TENANT = "6f1c5e2a-8a53-4f7e-9b8e-2f0d7a1c3b4d";

  before(async () => {
    h = await startHarness();
    admin = await consoleSignIn(h.app, PUBLIC_URL, h.adminKey);
    viewer = await consoleSignIn(h.app, PUBLIC_URL, h.viewerKey);
  });
  after(() => h.stop());

  const get = (path: string, s: ConsoleSession | null) =>
    h.app.request(`${PUBLIC_URL}${path}`, { headers: s ? { cookie: s.cookie } : {} });
  const send = (
    method: string,
    path: string,
    s: ConsoleSession,
    headers: Record<string, string>,
    body?: unknown,
  ) =>
    h.app.request(`${PUBLIC_URL}${path}`, {
      method,
      headers: { cookie: s.cookie, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const integration = {
    name: "Console <b>demo</b>",
    tenantId: TENANT,
    auth: { mode: "app", clientId: "c", clientSecret: "s" },
  };

  it("lets /api be called with the session, unsafe methods only with the session's CSRF token", async () => {
    const list = await get("/api/integrations", admin);
    assert.equal(list.status, 200);
    const none = await send("POST", "/api/integrations", admin, {}, integration);
    assert.equal(none.status, 403);
    assert.match((await readError(none)).message, /x-csrf-token/);
    const wrong = await send(
      "POST",
      "/api/integrations",
      admin,
      { "x-csrf-token": viewer.csrf },
      integration,
    );
    assert.equal(wrong.status, 403, "another session's token does not fit");
    const ok = await send("POST", "/api/integrations", admin, { "x-csrf-token": admin.csrf }, integration);
    assert.equal(ok.status, 201);
    const role = await send(
      "POST",
      "/api/integrations",
      viewer,
      { "x-csrf-token": viewer.csrf },
      integration,
    );
    assert.equal(role.status, 403, "a viewer's session cannot do what a viewer key cannot");
    assert.match((await readError(role)).message, /admin role/);
    const badKey = await h.app.request(`${PUBLIC_URL}/api/integrations`, {
      headers: { cookie: admin.cookie, authorization: "Bearer tl_nope_nope" },
    });
    assert.equal(badKey.status, 401, "a bearer header is the only credential looked at when sent");
  });

  it("renders pages for the key's role: a viewer sees no write control, and the server refuses anyway", async () => {
    const adminPage = await (await get("/console/integrations", admin)).text();
    assert.match(adminPage, /data-api="\/api\/integrations"/, "the admin can connect a tenant");
    assert.match(adminPage, /Console &lt;b&gt;demo&lt;\/b&gt;/, "names are escaped");
    assert.match(adminPage, /User\.Read\.All/, "the app-only form lists the permissions to grant");
    const viewerPage = await (await get("/console/integrations", viewer)).text();
    assert.doesNotMatch(viewerPage, /data-api=/, "no write control for a viewer");
    assert.match(viewerPage, /Console &lt;b&gt;demo&lt;\/b&gt;/);
    assert.doesNotMatch(viewerPage, /href="\/console\/sql"/, "no SQL section for a viewer");
    assert.match(adminPage, /href="\/console\/sql"/);
    const sql = await get("/console/sql", viewer);
    assert.equal(sql.status, 403);
    assert.match(sql.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await sql.text(), /analyst role/);
  });

  it("answers the sign-in page (401) for a page without a session, and comes back to it after", async () => {
    const res = await get("/console/integrations?x=1", null);
    assert.equal(res.status, 401);
    const text = await res.text();
    assert.match(text, /name="next" value="\/console\/integrations\?x=1"/);
    assert.equal(safeNext("//evil.example/x"), "/");
    assert.equal(safeNext("https://evil.example/"), "/");
    assert.equal(safeNext("/console/sql?sql=1"), "/console/sql?sql=1");
  });

  it("answers unknown things as HTML pages with their status, and serves its browser modules", async () => {
    const missing = await get("/console/integrations/int_doesnotexist1", admin);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<h1>Not found<\/h1>/);
    const js = await get("/console/assets/console.js", null);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /text\/javascript/);
    assert.equal((await get("/console/assets/nope.js", null)).status, 404);
    const page = await (await get("/", admin)).text();
    assert.doesNotMatch(page, /<script>/, "no inline script (the CSP allows only the console's own modules)");
  });

  it("streams a slow page (frame first, content after) and keeps the status of a fast failure", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = definePage({
      path: "/console/test-slow",
      summary: "slow",
      section: "dashboard",
      title: "Slow",
      access: "viewer",
      render: async ({ frame }) => {
        await gate;
        return frame("Slow", html`<h1>Slow content</h1>`);
      },
    });
    const late = definePage({
      path: "/console/test-late-failure",
      summary: "fails after streaming started",
      section: "dashboard",
      title: "Late",
      access: "viewer",
      render: async () => {
        await new Promise((r) => setTimeout(r, 400));
        throw new AppError("unavailable", "the rules service is not answering");
      },
    });
    const missing = definePage({
      path: "/console/test-missing",
      summary: "load says not found",
      section: "dashboard",
      title: "Missing",
      access: "viewer",
      load: async () => {
        throw new AppError("not_found", "no such thing");
      },
      render: ({ frame }) => frame("never", html``),
    });
    const app = createApp(
      { bus: h.bus, logger: createLogger("gateway", {}, { level: "silent" }), publicUrl: PUBLIC_URL },
      [dashboardPage, signInRoute, slow, late, missing],
    );
    const s = await consoleSignIn(app, PUBLIC_URL, h.adminKey);
    const res = await app.request(`${PUBLIC_URL}/console/test-slow`, { headers: { cookie: s.cookie } });
    assert.equal(res.status, 200, "the answer starts before the content is ready");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /<nav aria-label="Sections">/, "the frame comes first");
    assert.doesNotMatch(first, /Slow content/);
    release();
    let rest = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      rest += new TextDecoder().decode(chunk.value);
    }
    assert.match(rest, /<h1>Slow content<\/h1>[\s\S]*<\/html>$/);

    const failed = await app.request(`${PUBLIC_URL}/console/test-late-failure`, {
      headers: { cookie: s.cookie },
    });
    assert.equal(failed.status, 200);
    assert.match(await failed.text(), /role="alert">the rules service is not answering/);
    const notFound = await app.request(`${PUBLIC_URL}/console/test-missing`, {
      headers: { cookie: s.cookie },
    });
    assert.equal(notFound.status, 404, "load decides the status before anything is sent");
    assert.match(await notFound.text(), /no such thing/);
  });
});
