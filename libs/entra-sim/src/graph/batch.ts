import { randomUUID } from "node:crypto";
import { formatIssues } from "@tenantlens/contracts";
import { z } from "zod";
import type { GraphRuntime } from "./context.js";
import { GraphError } from "./errors.js";
import { type GraphRequest, type GraphResponse, json } from "./http.js";
import { authenticate, baseHeaders, runGraphRequest } from "./pipeline.js";
import type { LoggedRequest } from "./request-log.js";
import type { Router } from "./router.js";

/**
 * JSON batching: up to 20 requests, each run through the full pipeline (so each is throttled,
 * charged, refused for a permission or licence on its own and can answer 429 with its own
 * Retry-After while the batch succeeds), `dependsOn` sequencing with 424 on a failed dependency,
 * responses in request order. Reads page like single requests: a sub-response's body carries the
 * absolute `@odata.nextLink`, which the client sends back in a later batch (relative to the version).
 */

/** What the transport adds around a batch: its injected latency and a log entry per sub-request. */
export interface BatchHooks {
  /** Waits the batch's latency, given how many sub-requests it carries (they run side by side). */
  delay?(items: number): Promise<void>;
  /** Called once per sub-request answered (424s for failed dependencies included). */
  record?(inner: SubRequestRecord): void;
}

/** What the request log keeps of one sub-request, plus the headers of its answer. */
export type SubRequestRecord = Pick<
  LoggedRequest,
  "method" | "path" | "query" | "clientRequestId" | "startedAt" | "endedAt" | "status" | "bytes"
> & { headers: Record<string, string> };

const clock = () => performance.timeOrigin + performance.now();

const MAX_REQUESTS = 20;

const batchSchema = z.object({
  requests: z
    .array(
      z.object({
        id: z.string().min(1).max(256),
        method: z.string().min(1).max(10),
        url: z.string().min(1).max(8192),
        headers: z.record(z.string(), z.string()).optional(),
        body: z.unknown().optional(),
        dependsOn: z.array(z.string()).optional(),
      }),
    )
    .min(1),
});

export async function runBatch(
  rt: GraphRuntime,
  router: Router,
  outer: GraphRequest,
  hooks: BatchHooks = {},
): Promise<GraphResponse> {
  // The batch's token is checked before anything in it runs (a refused token refuses the batch).
  await authenticate(rt, outer);
  const parsed = batchSchema.safeParse(outer.body);
  if (!parsed.success) {
    throw new GraphError(400, "BadRequest", `Invalid batch payload format: ${formatIssues(parsed.error)}`);
  }
  const requests = parsed.data.requests;
  if (requests.length > MAX_REQUESTS) {
    throw new GraphError(
      400,
      "BadRequest",
      `Number of requests in a batch cannot exceed ${MAX_REQUESTS}, got ${requests.length}.`,
    );
  }
  const ids = new Set<string>();
  for (const r of requests) {
    if (ids.has(r.id))
      throw new GraphError(
        400,
        "BadRequest",
        `Request id '${r.id}' is duplicated; batch request ids must be unique.`,
      );
    ids.add(r.id);
  }
  for (const r of requests) {
    for (const d of r.dependsOn ?? []) {
      if (!ids.has(d) || d === r.id)
        throw new GraphError(400, "BadRequest", `Request '${r.id}' depends on unknown request '${d}'.`);
    }
  }

  await hooks.delay?.(requests.length);
  const results = new Map<
    string,
    { id: string; status: number; headers: Record<string, string>; body?: unknown }
  >();
  for (const r of requests) {
    const startedAt = clock();
    const failedDep = (r.dependsOn ?? []).find((d) => (results.get(d)?.status ?? 424) >= 400);
    const res =
      failedDep !== undefined
        ? {
            id: r.id,
            status: 424,
            headers: { "content-type": "application/json" },
            body: {
              error: {
                code: "FailedDependency",
                message: `The request depends on request '${failedDep}', which failed.`,
              },
            },
          }
        : await runInner(rt, router, outer, r);
    results.set(r.id, res);
    if (hooks.record) {
      const url = r.url.trim().replace(/^\/+/, "");
      const q = url.indexOf("?");
      const text =
        res.body === undefined ? null : typeof res.body === "string" ? res.body : JSON.stringify(res.body);
      hooks.record({
        method: r.method.toUpperCase(),
        path: `/${outer.version}/${q < 0 ? url : url.slice(0, q)}`.toLowerCase(),
        query: q < 0 ? "" : url.slice(q + 1),
        clientRequestId: new Headers(r.headers ?? {}).get("client-request-id"),
        startedAt,
        endedAt: clock(),
        status: res.status,
        bytes: text === null ? 0 : Buffer.byteLength(text, "utf8"),
        headers: res.headers,
      });
    }
  }
  return json(200, { responses: requests.map((r) => results.get(r.id)!) }, baseHeaders(outer));
}

async function runInner(
  rt: GraphRuntime,
  router: Router,
  outer: GraphRequest,
  r: z.infer<typeof batchSchema>["requests"][number],
): Promise<{ id: string; status: number; headers: Record<string, string>; body?: unknown }> {
  const requestId = randomUUID();
  const url = r.url.trim();
  if (/^[a-z]+:\/\//i.test(url)) {
    return {
      id: r.id,
      status: 400,
      headers: { "content-type": "application/json" },
      body: {
        error: {
          code: "BadRequest",
          message: "Batch request URLs must be relative to the version, e.g. /users.",
        },
      },
    };
  }
  const rel = url.replace(/^\/+/, "");
  const q = rel.indexOf("?");
  const headers = new Headers(r.headers ?? {});
  headers.set("authorization", outer.headers.get("authorization") ?? "");
  const inner: GraphRequest = {
    method: r.method.toUpperCase(),
    url: new URL(`${outer.url.origin}/${outer.version}/${rel}`),
    version: outer.version,
    path: q < 0 ? rel : rel.slice(0, q),
    rawQuery: q < 0 ? "" : rel.slice(q + 1),
    headers,
    body: r.body,
    requestId,
    clientRequestId: headers.get("client-request-id") ?? requestId,
  };
  const res = await runGraphRequest(rt, router, inner, { inner: true });
  if ("drop" in res) return { id: r.id, status: 500, headers: {}, body: undefined };
  const out: { id: string; status: number; headers: Record<string, string>; body?: unknown } = {
    id: r.id,
    status: res.status,
    headers: res.headers,
  };
  if (res.body !== undefined) out.body = res.body;
  else if (res.raw !== undefined) out.body = res.raw;
  return out;
}
