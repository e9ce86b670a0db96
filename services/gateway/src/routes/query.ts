import {
  AppError,
  QueryExamplesList,
  QueryExecute,
  QueryHistoryList,
  QueryOutcome,
  type ResultFormat,
  SavedQueryCreate,
  SavedQueryDelete,
  SavedQueryGet,
  SavedQueryId,
  SavedQueryList,
  SavedQueryUpdate,
  TablesList,
} from "@tenantlens/contracts";
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { AppEnv, GatewayDeps } from "../env.js";
import { readJson, readQuery } from "../http/body.js";

/** POST /api/query body (DESIGN.md). The workspace always comes from the API key, never the body. */
export const QueryBody = z
  .object({
    sql: z.string().min(1, "sql is required").max(100_000),
    maxRows: z.number().int().min(1).max(1_000_000).optional(),
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
  })
  .strict();

export const HistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1_000).default(50),
  actor: z.string().min(1).max(200).optional(),
  outcome: QueryOutcome.optional(),
});

export const SavedQueryBody = z
  .object({
    name: z.string().trim().min(1, "name is required").max(120),
    description: z.string().trim().max(2_000).default(""),
    sql: z.string().trim().min(1, "sql is required").max(100_000),
  })
  .strict();

export const SavedQueryPatchBody = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(2_000).optional(),
    sql: z.string().trim().min(1).max(100_000).optional(),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.description !== undefined || b.sql !== undefined, {
    message: "nothing to change: give name, description or sql",
  });

/** Download formats by media type; application/json is the default answer. */
const MEDIA_TYPES: ReadonlyArray<[string, ResultFormat]> = [
  ["application/json", "json"],
  ["text/csv", "csv"],
  ["application/x-ndjson", "ndjson"],
  ["application/vnd.apache.parquet", "parquet"],
  ["application/parquet", "parquet"],
];

const EXTENSIONS: Record<ResultFormat, string> = {
  json: "json",
  csv: "csv",
  ndjson: "ndjson",
  parquet: "parquet",
};

/** NATS wait beyond the query's own time limit (the query service enforces the limit). */
const REPLY_MARGIN_MS = 15_000;
const MAX_QUERY_MS = 600_000;

/**
 * The result format an Accept header asks for: the supported type with the highest q-value (an exact
 * type beats a wildcard at equal q); JSON when the header is absent or only wildcards match.
 */
export function formatFromAccept(accept: string | undefined): ResultFormat {
  if (!accept || accept.trim() === "") return "json";
  const ranges = accept.split(",").map((part) => {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const qv = q ? Number(q.slice(2)) : 1;
    return { type: type.trim(), q: Number.isFinite(qv) ? qv : 0 };
  });
  let best: { format: ResultFormat; q: number; exact: boolean } | undefined;
  for (const [media, format] of MEDIA_TYPES) {
    const [major] = media.split("/");
    for (const r of ranges) {
      const exact = r.type === media;
      const matches = exact || r.type === "*/*" || r.type === `${major}/*`;
      if (!matches || r.q <= 0) continue;
      if (!best || r.q > best.q || (r.q === best.q && exact && !best.exact)) best = { format, q: r.q, exact };
    }
  }
  if (!best) {
    throw new AppError(
      "bad_request",
      `cannot answer in ${accept}: ask for application/json, text/csv, application/x-ndjson or application/vnd.apache.parquet`,
    );
  }
  return best.format;
}

function savedQueryId(raw: string): string {
  const id = SavedQueryId.safeParse(raw);
  if (!id.success) throw new AppError("not_found", `No saved query ${raw} in this workspace.`);
  return id.data;
}

