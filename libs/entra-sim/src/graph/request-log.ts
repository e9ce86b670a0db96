import { setTimeout as sleep } from "node:timers/promises";
import { formatIssues } from "@tenantlens/contracts";
import { type Context, Hono } from "hono";
import { z } from "zod";

/**
 * The simulator's own account of the Graph requests it answered, per tenant: when each arrived and
 * ended, its status, the bytes of its body, its resource units and Retry-After, and the most
 * requests of one path that were in flight at once. Clients' accounting and pacing are checked
 * against it (requests made, 429s honoured, no resource read twice at once). Also injects a
 * Graph-like latency per page (uniform between `minMs` and `maxMs`), globally or per tenant; a
 * `$batch` takes the longest of one draw per sub-request, and each sub-request is logged as well.
 */

export interface LoggedRequest {
  seq: number;
  tenantId: string | null;
  method: string;
  /** `/v1.0/users/delta`: version and path, lower case, without the query. */
  path: string;
  /** The raw query string (without `?`). */
  query: string;
  /** The client's `client-request-id` header (a client's retries of one request repeat it). */
  clientRequestId: string | null;
  /** Epoch milliseconds (fractional) when the request arrived and when its answer was ready. */
  startedAt: number;
  endedAt: number;
  status: number;
  /** UTF-8 bytes of the response body. */
  bytes: number;
  /** x-ms-resource-unit of the answer (0 when it had none). */
  units: number;
  retryAfter: string | null;
  /**
   * Set on the sub-requests of a `$batch`: the `request-id` of the batch that carried them. Each
   * sub-request is logged on its own (Graph evaluates and charges them one by one); the batch itself
   * is one more entry (path `/v1.0/$batch`, `batch` null), the one HTTP request a client sent.
   */
  batch: string | null;
  /**
   * The `request-id` the simulator gave the answer of an HTTP request (a `$batch`'s is what its
   * sub-requests name in `batch`); null on sub-requests.
   */
  requestId: string | null;
}

/**
 * The most of `requests` in flight at once, from their logged start and end (an end and a start
 * at the same instant do not overlap). Pass the HTTP requests (`batch === null`) to count what a
 * client had open; `$batch` sub-requests travel inside their batch.
 */
