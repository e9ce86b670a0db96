import {
  Integration,
  QueryColumn,
  QueryExamplesList,
  QueryHistoryList,
  SavedQuery,
  SavedQueryDelete,
  SavedQueryList,
  TablesList,
} from "@tenantlens/contracts";
import { z } from "zod";
import { HistoryQuery, QueryBody, SavedQueryBody, SavedQueryPatchBody } from "../routes/query.js";
import {
  ConsentLinkResponse,
  CreateIntegrationInput,
  CreateKeyBody,
  CreateWorkspaceBody,
  DeletedResponse,
  HealthResponse,
  IntegrationCreated,
  IntegrationListResponse,
  IntegrationView,
  KeyCreatedResponse,
  KeyListResponse,
  PollHistoryQuery,
  PollHistoryResponse,
  PollStartedResponse,
  RevokedResponse,
  StartPollBody,
  UpdateIntegrationBody,
  WhoAmIResponse,
  WorkspaceCreatedResponse,
} from "../schemas.js";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One documented route; `path` uses Hono's `:param` syntax. */
export interface RouteDoc {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  /** Needs `Authorization: Bearer <api key>` (every /api route). */
  auth: boolean;
  adminOnly?: boolean;
  body?: z.ZodType;
  query?: z.ZodObject;
  /** Success status and JSON schema (null: not JSON, e.g. HTML). */
  success: { status: number; schema: z.ZodType | null; contentType?: string };
}

/** The JSON answer of POST /api/query (DESIGN.md); other formats are downloads chosen by Accept. */
const QueryResult = z.object({
  columns: z.array(QueryColumn),
  rows: z.array(z.record(z.string(), z.unknown())),
  rowCount: z.number().int(),
  truncated: z.boolean(),
  durationMs: z.number(),
});

type Extra = Partial<Pick<RouteDoc, "adminOnly" | "body" | "query">> & {
  status?: number;
  contentType?: string;
};

function api(
  method: Method,
  path: string,
  tag: string,
  summary: string,
  schema: z.ZodType,
  extra: Extra = {},
): RouteDoc {
  const { status = 200, contentType, ...rest } = extra;
  return {
    method,
    path,
    summary,
    tag,
    auth: true,
    ...rest,
    success: { status, schema, ...(contentType ? { contentType } : {}) },
  };
}

function open(
  method: Method,
  path: string,
  tag: string,
  summary: string,
  status: number,
  schema: z.ZodType | null,
  contentType?: string,
): RouteDoc {
  return {
    method,
    path,
    summary,
    tag,
    auth: false,
    success: { status, schema, ...(contentType ? { contentType } : {}) },
  };
}

const ints = "integrations";
const access = "access";

export const routeDocs: RouteDoc[] = [
  open("GET", "/healthz", "system", "Liveness (503 while NATS is unreachable)", 200, HealthResponse),
  open("GET", "/openapi.json", "system", "This document", 200, null, "application/json"),
  open("GET", "/", "console", "Operator console (HTML)", 200, null, "text/html"),
  open(
    "POST",
    "/console/sign-in",
    "console",
    "Console sign-in with an API key (form post; sets an HttpOnly cookie)",
    303,
    null,
  ),
  open("POST", "/console/sign-out", "console", "Console sign-out", 303, null),
  open(
    "GET",
    "/oauth/callback",
    ints,
    "OAuth redirect URI: completes a delegated or admin consent (HTML)",
    200,
    null,
    "text/html",
  ),

  api(
    "POST",
    "/api/integrations",
    ints,
    "Connect a tenant (app: client credentials; delegated: returns consentUrl)",
    IntegrationCreated,
    { body: CreateIntegrationInput, status: 201 },
  ),
  api(
    "GET",
    "/api/integrations",
    ints,
    "The workspace's integrations with their last poll and row counts",
    IntegrationListResponse,
  ),
  api(
    "GET",
    "/api/integrations/:id",
    ints,
    "One integration with its last poll (status, per-resource outcome) and row counts per table",
    IntegrationView,
  ),
  api(
    "PATCH",
    "/api/integrations/:id",
    ints,
    "Rename, or fix a broken app-mode integration with a new client secret (and client id): checked at once, status active or broken with the reason",
    Integration,
    { body: UpdateIntegrationBody },
  ),
  api(
    "POST",
    "/api/integrations/:id/consent",
    ints,
    "Delegated mode: a new consent link (one-time, 10 minutes) after a declined, expired or revoked consent",
    ConsentLinkResponse,
  ),
  api(
    "POST",
    "/api/integrations/:id/polls",
    ints,
    "Collect now (alreadyRunning when a poll is in progress)",
    PollStartedResponse,
    { body: StartPollBody, status: 202 },
  ),
  api("GET", "/api/integrations/:id/polls", ints, "Poll history, newest first", PollHistoryResponse, {
    query: PollHistoryQuery,
  }),
  api("POST", "/api/integrations/:id/disable", ints, "Stop collecting (the data stays)", Integration),
  api("POST", "/api/integrations/:id/enable", ints, "Resume collecting", Integration),
  api("DELETE", "/api/integrations/:id", ints, "Delete an integration and its credentials", DeletedResponse),

  api(
    "POST",
    "/api/query",
    "query",
    "Read-only SQL over the workspace's tables; Accept text/csv, application/x-ndjson or application/vnd.apache.parquet downloads the result",
    QueryResult,
    { body: QueryBody },
  ),
  api(
    "GET",
    "/api/tables",
    "query",
    "Every table with its columns, types and descriptions",
    TablesList.response,
  ),
  api(
    "GET",
    "/api/queries/history",
    "query",
    "Query history of the workspace, newest first",
    QueryHistoryList.response,
    { query: HistoryQuery },
  ),
  api(
    "GET",
    "/api/examples",
    "query",
    "Example queries (the product's common questions)",
    QueryExamplesList.response,
  ),
  api("GET", "/api/saved-queries", "query", "Saved queries of the workspace", SavedQueryList.response),
  api("POST", "/api/saved-queries", "query", "Save a query", SavedQuery, {
    body: SavedQueryBody,
    status: 201,
  }),
  api("GET", "/api/saved-queries/:id", "query", "One saved query", SavedQuery),
  api(
    "PATCH",
    "/api/saved-queries/:id",
    "query",
    "Change a saved query's name, description or SQL",
    SavedQuery,
    { body: SavedQueryPatchBody },
  ),
  api("DELETE", "/api/saved-queries/:id", "query", "Delete a saved query", SavedQueryDelete.response),

  api("GET", "/api/whoami", access, "The caller's workspace, key id and role", WhoAmIResponse),
  api("GET", "/api/keys", access, "The workspace's API keys (never the keys themselves)", KeyListResponse, {
    adminOnly: true,
  }),
  api("POST", "/api/keys", access, "Create an API key (the key is shown once)", KeyCreatedResponse, {
    body: CreateKeyBody,
    status: 201,
    adminOnly: true,
  }),
  api("DELETE", "/api/keys/:keyId", access, "Revoke an API key", RevokedResponse, { adminOnly: true }),
  api(
    "POST",
    "/api/workspaces",
    access,
    "Create a workspace and its first admin key (admins of the default workspace)",
    WorkspaceCreatedResponse,
    { body: CreateWorkspaceBody, status: 201, adminOnly: true },
  ),
];
