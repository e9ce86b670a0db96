import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { newAdminKey, simKeyGuard } from "./control-auth.js";
import { SimControlClient } from "./control-client.js";
import { createIdentityControlApp } from "./identity/control-routes.js";
import { Identity, type IdentityUrls } from "./identity/identity.js";
import { createIdentityApp } from "./identity/routes.js";
import { buildTenants, type TenantSpec } from "./identity/tenants.js";
import { createSigningKey } from "./identity/tokens.js";
import { caFetch, ensureTls } from "./tls.js";
import type { TenantIdentity } from "./types.js";

/** What the Graph half contributes to a running simulator. */
export interface GraphHalf {
  /** Handles /v1.0/*, /beta/* and the data-side /_sim/* routes. */
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
  /** Stops live-mode timers. */
  stop(): void;
}

export type GraphHalfFactory = (
  identity: Identity,
  tenants: TenantIdentity[],
) => GraphHalf | Promise<GraphHalf>;

export interface SimulatorTenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  displayName: string;
  initialDomain: string;
}

export interface Simulator {
  graphEndpoint: string;
  authorityHost: string;
  caCertPath: string;
  adminKey: string;
  tenants: SimulatorTenant[];
  control: SimControlClient;
  /** The in-process identity half (tests may inspect state directly). */
  identity: Identity;
  stop(): Promise<void>;
}

export interface AssembleOptions {
  port: number;
  seed: number;
  tenants: TenantSpec[];
  dataDir?: string;
  adminKey?: string;
  redirectUris: string[];
  autoApprove: boolean;
  accessTokenLifetimeSeconds?: number;
  /** Host name used in graphEndpoint/authorityHost (the certificate covers localhost and 127.0.0.1). */
  hostName?: "localhost" | "127.0.0.1";
}

/** The root app: admin-key guard on /_sim/*, identity routes, then everything else to the Graph half. */
export function createSimApp(deps: { identity: Identity; graph: GraphHalf; adminKey: string }): Hono {
  const app = new Hono();
  const guard = simKeyGuard(deps.adminKey);
  app.use("/_sim", guard);
  app.use("/_sim/*", guard);
  app.route("/", createIdentityControlApp(deps.identity));
  app.route("/", createIdentityApp(deps.identity));
  app.all("*", (c) => deps.graph.fetch(c.req.raw, c.env));
  app.onError((err, c) => {
    process.stderr.write(
      `entra-sim: unhandled error on ${c.req.method} ${c.req.path}: ${err.stack ?? err}\n`,
    );
    return c.json(
      { error: { code: "InternalServerError", message: "The simulator failed.", requestId: randomUUID() } },
      500,
    );
  });
  return app;
}

/**
 * Starts the HTTPS listener first (the port decides every URL), then builds identity and the Graph
 * half and swaps the real app in; requests that arrive in between get 503.
 */
export async function assembleSimulator(
  opts: AssembleOptions,
  graphFactory: GraphHalfFactory,
): Promise<Simulator> {
  const ownsDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "entra-sim-")));
  const cleanups: Array<() => Promise<void> | void> = [];
  if (ownsDataDir) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const runCleanups = async () => {
    for (const fn of cleanups.reverse()) await fn();
    cleanups.length = 0;
  };

  try {
    const [tls, key] = await Promise.all([ensureTls(dataDir), createSigningKey()]);
    let handler: (req: Request, env: unknown) => Response | Promise<Response> = () =>
      new Response("Simulator starting", { status: 503, headers: { "Retry-After": "1" } });
    const { server, port } = await listen(opts.port, tls, (req, env) => handler(req, env));
    cleanups.push(() => closeServer(server));

    const host = opts.hostName ?? "localhost";
    const urls: IdentityUrls = {
      authorityHost: `https://${host}:${port}`,
      graphEndpoint: `https://${host}:${port}`,
    };
    const tenants = buildTenants({
      seed: opts.seed,
      tenants: opts.tenants,
      redirectUris: opts.redirectUris,
      now: new Date(),
    });
    const identity = new Identity({
      tenants,
      key,
      urls,
      autoApprove: opts.autoApprove,
      accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds,
    });
    const graph = await graphFactory(identity, tenants);
    cleanups.push(() => graph.stop());
    const adminKey = opts.adminKey ?? newAdminKey();
    const app = createSimApp({ identity, graph, adminKey });
    handler = (req, env) => app.fetch(req, env);

    const fetchWithCa = caFetch(tls.caCert);
    let stopped: Promise<void> | undefined;
    return {
      graphEndpoint: urls.graphEndpoint,
      authorityHost: urls.authorityHost,
      caCertPath: tls.caCertPath,
      adminKey,
      tenants: tenants.map((t) => ({
        tenantId: t.tenantId,
        clientId: t.apps[0]?.clientId ?? "",
        clientSecret: t.apps[0]?.secrets[0]?.value ?? "",
        displayName: t.displayName,
        initialDomain: t.initialDomain,
      })),
      control: new SimControlClient({ baseUrl: urls.graphEndpoint, adminKey, fetch: fetchWithCa }),
      identity,
      stop: () => {
        stopped ??= runCleanups();
        return stopped;
      },
    };
  } catch (err) {
    await runCleanups();
    throw err;
  }
}

async function listen(
  port: number,
  tls: { cert: string; key: string },
  fetch: (req: Request, env: unknown) => Response | Promise<Response>,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch,
        port,
        hostname: "127.0.0.1",
        createServer,
        serverOptions: { cert: tls.cert, key: tls.key },
      },
      (info: AddressInfo) => resolve({ server, port: info.port }),
    );
    server.once("error", reject);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets would hold close() open; the simulator owns every connection it serves.
    if ("closeAllConnections" in server) server.closeAllConnections();
  });
}
