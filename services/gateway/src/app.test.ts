import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLogger } from "@tenantlens/telemetry";
import { createApp } from "./app.js";
import { createKey } from "./routes/admin.js";
import { health } from "./routes/system.js";
import { consoleSignIn } from "./testing/console.js";
import { type Harness, PUBLIC_URL, readError, readOk, startHarness } from "./testing/harness.js";

describe("gateway app", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  it("answers /healthz without a key and sets x-request-id", async () => {
    const res = await h.call("GET", "/healthz", { key: null });
    const body = await readOk(health, res);
    assert.equal(body.nats, "connected");
    // No service publishes heartbeats in this harness: the summary says so rather than "ok".
    assert.equal(body.status, "degraded");
    assert.equal(body.services.poller.status, "missing");
    assert.equal(body.lastGenerationAgeSeconds, null);
    assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  });

  it("keeps a caller's x-request-id and puts it in error bodies", async () => {
    const res = await h.call("GET", "/nope", { headers: { "x-request-id": "trace-me-42" } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("x-request-id"), "trace-me-42");
    const body = { error: await readError(res) };
    assert.equal(body.error.code, "not_found");
    assert.equal(body.error.requestId, "trace-me-42");
    assert.match(body.error.message, /GET \/nope/);
  });

  it("answers unknown /api routes 404 in the error shape once authenticated", async () => {
    const res = await h.call("GET", "/api/nothing-here");
    assert.equal(res.status, 404);
    const body = { error: await readError(res) };
    assert.equal(body.error.code, "not_found");
    assert.equal(body.error.requestId, res.headers.get("x-request-id"));
  });

  it("rejects malformed JSON with 400 bad_request", async () => {
    const res = await h.call("POST", "/api/integrations", { raw: "{not json" });
    assert.equal(res.status, 400);
    const body = { error: await readError(res) };
    assert.equal(body.error.code, "bad_request");
    assert.match(body.error.message, /not valid JSON/);
  });

  it("rejects a missing body and schema violations with a message naming the field", async () => {
    const empty = await h.call("POST", "/api/integrations");
    assert.equal(empty.status, 400);
    const res = await h.call("POST", "/api/integrations", {
      body: { name: "x", tenantId: "not-a-guid", auth: { mode: "app", clientId: "c" } },
    });
    assert.equal(res.status, 400);
    const error = await readError(res);
    assert.equal(error.code, "bad_request");
    assert.match(error.message, /tenantId/);
    assert.match(error.message, /auth\.clientSecret/);
  });

  it("refuses bodies over the limit with 413 payload_too_large", async () => {
    const res = await h.call("POST", "/api/integrations", {
      raw: JSON.stringify({ name: "x".repeat(70 * 1024) }),
    });
    assert.equal(res.status, 413);
    assert.equal((await readError(res)).code, "payload_too_large");
  });

  it("turns unexpected exceptions into 500 internal without leaking details", async () => {
    // A fresh app: routes cannot be added once an app has matched a request.
    const app = createApp({
      bus: h.bus,
      logger: createLogger("gateway", {}, { level: "silent" }),
      publicUrl: PUBLIC_URL,
    });
    app.get("/__boom", () => {
      throw new Error("secret detail from a bug");
    });
    const res = await app.request(`${PUBLIC_URL}/__boom`);
    assert.equal(res.status, 500);
    const body = { error: await readError(res) };
    assert.equal(body.error.code, "internal");
    assert.doesNotMatch(body.error.message, /secret detail/);
    assert.equal(body.error.requestId, res.headers.get("x-request-id"));
  });

  it("answers 503 unavailable when a service does not answer", async () => {
    const lonely = await startHarness({ standIns: false });
    try {
      const res = await lonely.call("GET", "/api/integrations");
      assert.equal(res.status, 503);
      const error = await readError(res);
      assert.equal(error.code, "unavailable");
      assert.match(error.message, /auth/);
    } finally {
      await lonely.stop();
    }
  });

  it("renders the console: a sign-in form, then the workspace's dashboard", async () => {
    const anon = await h.call("GET", "/", { key: null });
    assert.equal(anon.status, 401);
    const form = await anon.text();
    assert.match(form, /name="key"/);
    assert.match(form, /name="csrf" value="[A-Za-z0-9_-]{43}"/, "the sign-in form carries a CSRF token");
    const session = await consoleSignIn(h.app, PUBLIC_URL, h.adminKey);
    const page = await h.call("GET", "/", { key: null, headers: { cookie: session.cookie } });
    assert.equal(page.status, 200);
    const text = await page.text();
    assert.match(text, /Workspace <strong>default<\/strong>/);
    assert.match(text, /<main id="main"/);
    assert.match(text, /href="#main"/, "a skip link");
    const forged = await h.app.request(`${PUBLIC_URL}/console/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: new URLSearchParams({ key: h.adminKey }).toString(),
    });
    assert.equal(forged.status, 403, "cross-site form posts are refused");
    const tokenless = await h.app.request(`${PUBLIC_URL}/console/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: PUBLIC_URL },
      body: new URLSearchParams({ key: h.adminKey }).toString(),
    });
    assert.equal(tokenless.status, 403, "a sign-in post without the form's CSRF token is refused");
  });

  it("keeps console sessions on the server: sign-out and key revocation end them", async () => {
    const signedIn = (cookie: string) =>
      h.call("GET", "/", { key: null, headers: { cookie } }).then((r) => r.status === 200);
    const session = await consoleSignIn(h.app, PUBLIC_URL, h.adminKey);
    assert.match(session.cookie, /^tl_session=[A-Za-z0-9_-]{43}$/);
    assert.ok(await signedIn(session.cookie));
    const signOut = (csrf: string) =>
      h.app.request(`${PUBLIC_URL}/console/sign-out`, {
        method: "POST",
        headers: {
          cookie: session.cookie,
          origin: PUBLIC_URL,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ csrf }).toString(),
      });
    assert.equal((await signOut("wrong")).status, 403, "sign-out needs the session's CSRF token");
    assert.ok(await signedIn(session.cookie));
    assert.equal((await signOut(session.csrf)).status, 303);
    assert.equal(await signedIn(session.cookie), false, "a signed-out session cannot be replayed");

    const temp = await readOk(
      createKey,
      await h.call("POST", "/api/keys", { body: { name: "console", role: "viewer" } }),
    );
    const tempSession = await consoleSignIn(h.app, PUBLIC_URL, temp.key);
    assert.ok(await signedIn(tempSession.cookie));
    await h.call("DELETE", `/api/keys/${temp.id}`);
    assert.equal(await signedIn(tempSession.cookie), false, "revoking the key ends its sessions");
    assert.equal(await signedIn("tl_session=forged-session-id-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), false);
  });

  it("sends security headers and serves the console only under PUBLIC_URL's host", async () => {
    for (const path of ["/", "/api/whoami", "/healthz"]) {
      const res = await h.call("GET", path);
      assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'self'/, path);
      assert.match(res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/, path);
      assert.equal(res.headers.get("x-frame-options"), "DENY", path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer", path);
    }
    const rebound = await h.app.request("http://evil.example:18080/", {
      headers: { host: "evil.example:18080" },
    });
    assert.equal(rebound.status, 400);
    assert.match((await readError(rebound)).message, /served at http:\/\/127\.0\.0\.1:18080/);
  });

  it("limits each key's request rate with 429 and Retry-After, without touching other keys", async () => {
    const limited = await startHarness({ standIns: true, rateLimitPerMinute: 60 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await limited.call("GET", "/api/whoami")).status);
      // A burst of a sixth of the minute's allowance (10), then 429.
      assert.deepEqual(statuses, [...Array(10).fill(200), 429, 429]);
      const res = await limited.call("GET", "/api/whoami");
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "1");
      assert.equal((await readError(res)).code, "rate_limited");
      assert.equal((await limited.call("GET", "/api/whoami", { key: limited.memberKey })).status, 200);
    } finally {
      await limited.stop();
    }
  });
});
