import type { Bus } from "@tenantlens/bus";
import {
  AppError,
  QueryExamplesList,
  QueryExecute,
  QueryHistoryList,
  QueryResultRead,
  type ResultFormat,
  SavedQuery,
  SavedQueryCreate,
  SavedQueryDelete,
  SavedQueryGet,
  SavedQueryList,
  SavedQueryUpdate,
  TablesList,
} from "@tenantlens/contracts";
import type { Context } from "hono";
import { accepts } from "hono/accepts";
import { parseAccept } from "hono/utils/accept";
import { defineRoute } from "../http/route.js";
import {
  HistoryQuery,
  QueryBody,
  QueryResult,
  SavedQueryBody,
  SavedQueryParams,
  SavedQueryPatchBody,
} from "../schemas.js";

/** Download formats by media type; application/json is the default answer. */
const FORMAT_OF: Readonly<Record<string, ResultFormat>> = {
  "application/json": "json",
  "text/csv": "csv",
  "application/x-ndjson": "ndjson",
  "application/vnd.apache.parquet": "parquet",
  "application/parquet": "parquet",
};
const MEDIA_TYPES = Object.keys(FORMAT_OF);
const NOTHING = "";

const EXTENSIONS: Record<ResultFormat, string> = {
  json: "json",
  csv: "csv",
  ndjson: "ndjson",
  parquet: "parquet",
};

/** Content types of the answers that come back as text. */
const TEXT_TYPES: Record<Exclude<ResultFormat, "parquet">, string> = {
  json: "application/json",
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson",
};

/** NATS wait beyond the query's own time limit (the query service enforces the limit). */
const REPLY_MARGIN_MS = 15_000;
const MAX_QUERY_MS = 600_000;

/**
 * The result format the Accept header asks for (Hono's negotiation: highest q, then the most
 * specific range); JSON when the header is absent or only wildcards match; bad_request when it
 * names only types we cannot produce.
 */
export function formatFromAccept(c: Context): ResultFormat {
  const chosen = accepts(c, { header: "Accept", supports: MEDIA_TYPES, default: NOTHING });
  if (chosen !== NOTHING) return FORMAT_OF[chosen] as ResultFormat;
  const accept = c.req.header("Accept")?.trim();
  const wildcard = accept && parseAccept(accept).some((r) => r.q > 0 && (r.type === "*/*" || r.type === "*"));
  if (!accept || wildcard) return "json";
  throw new AppError(
    "bad_request",
    `cannot answer in ${accept}: ask for application/json, text/csv, application/x-ndjson or application/vnd.apache.parquet`,
  );
}

async function blob(bus: Bus, bucket: string, key: string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = await bus.getBlob(bucket, key);
  if (!bytes)
    throw new AppError("unavailable", "the query result expired before it could be sent; run it again");
  // Hono wants an ArrayBuffer-backed array; the object store's already is, so no copy then.
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

const encoder = new TextEncoder();

/**
 * The body of a streamed answer: `head` and the first part, then each part from the query service
 * in order, then the tail written from the last part's counts; the next parts are asked for while
 * the current one is sent. Parts are bytes, passed on as they come (never decoded here). A part that
 * fails (the query timed out midway, say) aborts the response: the client sees a broken transfer,
 * never a silently short answer.
 */
function streamParts(
  bus: Bus,
  ref: { workspaceId: string; streamId: string; waitMs: number },
  text: { head: string; first: Uint8Array; tail(last: { rowCount: number; truncated: boolean }): string },
): ReadableStream<Uint8Array> {
  let seq = 1;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (text.head) controller.enqueue(encoder.encode(text.head));
        controller.enqueue(text.first);
      },
      async pull(controller) {
        const part = await bus.request(
          QueryResultRead,
          { workspaceId: ref.workspaceId, streamId: ref.streamId, seq },
          { timeoutMs: ref.waitMs },
        );
        seq += 1;
        if (part.body.length > 0) controller.enqueue(part.body);
        if (part.done) {
          const tail = text.tail(part);
          if (tail) controller.enqueue(encoder.encode(tail));
          controller.close();
        }
      },
    },
    PREFETCH,
  );
}

/** `head`, the answer's bytes and `tail` as one body. */
function spliced(head: string, body: Uint8Array, tail: string): Uint8Array<ArrayBuffer> {
  const h = encoder.encode(head);
  const t = encoder.encode(tail);
  const out = new Uint8Array(h.length + body.length + t.length);
  out.set(h);
  out.set(body, h.length);
  out.set(t, h.length + body.length);
  return out;
}

