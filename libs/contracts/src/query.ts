import { z } from "zod";
import { Bytes, Timestamp, WorkspaceId } from "./common.js";
import { defineEvent, defineRequest } from "./define.js";

export const ResultFormat = z.enum(["json", "csv", "ndjson", "parquet"]);
export type ResultFormat = z.infer<typeof ResultFormat>;

export const QueryColumn = z.object({ name: z.string(), type: z.string() });

export const QueryExecute = defineRequest({
  subject: "query.sql.execute",
  service: "query",
  callers: ["gateway", "rules", "notifier"],
  errors: ["query_error", "query_timeout", "not_found", "rate_limited"],
  request: z.object({
    workspaceId: WorkspaceId,
    sql: z.string().min(1, "sql is required").max(100_000),
    /** Who ran it (API key id or user), recorded in query history. */
    actor: z.string().min(1).max(200),
    maxRows: z.number().int().min(1).max(1_000_000).optional(),
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
    format: ResultFormat.default("json"),
    /**
     * Read this generation instead of the current one (rules and alerts judge exactly the
     * generation that was committed); `not_found` once it has been garbage-collected.
     */
    generationId: z.number().int().positive().optional(),
    /** Record the query in query history (default true; false for the system's own queries: rules, alerts). */
    history: z.boolean().optional(),
    /**
     * The caller takes the answer as the bytes of its text, in parts as they are produced (the
     * gateway): an answer that is complete in its first part comes back whole in `body`; a longer
     * JSON, CSV or NDJSON answer comes back with its first part and a `streamId` as soon as that
     * part is ready, and the other parts are read with `query.result.read`. Parquet always goes
     * through the object store.
     */
    stream: z.boolean().optional(),
  }),
  response: z.object({
    queryId: z.string(),
    columns: z.array(QueryColumn),
    /** JSON rows inline when they fit in a message. */
    rows: z.array(z.record(z.string(), z.unknown())).optional(),
    /**
     * With `stream`: the answer's first part, or the whole answer, as UTF-8 bytes of its text (the
     * JSON rows array, CSV or NDJSON), never escaped, decoded or parsed on its way to the client.
     */
    body: Bytes.optional(),
    /**
     * With `stream`: the answer is still being produced; read its parts with `query.result.read`
     * (`rowCount` and `truncated` are then final only in the last part).
     */
    streamId: z.string().optional(),
    /** Otherwise (and for csv/ndjson/parquet) the result is in the object store under this key. */
    resultRef: z.object({ bucket: z.string(), key: z.string(), contentType: z.string() }).optional(),
    rowCount: z.number().int().nonnegative(),
    truncated: z.boolean(),
    durationMs: z.number().nonnegative(),
    generationId: z.number().int().nonnegative(),
  }),
});

/**
 * The next part of a streamed answer (`query.sql.execute` with `stream`), in order from `seq` 0. Only
 * the replica running the query answers (every replica hears the request). `done` comes with the
 * final counts; an answer not read for a minute is dropped (`not_found`).
 */
export const QueryResultRead = defineRequest({
  subject: "query.result.read",
  service: "query",
  callers: ["gateway"],
  errors: ["not_found", "query_error", "query_timeout", "rate_limited"],
  request: z.object({
    workspaceId: WorkspaceId,
    streamId: z.string().min(1).max(100),
    seq: z.number().int().nonnegative(),
  }),
  response: z.object({
    seq: z.number().int().nonnegative(),
    /** UTF-8 bytes of this part of the answer's text (a part may end inside a character). */
    body: Bytes,
    done: z.boolean(),
    rowCount: z.number().int().nonnegative(),
    truncated: z.boolean(),
  }),
});

export const TableColumn = z.object({ name: z.string(), type: z.string(), description: z.string() });
export const TableInfo = z.object({
  name: z.string(),
  description: z.string(),
  columns: z.array(TableColumn),
});

export const TablesList = defineRequest({
  subject: "query.tables.list",
  service: "query",
  callers: ["gateway"],
  errors: [],
  request: z.object({ workspaceId: WorkspaceId }),
  response: z.object({ tables: z.array(TableInfo) }),
});

export const QueryExecuted = defineEvent({
  subject: "query.query.executed",
  stream: "TL_QUERY",
  publishers: ["query"],
  consumers: ["store"],
  schema: z.object({
    queryId: z.string().min(1),
    workspaceId: WorkspaceId,
    actor: z.string(),
    sql: z.string(),
    startedAt: Timestamp,
    durationMs: z.number().nonnegative(),
    rowCount: z.number().int().nonnegative(),
    outcome: z.enum(["ok", "error", "timeout", "rejected"]),
    error: z.string().nullable(),
    generationId: z.number().int().nonnegative().nullable(),
  }),
  token: (p) => p.workspaceId,
  msgId: (p) => p.queryId,
});
