import {
  authorityHost,
  bool,
  dataDir,
  graphEndpoint,
  httpUrl,
  int,
  LOG_LEVELS,
  loadConfig,
  natsUrl,
  port,
  RUNTIMES,
  z,
} from "@tenantlens/config";

/** Everything `npm start` reads; validated before anything starts. */
export const LauncherEnv = z.object({
  TENANTLENS_DEMO: bool.default(true),
  /** What every service process (query workers included) and the simulator run on. */
  TENANTLENS_RUNTIME: z.enum(RUNTIMES, { error: "expected node or deno" }).default("node"),
  TENANTLENS_DATA_DIR: dataDir,
  /** Unset: the launcher starts its own nats-server under <data dir>/nats. */
  NATS_URL: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      // natsUrl has a default; here "unset" must stay unset (it means: start our own server).
      if (raw === undefined) return undefined;
      const parsed = natsUrl.safeParse(raw);
      if (parsed.success) return parsed.data;
      ctx.issues.push({
        code: "custom",
        input: raw,
        message: parsed.error.issues[0]?.message ?? "invalid NATS URL",
      });
      return z.NEVER;
    }),
  /** WebSocket port of the launcher's own nats-server (0: any free port), for an edge gateway. */
  NATS_WS_PORT: port("NATS_WS_PORT", 0),
  GATEWAY_PORT: port("GATEWAY_PORT", 8080),
  GATEWAY_HOST: z.string().trim().min(1).default("127.0.0.1"),
  /** First metrics port (services get it, +1, +2, … in start order); 0 = off; unset = free ports. */
  TL_METRICS_PORT: int({ min: 0, max: 65535 }).optional(),
  PUBLIC_URL: httpUrl.optional(),
  TENANTLENS_API_KEY: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
  GRAPH_ENDPOINT: graphEndpoint,
  AZURE_AUTHORITY_HOST: authorityHost,
  /** Size of the simulated demo tenant. */
  TENANTLENS_DEMO_USERS: int({ min: 1, max: 1_000_000 }).default(1500),
  TENANTLENS_DEMO_SEED: int({ min: 0 }).default(1),
  /** A real SMTP server for alert mail; unset: the launcher runs its local mail catcher. */
  SMTP_URL: z.string().trim().min(1).optional(),
  LOG_LEVEL: z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(", ")}` }))
    .optional(),
});
export type LauncherEnv = z.infer<typeof LauncherEnv>;

export interface LauncherArgs {
  verbose: boolean;
  help: boolean;
}

export interface LauncherConfig extends LauncherEnv, LauncherArgs {
  publicUrl: string;
  /** Lowest level of child output printed. */
  displayLevel: (typeof LOG_LEVELS)[number];
  /** LOG_LEVEL given to children: never above info, or their "ready" line would be lost. */
  childLogLevel: (typeof LOG_LEVELS)[number];
}

export class UsageError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
  }
}

export function parseArgs(argv: string[]): LauncherArgs {
  const args: LauncherArgs = { verbose: false, help: false };
  const bad: string[] = [];
  for (const a of argv) {
    if (a === "--verbose" || a === "-v") args.verbose = true;
    else if (a === "--help" || a === "-h") args.help = true;
    else bad.push(`unknown option ${a} (known: --verbose, --help)`);
  }
  if (bad.length > 0) throw new UsageError(bad);
  return args;
}

const ORDER = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** Validates environment and arguments together; throws ConfigError/UsageError with one line per problem. */
export function loadLauncherConfig(env: Record<string, string | undefined>, argv: string[]): LauncherConfig {
  const args = parseArgs(argv);
  const e = loadConfig(LauncherEnv, env);
  const displayLevel = e.LOG_LEVEL ?? (args.verbose ? "info" : "warn");
  const childLogLevel = ORDER.indexOf(displayLevel) < ORDER.indexOf("info") ? displayLevel : "info";
  const host = ["0.0.0.0", "::"].includes(e.GATEWAY_HOST) ? "localhost" : e.GATEWAY_HOST;
  return {
    ...e,
    ...args,
    displayLevel,
    childLogLevel,
    publicUrl: e.PUBLIC_URL ?? `http://${host}:${e.GATEWAY_PORT}`,
  };
}

export const HELP = `Usage: npm start [-- --verbose]

Runs Tenantlens locally: nats-server (JetStream), every service, and in demo mode the Entra ID
simulator with a seeded tenant and a connected demo integration. Ctrl-C stops everything.

Environment (all optional):
  TENANTLENS_DEMO=true|false     demo mode with the simulator (default true)
  TENANTLENS_RUNTIME=node|deno   runtime of every service process (default node; deno is the
                                 pinned dev dependency)
  TENANTLENS_DATA_DIR=./data     where NATS, the warehouse, keys and the API key live
  NATS_URL=nats://host:4222      use this NATS server instead of starting one
  NATS_WS_PORT=0                 WebSocket port of the started nats-server, loopback, for an
                                 edge gateway (default: any free port; docs/deploy-edge.md)
  GATEWAY_PORT=8080              HTTP port of the gateway (console and API)
  GATEWAY_HOST=127.0.0.1         address the gateway listens on
  PUBLIC_URL=http://...          how users reach the gateway (OAuth redirect URI)
  TENANTLENS_API_KEY=...         admin API key (default: generated into <data dir>/api-key)
  GRAPH_ENDPOINT, AZURE_AUTHORITY_HOST   Graph and identity endpoints when TENANTLENS_DEMO=false
  TENANTLENS_DEMO_USERS=1500     users in the simulated tenant
  SMTP_URL=smtp://host:587       send alert mail there instead of the local mail catcher
  TL_METRICS_PORT=9464           first metrics port (/metrics, /livez, /readyz: +1 per service;
                                 0 = off; default: a free port each, printed at start)
  LOG_LEVEL=warn                 lowest level of service output shown (--verbose: info)
`;