/**
 * Parts the gateway asks for ahead of the client: the next part's round trip overlaps the sending
 * of the current one. Each part is at most ~256 K characters, so a stream holds about 1 MB at most.
 */
const PREFETCH = new CountQueuingStrategy({ highWaterMark: 3 });

const tags = ["query"] as const;

export const runQuery = defineRoute({
  method: "POST",
  path: "/api/query",
  summary:
    "Read-only SQL over the workspace's tables; Accept text/csv, application/x-ndjson or application/vnd.apache.parquet downloads the result",
  tags,
  access: "analyst",
  body: QueryBody,
  calls: [QueryExecute, QueryResultRead],
  success: {
    status: 200,
    schema: QueryResult,
    contentTypes: ["text/csv", "application/x-ndjson", "application/vnd.apache.parquet"],
  },
  handler: async (c, { body, principal }, { bus, memberMaxQueryMs = 60_000 }) => {
    const format = formatFromAccept(c);
    if (principal.role !== "admin" && (body.timeoutMs ?? 0) > memberMaxQueryMs) {
      throw new AppError(
        "bad_request",
        `timeoutMs: this key may give a query at most ${memberMaxQueryMs} ms; an admin key may ask for more`,
      );
    }
    const waitMs = (body.timeoutMs ?? MAX_QUERY_MS) + REPLY_MARGIN_MS;
    const res = await bus.request(
      QueryExecute,
      {
        workspaceId: principal.workspaceId,
        actor: principal.keyId,
        format,
        sql: body.sql,
        maxRows: body.maxRows,
        timeoutMs: body.timeoutMs,
        // JSON, CSV and NDJSON come back as text, in parts while the worker produces them.
        stream: format !== "parquet",
      },
      { timeoutMs: waitMs },
    );
    const repliedAt = Date.now();
    c.header("X-Query-Id", res.queryId);
    c.header("X-Generation-Id", String(res.generationId));
    if (res.body !== undefined && format !== "parquet") {
      const headers: Record<string, string> = { "content-type": TEXT_TYPES[format] };
      if (format !== "json")
        headers["content-disposition"] = `attachment; filename="query-${res.queryId}.${EXTENSIONS[format]}"`;
      const head =
        format === "json" ? `${JSON.stringify({ columns: res.columns }).slice(0, -1)},"rows":` : "";
      const tail = (meta: { rowCount: number; truncated: boolean; durationMs: number }) =>
        format === "json" ? `,${JSON.stringify(meta).slice(1)}` : "";
      if (res.streamId === undefined) {
        // The whole answer in one reply: counts known up front, the rows' text spliced in unparsed.
        c.header("X-Row-Count", String(res.rowCount));
        c.header("X-Truncated", String(res.truncated));
        const meta = { rowCount: res.rowCount, truncated: res.truncated, durationMs: res.durationMs };
        return c.body(spliced(head, res.body, tail(meta)), 200, headers);
      }
      // Streamed: the first part leaves now, the rest as the query service produces it. The counts
      // are known only at the end (in the JSON body's tail; downloads carry no X-Row-Count then).
      return c.body(
        streamParts(
          bus,
          { workspaceId: principal.workspaceId, streamId: res.streamId, waitMs },
          {
            head,
            first: res.body,
            tail: (last) =>
              tail({
                rowCount: last.rowCount,
                truncated: last.truncated,
                durationMs: res.durationMs + (Date.now() - repliedAt),
              }),
          },
        ),
        200,
        headers,
      );
    }
    c.header("X-Row-Count", String(res.rowCount));
    c.header("X-Truncated", String(res.truncated));
    const meta = { rowCount: res.rowCount, truncated: res.truncated, durationMs: res.durationMs };
    // Rows are passed through as the query service produced them: never re-validated value by value.
    if (format === "json" && res.rows) return c.json({ columns: res.columns, rows: res.rows, ...meta });
    if (!res.resultRef) throw new Error("query answer carried neither rows nor a result");
    const bytes = await blob(bus, res.resultRef.bucket, res.resultRef.key);
    if (format === "json") {
      // Large answers: the stored rows array is spliced in as is, never parsed here.
      const head = JSON.stringify({ columns: res.columns }).slice(0, -1);
      const tail = JSON.stringify(meta).slice(1);
      return c.body(`${head},"rows":${Buffer.from(bytes).toString("utf8")},${tail}`, 200, {
        "content-type": "application/json",
      });
    }
    return c.body(bytes, 200, {
      "content-type": res.resultRef.contentType,
      "content-disposition": `attachment; filename="query-${res.queryId}.${EXTENSIONS[format]}"`,
    });
  },
});

