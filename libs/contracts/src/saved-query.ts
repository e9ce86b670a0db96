import { z } from "zod";
import { Timestamp, WorkspaceId } from "./common.js";
import { defineRequest } from "./define.js";

/** Saved analyst queries (per workspace, names unique per workspace ignoring case). */
export const SavedQueryId = z.string().regex(/^sq_[a-z0-9]{8,40}$/, "not a saved query id");

const Name = z.string().trim().min(1, "name is required").max(120);
const Description = z.string().trim().max(2_000);
const Sql = z.string().trim().min(1, "sql is required").max(100_000);

export const SavedQuery = z.object({
  id: SavedQueryId,
  workspaceId: WorkspaceId,
  name: Name,
  description: Description,
  sql: Sql,
  createdBy: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type SavedQuery = z.infer<typeof SavedQuery>;

export const SavedQueryCreate = defineRequest({
  subject: "query.saved.create",
  service: "query",
  callers: ["gateway"],
  errors: ["conflict", "query_error"],
  request: z.object({
    workspaceId: WorkspaceId,
    actor: z.string().min(1).max(200),
    name: Name,
    description: Description.default(""),
    sql: Sql,
  }),
  response: z.object({ savedQuery: SavedQuery }),
});

export const SavedQueryList = defineRequest({
  subject: "query.saved.list",
  service: "query",
  callers: ["gateway"],
  errors: [],
  request: z.object({ workspaceId: WorkspaceId }),
  response: z.object({ savedQueries: z.array(SavedQuery) }),
});

export const SavedQueryGet = defineRequest({
  subject: "query.saved.get",
  service: "query",
  callers: ["gateway", "notifier"],
  errors: ["not_found"],
  request: z.object({ workspaceId: WorkspaceId, id: SavedQueryId }),
  response: z.object({ savedQuery: SavedQuery }),
});

export const SavedQueryUpdate = defineRequest({
  subject: "query.saved.update",
  service: "query",
  callers: ["gateway"],
  errors: ["not_found", "conflict", "query_error"],
  request: z.object({
    workspaceId: WorkspaceId,
    id: SavedQueryId,
    name: Name.optional(),
    description: Description.optional(),
    sql: Sql.optional(),
  }),
  response: z.object({ savedQuery: SavedQuery }),
});

export const SavedQueryDelete = defineRequest({
  subject: "query.saved.delete",
  service: "query",
  callers: ["gateway"],
  errors: ["not_found"],
  request: z.object({ workspaceId: WorkspaceId, id: SavedQueryId }),
  response: z.object({ deleted: z.literal(true) }),
});

export const QueryOutcome = z.enum(["ok", "error", "timeout", "rejected"]);

export const QueryHistoryEntry = z.object({
  queryId: z.string(),
  actor: z.string(),
  sql: z.string(),
  startedAt: Timestamp,
  durationMs: z.number().nonnegative(),
  rowCount: z.number().int().nonnegative(),
  outcome: QueryOutcome,
  error: z.string().nullable(),
  generationId: z.number().int().nonnegative().nullable(),
});
export type QueryHistoryEntry = z.infer<typeof QueryHistoryEntry>;

/**
 * Query history from the `query_history` table of the workspace's current generation: eventually
 * consistent (a query shows up once the store has committed a generation after it).
 */
export const QueryHistoryList = defineRequest({
  subject: "query.history.list",
  service: "query",
  callers: ["gateway"],
  errors: [],
  request: z.object({
    workspaceId: WorkspaceId,
    limit: z.number().int().min(1).max(1_000).default(50),
    actor: z.string().min(1).max(200).optional(),
    outcome: QueryOutcome.optional(),
  }),
  response: z.object({
    entries: z.array(QueryHistoryEntry),
    /** Generation the answer was read from (null: nothing collected yet). */
    generationId: z.number().int().positive().nullable(),
  }),
});

export const ExampleQuery = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  sql: z.string(),
});
export type ExampleQuery = z.infer<typeof ExampleQuery>;

/** The example queries shipped with the product (the common questions). */
export const QueryExamplesList = defineRequest({
  subject: "query.examples.list",
  service: "query",
  callers: ["gateway"],
  errors: [],
  request: z.object({}),
  response: z.object({ examples: z.array(ExampleQuery) }),
});
