/**
 * The gateway as an edge function: one `Deno.serve` fetch handler, no filesystem, no child process,
 * no raw TCP. NATS is reached over WebSocket (NATS_URL ws:// or wss://), the NKEY seed comes from
 * the secret NATS_NKEY_SEED, the console's assets from the bundle compiled into the code, logs go to
 * the console. What it serves is the same app as src/index.ts (createApp). docs/deploy-edge.md.
 *
 *   deno run --config deno.json --allow-env --allow-sys=hostname --allow-net services/gateway/src/edge.ts
 */
import { busConnection, connectBus } from "@tenantlens/bus";
import { ConfigError, loadConfig } from "@tenantlens/config";
import { createLogger } from "@tenantlens/telemetry";
import type { Hono } from "hono";
import { accessStores, createApp } from "./app.js";
import { bootstrapAccess } from "./auth/bootstrap.js";
import { consumeWorkspaceLifecycle } from "./auth/workspace-purge.js";
import { publicUrlOf } from "./config.js";
import { CONSOLE_ASSET_BUNDLE } from "./console/assets.generated.js";
import { assetsFromBundle } from "./console/assets.js";
import { EdgeGatewayConfig } from "./edge-config.js";
import type { AppEnv } from "./env.js";

/** The part of the Deno namespace this entry uses (the repository type-checks against Node's types). */
interface DenoApi {
  env: { toObject(): Record<string, string> };
  serve(
    options: {
      port: number;
      hostname: string;
      onListen?: (addr: { hostname: string; port: number }) => void;
    },
    handler: (req: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code: number): never;
}

const Deno: DenoApi = denoOrThrow();

function denoOrThrow(): DenoApi {
  const deno = (globalThis as { Deno?: DenoApi }).Deno;
  if (!deno) throw new Error("src/edge.ts runs on Deno (deno run, Deno Deploy); on Node start src/index.ts");
  return deno;
}

function exit(code: number): never {
  return Deno.exit(code);
}

let config: EdgeGatewayConfig;
try {
  config = loadConfig(EdgeGatewayConfig, Deno.env.toObject());
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`gateway (edge): invalid configuration\n${err.lines.map((l) => `  ${l}`).join("\n")}`);
  exit(1);
}

// Lines to the console: an edge platform collects them; no file descriptor is written directly.
const logger = createLogger(
  "gateway",
  { runtime: "edge" },
  { level: config.LOG_LEVEL, destination: { write: (line: string) => console.log(line.trimEnd()) } },
);
const bus = await connectBus({ ...busConnection(config), service: "gateway", logger }).catch(
  (err: unknown) => {
    logger.fatal({ err }, `cannot connect to NATS over WebSocket at ${config.NATS_URL}`);
    return exit(1);
  },
);

await bus.ensureStreams();
const { keyId } = await bootstrapAccess(bus, config.TENANTLENS_API_KEY);
if (keyId) logger.info({ keyId }, "admin API key from TENANTLENS_API_KEY is active");

const lifecycle = await consumeWorkspaceLifecycle(
  bus,
  accessStores({ bus, sessionHours: config.GATEWAY_SESSION_HOURS }),
);
const consoleAssets = assetsFromBundle(CONSOLE_ASSET_BUNDLE);

let app: Hono<AppEnv> | undefined;
const server = Deno.serve(
  {
    port: config.GATEWAY_PORT,
    hostname: config.GATEWAY_HOST,
    onListen: (addr) => {
      const publicUrl = publicUrlOf(config, addr.port);
      app = createApp({
        bus,
        logger,
        publicUrl,
        maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
        rateLimitPerMinute: config.GATEWAY_RATE_LIMIT_PER_MINUTE,
        memberMaxQueryMs: config.GATEWAY_MEMBER_MAX_QUERY_MS,
        sessionHours: config.GATEWAY_SESSION_HOURS,
        consoleAssets,
        ...(config.GATEWAY_DEMO_MAIL_URL ? { demoMailUrl: config.GATEWAY_DEMO_MAIL_URL } : {}),
      });
      logger.info(
        { url: publicUrl, listen: `${addr.hostname}:${addr.port}`, nats: bus.status().server },
        "ready",
      );
    },
  },
  (req) => (app ? app.fetch(req) : new Response("starting", { status: 503 })),
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info("stopping: draining HTTP and NATS");
  await server.shutdown();
  await lifecycle.stop();
  await bus.drain();
  exit(0);
}
// A self-hosted Deno gets SIGTERM; an edge platform that has no signals ends the isolate itself.
try {
  Deno.addSignalListener("SIGTERM", () => void stop());
  Deno.addSignalListener("SIGINT", () => void stop());
} catch {
  // no signals here
}