/** Analyst SQL, tables, history, saved queries and examples: thin over the query service. */
export function queryRoutes(deps: GatewayDeps): Hono<AppEnv> {
  const { bus } = deps;
  const app = new Hono<AppEnv>();

  async function blob(bucket: string, key: string): Promise<Uint8Array<ArrayBuffer>> {
    const bytes = await bus.getBlob(bucket, key);
    if (!bytes)
      throw new AppError("unavailable", "the query result expired before it could be sent; run it again");
    // Hono wants an ArrayBuffer-backed array; the object store's already is, so no copy then.
    return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  }

  function resultHeaders(
    c: Context<AppEnv>,
    r: { queryId: string; generationId: number; rowCount: number; truncated: boolean },
  ) {
    c.header("X-Query-Id", r.queryId);
    c.header("X-Generation-Id", String(r.generationId));
    c.header("X-Row-Count", String(r.rowCount));
    c.header("X-Truncated", String(r.truncated));
  }

  app.post("/query", async (c) => {
    const input = await readJson(c, QueryBody);
    const format = formatFromAccept(c.req.header("accept"));
    const { workspaceId, keyId } = c.get("principal");
    const res = await bus.request(
      QueryExecute,
      {
        workspaceId,
        actor: keyId,
        format,
        sql: input.sql,
        maxRows: input.maxRows,
        timeoutMs: input.timeoutMs,
      },
      { timeoutMs: (input.timeoutMs ?? MAX_QUERY_MS) + REPLY_MARGIN_MS },
    );
    resultHeaders(c, res);
    const meta = { rowCount: res.rowCount, truncated: res.truncated, durationMs: res.durationMs };
    if (format === "json") {
      if (res.rows) return c.json({ columns: res.columns, rows: res.rows, ...meta });
      if (!res.resultRef) throw new AppError("internal", "query answer carried neither rows nor a result");
      // Large answers: the stored rows array is spliced in as is, never parsed here.
      const rows = Buffer.from(await blob(res.resultRef.bucket, res.resultRef.key)).toString("utf8");
      const head = JSON.stringify({ columns: res.columns }).slice(0, -1);
      const tail = JSON.stringify(meta).slice(1);
      return c.body(`${head},"rows":${rows},${tail}`, 200, { "content-type": "application/json" });
    }
    if (!res.resultRef) throw new AppError("internal", "query answer carried no result file");
    const bytes = await blob(res.resultRef.bucket, res.resultRef.key);
    return c.body(bytes, 200, {
      "content-type": res.resultRef.contentType,
      "content-disposition": `attachment; filename="query-${res.queryId}.${EXTENSIONS[format]}"`,
    });
  });

  app.get("/tables", async (c) => {
    const { workspaceId } = c.get("principal");
    return c.json(await bus.request(TablesList, { workspaceId }));
  });

  app.get("/queries/history", async (c) => {
    const q = readQuery(c, HistoryQuery);
    const { workspaceId } = c.get("principal");
    return c.json(await bus.request(QueryHistoryList, { workspaceId, ...q }));
  });

  app.get("/examples", async (c) => c.json(await bus.request(QueryExamplesList, {})));

  app.get("/saved-queries", async (c) => {
    const { workspaceId } = c.get("principal");
    return c.json(await bus.request(SavedQueryList, { workspaceId }));
  });

  app.post("/saved-queries", async (c) => {
    const input = await readJson(c, SavedQueryBody);
    const { workspaceId, keyId } = c.get("principal");
    const res = await bus.request(SavedQueryCreate, { ...input, workspaceId, actor: keyId });
    return c.json(res.savedQuery, 201);
  });

  app.get("/saved-queries/:id", async (c) => {
    const id = savedQueryId(c.req.param("id"));
    const { workspaceId } = c.get("principal");
    return c.json((await bus.request(SavedQueryGet, { workspaceId, id })).savedQuery);
  });

  app.patch("/saved-queries/:id", async (c) => {
    const id = savedQueryId(c.req.param("id"));
    const patch = await readJson(c, SavedQueryPatchBody);
    const { workspaceId } = c.get("principal");
    return c.json((await bus.request(SavedQueryUpdate, { workspaceId, id, ...patch })).savedQuery);
  });

  app.delete("/saved-queries/:id", async (c) => {
    const id = savedQueryId(c.req.param("id"));
    const { workspaceId } = c.get("principal");
    return c.json(await bus.request(SavedQueryDelete, { workspaceId, id }));
  });

  return app;
}