export function peakInFlight(requests: readonly LoggedRequest[]): number {
  const edges = requests.flatMap((r): [number, number][] => [
    [r.startedAt, 1],
    [r.endedAt, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) {
    now += d;
    peak = Math.max(peak, now);
  }
  return peak;
}

export interface Latency {
  minMs: number;
  maxMs: number;
}

/** Entries kept per tenant (the oldest are dropped beyond it). */
const MAX_ENTRIES = 500_000;

export class RequestLog {
  private seq = 0;
  private readonly entries = new Map<string, LoggedRequest[]>();
  private readonly inFlight = new Map<string, number>();
  private readonly maxInFlight = new Map<string, Map<string, number>>();
  private globalLatency: Latency | null = null;
  private readonly tenantLatency = new Map<string, Latency>();

  /** A request arrived: counts it in flight, then waits the injected latency. Call `end` once answered. */
  async begin(
    tenantId: string | null,
    method: string,
    path: string,
    query = "",
    clientRequestId: string | null = null,
    opts: { latency?: boolean; requestId?: string } = {},
  ): Promise<(res: Answer) => void> {
    const startedAt = performance.timeOrigin + performance.now();
    const key = `${tenantId ?? ""}|${path}`;
    const now = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, now);
    if (tenantId !== null) {
      let peaks = this.maxInFlight.get(tenantId);
      if (!peaks) {
        peaks = new Map();
        this.maxInFlight.set(tenantId, peaks);
      }
      peaks.set(path, Math.max(peaks.get(path) ?? 0, now));
    }
    const latency = opts.latency === false ? null : this.latency(tenantId);
    let ended = false;
    const end = (res: Answer) => {
      if (ended) return;
      ended = true;
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
      if (tenantId === null) return;
      this.push(tenantId, {
        method,
        path,
        query,
        clientRequestId,
        startedAt,
        endedAt: performance.timeOrigin + performance.now(),
        status: res.status,
        bytes: res.bytes,
        units: Number(res.headers.get("x-ms-resource-unit") ?? 0) || 0,
        retryAfter: res.headers.get("retry-after"),
        batch: null,
        requestId: opts.requestId ?? null,
      });
    };
    if (latency) {
      const ms = latency.minMs + Math.random() * (latency.maxMs - latency.minMs);
      if (ms > 0) await sleep(ms);
    }
    return end;
  }

  /**
   * The injected latency of a `$batch` of `items` sub-requests: Graph runs them side by side, so
   * the batch answers when the slowest has: the longest of one draw per sub-request.
   */
  async batchLatency(tenantId: string | null, items: number): Promise<void> {
    const latency = this.latency(tenantId);
    if (!latency || items < 1) return;
    let ms = 0;
    for (let k = 0; k < items; k++)
      ms = Math.max(ms, latency.minMs + Math.random() * (latency.maxMs - latency.minMs));
    if (ms > 0) await sleep(ms);
  }

  /** One sub-request of a `$batch` (answered inside it; not a connection of its own). */
  record(tenantId: string | null, entry: Omit<LoggedRequest, "seq" | "tenantId" | "requestId">): void {
    if (tenantId !== null) this.push(tenantId, { ...entry, requestId: null });
  }

  private push(tenantId: string, entry: Omit<LoggedRequest, "seq" | "tenantId">): void {
    let list = this.entries.get(tenantId);
    if (!list) {
      list = [];
      this.entries.set(tenantId, list);
    }
    if (list.length >= MAX_ENTRIES) list.splice(0, list.length - MAX_ENTRIES + 1);
    list.push({ seq: ++this.seq, tenantId, ...entry });
  }

  list(tenantId: string, after: number): LoggedRequest[] {
    return (this.entries.get(tenantId) ?? []).filter((e) => e.seq > after);
  }

  peaks(tenantId: string): Record<string, number> {
    return Object.fromEntries(this.maxInFlight.get(tenantId) ?? []);
  }

  clear(tenantId: string): void {
    this.entries.delete(tenantId);
    this.maxInFlight.delete(tenantId);
  }

  setLatency(tenantId: string | null, latency: Latency | null): void {
    if (tenantId === null) this.globalLatency = latency;
    else if (latency === null) this.tenantLatency.delete(tenantId);
    else this.tenantLatency.set(tenantId, latency);
  }

  latency(tenantId: string | null): Latency | null {
    return (tenantId === null ? null : this.tenantLatency.get(tenantId)) ?? this.globalLatency;
  }
}

export interface Answer {
  status: number;
  bytes: number;
  headers: Headers;
}

/** The tenant a bearer token names (its `tid` claim), read without verifying: only for the log. */
export function tenantOfAuthorization(header: string | undefined): string | null {
  const m = /^Bearer\s+[^.\s]+\.([^.\s]+)\.[^.\s]*\s*$/i.exec(header ?? "");
  if (!m?.[1]) return null;
  try {
    const claims = JSON.parse(Buffer.from(m[1], "base64url").toString("utf8")) as { tid?: unknown };
    return typeof claims.tid === "string" ? claims.tid : null;
  } catch {
    return null;
  }
}

const latencySchema = z
  .object({ minMs: z.number().min(0).max(60_000), maxMs: z.number().min(0).max(60_000) })
  .strict()
  .refine((l) => l.maxMs >= l.minMs, { message: "maxMs must not be below minMs" });

/** /_sim/ routes of the log: GET/DELETE `<tenant>/requests`, PUT/DELETE `latency` (global or per tenant). */
export function requestLogRoutes(log: RequestLog, tenantExists: (tenantId: string) => boolean): Hono {
  const app = new Hono();
  const t = "/_sim/tenants/:tenantId";
  const tenant = (c: Context): string | Response => {
    const id = c.req.param("tenantId") ?? "";
    if (tenantExists(id)) return id;
    return c.json({ error: { code: "TenantNotFound", message: `No simulated tenant '${id}'.` } }, 404);
  };
  app.get(`${t}/requests`, (c) => {
    const id = tenant(c);
    if (typeof id !== "string") return id;
    const after = Number(c.req.query("after") ?? "0");
    if (!Number.isInteger(after) || after < 0)
      return c.json(
        { error: { code: "ValidationError", message: "after: expected a non-negative integer" } },
        400,
      );
    return c.json({ requests: log.list(id, after), maxConcurrent: log.peaks(id) });
  });
  app.delete(`${t}/requests`, (c) => {
    const id = tenant(c);
    if (typeof id !== "string") return id;
    log.clear(id);
    return c.body(null, 204);
  });
  const latencyRoutes = (path: string, tenantOf: (c: Context) => string | null | Response) => {
    app.get(path, (c) => {
      const id = tenantOf(c);
      if (id instanceof Response) return id;
      return c.json({ latency: log.latency(id) });
    });
    app.put(path, async (c) => {
      const id = tenantOf(c);
      if (id instanceof Response) return id;
      let raw: unknown;
      try {
        raw = JSON.parse((await c.req.text()) || "{}");
      } catch {
        return c.json(
          { error: { code: "InvalidJson", message: "The request body is not valid JSON." } },
          400,
        );
      }
      const parsed = latencySchema.safeParse(raw);
      if (!parsed.success)
        return c.json({ error: { code: "ValidationError", message: formatIssues(parsed.error) } }, 400);
      log.setLatency(id, parsed.data);
      return c.json({ latency: parsed.data });
    });
    app.delete(path, (c) => {
      const id = tenantOf(c);
      if (id instanceof Response) return id;
      log.setLatency(id, null);
      return c.body(null, 204);
    });
  };
  latencyRoutes("/_sim/latency", () => null);
  latencyRoutes(`${t}/latency`, tenant);
  return app;
}
