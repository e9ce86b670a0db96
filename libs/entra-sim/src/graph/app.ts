import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type Context, Hono } from "hono";
import type { DirectoryRegistry } from "../directory/index.js";
import type { IdentityPort } from "../types.js";
import { runBatch } from "./batch.js";
import type { GraphRuntime } from "./context.js";
import { createControlApp } from "./control.js";
import { GraphError } from "./errors.js";
import { Faults } from "./faults.js";
import type { GraphRequest, GraphResponse, GraphVersion } from "./http.js";
import { errorResponse, runGraphRequest, throwFault } from "./pipeline.js";
import { RequestLog, requestLogRoutes, tenantOfAuthorization } from "./request-log.js";
import { Router } from "./router.js";
import { directoryRoutes } from "./routes/directory.js";
import { m365Routes } from "./routes/m365.js";
import { reportRoutes } from "./routes/reports.js";
import { tenantRoutes } from "./routes/tenant.js";
import { Throttle } from "./throttle.js";
import { TokenCodec } from "./tokens.js";

const MAX_BODY = 4 * 1024 * 1024;

/** Graph v1.0 and beta plus the data-side /_sim/ controls; never listens (the server assembly does). */
export function createGraphApp(deps: { identity: IdentityPort; directories: DirectoryRegistry }): Hono {
  const rt: GraphRuntime = {
    identity: deps.identity,
    directories: deps.directories,
    tokens: new TokenCodec(),
    throttle: new Throttle(),
    faults: new Faults(),
  };
  const router = new Router([...directoryRoutes(), ...tenantRoutes(), ...reportRoutes(), ...m365Routes()]);
  const app = new Hono();
  app.route("/", createControlApp(rt));
  const requests = new RequestLog();
  app.route(
    "/",
    requestLogRoutes(requests, (id) => deps.directories.get(id) !== undefined),
  );

  const handle = async (c: Context, version: GraphVersion): Promise<Response> => {
    const url = new URL(c.req.url);
    const requestId = randomUUID();
    const path = url.pathname.slice(version.length + 2);
    const req: GraphRequest = {
      method: c.req.method,
      url,
      version,
      path,
      rawQuery: url.search.slice(1),
      headers: c.req.raw.headers,
      body: undefined,
      requestId,
      clientRequestId: c.req.header("client-request-id") ?? requestId,
    };
    const tenant = tenantOfAuthorization(c.req.header("authorization"));
    const batch = path === "$batch" && req.method === "POST";
    const logged = await requests.begin(
      tenant,
      c.req.method,
      `/${version}/${path}`.toLowerCase(),
      req.rawQuery,
      c.req.header("client-request-id") ?? null,
      // A batch's latency depends on how many requests it carries: runBatch waits it.
      { latency: !batch, requestId },
    );
    let res: GraphResponse;
    let malformed = false;
    try {
      req.body = await readBody(c);
      if (batch && tenant !== null) {
        // The batch is a request of its own to faults: delayed, dropped, refused or cut short whole.
        const fired = rt.faults.evaluate(tenant, "$batch", false, "batch");
        if (fired.delayMs > 0) await sleep(fired.delayMs);
        if (fired.fault?.type === "drop") {
          logged({ status: 0, bytes: 0, headers: new Headers() });
          destroySocket(c);
          return new Response(null, { status: 500 });
        }
        throwFault(fired.fault);
        malformed = fired.fault?.type === "malformedJson";
      }
      if (batch)
        res = await runBatch(rt, router, req, {
          delay: (items) => requests.batchLatency(tenant, items),
          record: (inner) =>
            requests.record(tenant, {
              method: inner.method,
              path: inner.path,
              query: inner.query,
              clientRequestId: inner.clientRequestId,
              startedAt: inner.startedAt,
              endedAt: inner.endedAt,
              status: inner.status,
              bytes: inner.bytes,
              units: Number(headerOf(inner.headers, "x-ms-resource-unit") ?? 0) || 0,
              retryAfter: headerOf(inner.headers, "retry-after"),
              batch: req.requestId,
            }),
        });
      else {
        const out = await runGraphRequest(rt, router, req);
        if ("drop" in out) {
          logged({ status: 0, bytes: 0, headers: new Headers() });
          destroySocket(c);
          return new Response(null, { status: 500 });
        }
        res = out;
      }
    } catch (err) {
      if (!(err instanceof GraphError)) {
        logged({ status: 500, bytes: 0, headers: new Headers() });
        throw err;
      }
      res = errorResponse(req, err);
    }
    let text = res.raw ?? (res.body === undefined ? null : JSON.stringify(res.body));
    if (malformed && text !== null) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    const response = new Response(text, { status: res.status, headers: res.headers });
    logged({
      status: res.status,
      bytes: text === null ? 0 : Buffer.byteLength(text, "utf8"),
      headers: response.headers,
    });
    return response;
  };

  app.all("/v1.0/*", (c) => handle(c, "v1.0"));
  app.all("/beta/*", (c) => handle(c, "beta"));
  app.all("/_sim/*", (c) =>
    c.json(
      {
        error: {
          code: "NotFound",
          message: `No control route ${c.req.method} ${c.req.path}.`,
          requestId: randomUUID(),
        },
      },
      404,
    ),
  );
  app.notFound((c) => {
    const requestId = randomUUID();
    return c.json(
      {
        error: {
          code: "BadRequest",
          message: "Invalid version.",
          innerError: {
            date: new Date().toISOString().slice(0, 19),
            "request-id": requestId,
            "client-request-id": requestId,
          },
        },
      },
      400,
      { "request-id": requestId, "client-request-id": requestId },
    );
  });
  return app;
}

function headerOf(headers: Record<string, string>, name: string): string | null {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return null;
}

async function readBody(c: Context): Promise<unknown> {
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "DELETE") return undefined;
  const text = await c.req.text();
  if (text.length > MAX_BODY)
    throw new GraphError(413, "RequestEntityTooLarge", "The request body is too large.");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError(
      400,
      "BadRequest",
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    );
  }
}

/** Dropped-connection fault: destroy the TCP/TLS socket under the request (Node adapter only). */
function destroySocket(c: Context): void {
  const env = c.env as { incoming?: { socket?: { destroy(): void } } } | undefined;
  env?.incoming?.socket?.destroy();
}
