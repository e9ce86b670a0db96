import type { Bus } from "@tenantlens/bus";
import type { Logger } from "@tenantlens/telemetry";
import type { ConsoleAssets } from "./console/assets.js";
import type { SystemHealth } from "./health/system-health.js";

/** Who is calling: resolved from the API key by the auth middleware on every /api route. */
export interface Principal {
  workspaceId: string;
  /** Stable id of the API key (never the key itself); recorded as the actor. */
  keyId: string;
  role: "admin" | "analyst" | "viewer";
}

/** Hono environment shared by every route module of the gateway. */
export interface AppEnv {
  Variables: {
    principal: Principal;
    requestId: string;
    /** The console session of a page or of an /api call made by the console (cookie). */
    sessionId: string;
    /** The declared route that matched (`/api/integrations/:id`), for spans and metrics. */
    route: string;
  };
}

/** Everything routes need; built once in index.ts, replaced freely in tests. */
export interface GatewayDeps {
  bus: Bus;
  logger: Logger;
  /** Public base URL of the gateway (redirect URIs, links in the console). */
  publicUrl: string;
  /** Largest request body accepted (bytes); default 1 MiB. */
  maxBodyBytes?: number;
  /** Requests per minute per API key; default 600. */
  rateLimitPerMinute?: number;
  /** Longest query time limit a non-admin key may ask for; default 60 s. */
  memberMaxQueryMs?: number;
  /** Console sessions end after this many hours; default 12. */
  sessionHours?: number;
  /** Demo mode: the local mail catcher's viewer (the alerts page lists what it caught). */
  demoMailUrl?: string;
  /** The console's assets; default: read from src/console/assets/ (the edge entry passes its bundle). */
  consoleAssets?: ConsoleAssets;
  /** The heartbeats /healthz summarises (default: one started on `bus` by createApp). */
  systemHealth?: SystemHealth;
}