export const listTables = defineRoute({
  method: "GET",
  path: "/api/tables",
  summary: "Every table with its columns, types and descriptions",
  tags,
  access: "viewer",
  calls: [TablesList],
  success: { status: 200, schema: TablesList.response },
  handler: (_c, { principal }, { bus }) => bus.request(TablesList, { workspaceId: principal.workspaceId }),
});

export const queryHistory = defineRoute({
  method: "GET",
  path: "/api/queries/history",
  summary: "Query history of the workspace, newest first",
  tags,
  access: "viewer",
  query: HistoryQuery,
  calls: [QueryHistoryList],
  success: { status: 200, schema: QueryHistoryList.response },
  handler: (_c, { principal, query }, { bus }) =>
    bus.request(QueryHistoryList, { workspaceId: principal.workspaceId, ...query }),
});

export const listExamples = defineRoute({
  method: "GET",
  path: "/api/examples",
  summary: "Example queries (the product's common questions)",
  tags,
  access: "viewer",
  calls: [QueryExamplesList],
  success: { status: 200, schema: QueryExamplesList.response },
  handler: (_c, _input, { bus }) => bus.request(QueryExamplesList, {}),
});

export const listSavedQueries = defineRoute({
  method: "GET",
  path: "/api/saved-queries",
  summary: "Saved queries of the workspace",
  tags,
  access: "viewer",
  calls: [SavedQueryList],
  success: { status: 200, schema: SavedQueryList.response },
  handler: (_c, { principal }, { bus }) =>
    bus.request(SavedQueryList, { workspaceId: principal.workspaceId }),
});

export const createSavedQuery = defineRoute({
  method: "POST",
  path: "/api/saved-queries",
  summary: "Save a query",
  tags,
  access: "analyst",
  body: SavedQueryBody,
  calls: [SavedQueryCreate],
  success: { status: 201, schema: SavedQuery },
  handler: async (_c, { body, principal }, { bus }) =>
    (
      await bus.request(SavedQueryCreate, {
        ...body,
        workspaceId: principal.workspaceId,
        actor: principal.keyId,
      })
    ).savedQuery,
});

export const getSavedQuery = defineRoute({
  method: "GET",
  path: "/api/saved-queries/:id",
  summary: "One saved query",
  tags,
  access: "viewer",
  params: SavedQueryParams,
  calls: [SavedQueryGet],
  success: { status: 200, schema: SavedQuery },
  handler: async (_c, { params, principal }, { bus }) =>
    (await bus.request(SavedQueryGet, { workspaceId: principal.workspaceId, id: params.id })).savedQuery,
});

export const updateSavedQuery = defineRoute({
  method: "PATCH",
  path: "/api/saved-queries/:id",
  summary: "Change a saved query's name, description or SQL",
  tags,
  access: "analyst",
  params: SavedQueryParams,
  body: SavedQueryPatchBody,
  calls: [SavedQueryUpdate],
  success: { status: 200, schema: SavedQuery },
  handler: async (_c, { body, params, principal }, { bus }) =>
    (await bus.request(SavedQueryUpdate, { workspaceId: principal.workspaceId, id: params.id, ...body }))
      .savedQuery,
});

export const deleteSavedQuery = defineRoute({
  method: "DELETE",
  path: "/api/saved-queries/:id",
  summary: "Delete a saved query",
  tags,
  access: "analyst",
  params: SavedQueryParams,
  calls: [SavedQueryDelete],
  success: { status: 200, schema: SavedQueryDelete.response },
  handler: (_c, { params, principal }, { bus }) =>
    bus.request(SavedQueryDelete, { workspaceId: principal.workspaceId, id: params.id }),
});

export const queryRoutes = [
  runQuery,
  listTables,
  queryHistory,
  listExamples,
  listSavedQueries,
  createSavedQuery,
  getSavedQuery,
  updateSavedQuery,
  deleteSavedQuery,
];
