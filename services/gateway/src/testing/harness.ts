import assert from "node:assert/strict";
import { type Bus, connectBus } from "@tenantlens/bus";
import { DEFAULT_WORKSPACE, ErrorResponse } from "@tenantlens/contracts";
import { createLogger } from "@tenantlens/telemetry";
import { type NatsServer, startNats, startService, tempDir } from "@tenantlens/testkit";
import type { Hono } from "hono";
import type { z } from "zod";
import { createApp } from "../app.js";
import { bootstrapAccess } from "../auth/bootstrap.js";
import { ApiKeyStore } from "../auth/key-store.js";
import { WorkspaceStore } from "../auth/workspace-store.js";
import type { AppEnv } from "../env.js";
import type { Route } from "../http/route.js";
import { type StandIns, serveStandIns } from "./stand-ins.js";

export const PUBLIC_URL = "http://127.0.0.1:18080";

/** Services a harness can run for real, next to the stand-ins. */
export type RealService = "query" | "notifier" | "rules" | "provisioner";

/** A route's success answer, read through the route's own schema (its status is checked first). */
export async function readOk<R extends z.ZodType>(route: Route<R>, res: Response): Promise<z.output<R>> {
  const text = await res.text();
  assert.equal(
    res.status,
    route.success.status,
    `${route.method} ${route.path} → ${res.status} ${text.slice(0, 300)}`,
  );
  const schema = route.success.schema;
  assert.ok(schema, `${route.method} ${route.path} declares no JSON answer`);
  return schema.parse(JSON.parse(text));
}

/** An error answer, read through the one error schema. */
export async function readError(res: Response): Promise<ErrorResponse["error"]> {
  return ErrorResponse.parse(await res.json()).error;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  /** Raw body text (sent as is, content-type JSON). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface Harness {
  app: Hono<AppEnv>;
  bus: Bus;
  nats: NatsServer;
  standIns: StandIns;
  /** Admin key of the default workspace (as TENANTLENS_API_KEY would seed). */
  adminKey: string;
  /** Analyst key of the default workspace (named after the role's former name, member). */
  memberKey: string;
  /** Viewer (read-only) key of the default workspace. */
  viewerKey: string;
  /** Admin key of another workspace, "other". */
  otherKey: string;
  call(method: string, path: string, opts?: CallOptions): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * A gateway app over a real nats-server, with stand-in responders for auth, poller and store.
 * `standIns: false` leaves those subjects unanswered (to test "service unavailable");
 * `real` runs those services (query, notifier, rules, provisioner) as child processes for their routes.
 */
export async function startHarness(
  opts: { standIns?: boolean; real?: RealService[]; rateLimitPerMinute?: number } = {},
): Promise<Harness> {
  const nats = await startNats();
  const real = await Promise.all(
    (opts.real ?? []).map((name) =>
      startService(name, { NATS_URL: nats.url, TENANTLENS_DATA_DIR: tempDir(`tl-gw-${name}`) }),
    ),
  );
  const logger = createLogger("gateway", {}, { level: "silent" });
  // Tests also serve stand-in subjects on `bus`: it is the tests' unrestricted identity. The gateway's
  // own credential is proved by the e2e tests, which run it as a process.
  const bus = await connectBus({ ...nats.client(), service: "gateway", logger });
  const peerBus = await connectBus({ ...nats.client(), service: "auth", logger });
  const standIns = opts.standIns === false ? emptyStandIns() : serveStandIns(peerBus);
  const adminKey = "test-admin-key-0123456789abcdef";
  await bootstrapAccess(bus, adminKey);
  const keys = new ApiKeyStore(bus);
  const memberKey = (await keys.create(DEFAULT_WORKSPACE, "analyst", "member")).key;
  const viewerKey = (await keys.create(DEFAULT_WORKSPACE, "viewer", "viewer")).key;
  await new WorkspaceStore(bus).create("other", "Other workspace");
  const otherKey = (await keys.create("other", "admin", "other admin")).key;
  const app = createApp({
    bus,
    logger,
    publicUrl: PUBLIC_URL,
    maxBodyBytes: 64 * 1024,
    // Tests fire hundreds of requests per key; the limit itself is tested with a small value.
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 1_000_000,
  });

  const call = (method: string, path: string, o: CallOptions = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? adminKey : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers["content-type"] ??= "application/json";
    return Promise.resolve(
      app.request(`${PUBLIC_URL}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }),
    );
  };

  return {
    app,
    bus,
    nats,
    standIns,
    adminKey,
    memberKey,
    viewerKey,
    otherKey,
    call,
    async stop() {
      await Promise.all(real.map((p) => p.stop()));
      await peerBus.drain();
      await bus.drain();
      await nats.stop();
    },
  };
}

function emptyStandIns(): StandIns {
  return {
    integrations: new Map(),
    polls: [],
    received: new Map(),
    commitLatest() {
      throw new Error("no stand-ins");
    },
  };
}
