import { formatIssues } from "@tenantlens/contracts";
import { z } from "zod";

/**
 * Graph JSON batching (`POST /<version>/$batch`): up to 20 requests in one HTTP request, each
 * answered with its own status, headers and body. Graph evaluates, charges and throttles every
 * sub-request on its own: a 429 inside a batch carries its own `Retry-After`, and paging works as
 * for a single request (the sub-response's body holds an absolute `@odata.nextLink`, sent again in a
 * later batch relative to the version).
 */

/** Graph's limit of requests per batch. */
export const MAX_BATCH_REQUESTS = 20;

export interface BatchItem {
  /** Unique within the batch. */
  id: string;
  /** Absolute Graph URL of the GET (first page or nextLink). */
  url: string;
  /** Per sub-request headers (e.g. its own `client-request-id`, kept by its retries). */
  headers?: Record<string, string>;
}

export interface BatchAnswer {
  id: string;
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: unknown;
}

const BatchResponse = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number().int(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
    }),
  ),
});

/** The batch endpoint of one Graph version (`<endpoint>/v1.0/$batch`). */
export function batchUrl(graphEndpoint: string, version: string): string {
  return `${graphEndpoint.replace(/\/+$/, "")}/${version}/$batch`;
}

/**
 * A sub-request's URL relative to the version (`/groups/…/owners?$top=…`), or null when the URL
 * is not under `<endpoint>/<version>/` (another host or version cannot go into this batch).
 */
export function relativeUrl(url: string, graphEndpoint: string, version: string): string | null {
  let u: URL;
  let base: URL;
  try {
    u = new URL(url);
    base = new URL(graphEndpoint);
  } catch {
    return null;
  }
  const prefix = `${base.pathname.replace(/\/+$/, "")}/${version}/`;
  if (u.origin !== base.origin || !u.pathname.startsWith(prefix)) return null;
  return `/${u.pathname.slice(prefix.length)}${u.search}`;
}

/** The JSON body of a batch of GETs (URLs already relative to the version). */
export function batchBody(items: readonly { id: string; url: string; headers?: Record<string, string> }[]): {
  requests: { id: string; method: "GET"; url: string; headers?: Record<string, string> }[];
} {
  if (items.length === 0 || items.length > MAX_BATCH_REQUESTS)
    throw new Error(`a batch holds 1 to ${MAX_BATCH_REQUESTS} requests, not ${items.length}`);
  return {
    requests: items.map((i) => ({
      id: i.id,
      method: "GET",
      url: i.url,
      ...(i.headers ? { headers: i.headers } : {}),
    })),
  };
}

export class MalformedBatchAnswer extends Error {
  override name = "MalformedBatchAnswer";
}

/**
 * The answers of a batch, one per id asked for (in the order asked). An answer that is not Graph's
 * batch shape, or that lacks an id that was sent, is malformed: the whole batch failed.
 */
export function parseBatchAnswer(body: unknown, ids: readonly string[]): BatchAnswer[] {
  const parsed = BatchResponse.safeParse(body);
  if (!parsed.success)
    throw new MalformedBatchAnswer(`$batch answered without its responses: ${formatIssues(parsed.error)}`);
  const byId = new Map(parsed.data.responses.map((r) => [r.id, r]));
  return ids.map((id) => {
    const r = byId.get(id);
    if (!r) throw new MalformedBatchAnswer(`$batch answered no response for request '${id}'`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
    return { id, status: r.status, headers, body: r.body };
  });
}

/** Graph's error code and message from a sub-response body (`{error: {code, message}}`). */
export function subError(answer: BatchAnswer): { code: string | null; message: string } {
  const e = (answer.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof e?.code === "string" ? e.code : null;
  const message = typeof e?.message === "string" && e.message !== "" ? e.message : `HTTP ${answer.status}`;
  return { code, message };
}

/**
 * What a batch answer says about throttling, read from its raw JSON (the transport's view: any
 * shape it cannot read counts nothing): sub-requests answered, 429s among them with their
 * Retry-After values, and resource units charged.
 */
export function batchTally(body: unknown): {
  answered: number;
  throttled: (string | null)[];
  units: number;
} {
  const parsed = BatchResponse.safeParse(body);
  if (!parsed.success) return { answered: 0, throttled: [], units: 0 };
  const throttled: (string | null)[] = [];
  let units = 0;
  for (const r of parsed.data.responses) {
    const h = new Map(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const u = Number(h.get("x-ms-resource-unit") ?? "");
    if (Number.isFinite(u) && u > 0) units += Math.round(u);
    if (r.status === 429) throttled.push(h.get("retry-after") ?? null);
  }
  return { answered: parsed.data.responses.length, throttled, units };
}
