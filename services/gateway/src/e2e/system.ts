import { main as cli } from "@tenantlens/query/cli";
import {
  freePort,
  type GraphTarget,
  graphEnv,
  type NatsOptions,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  tempDir,
} from "@tenantlens/testkit";

/** The whole system for end-to-end tests: real nats-server and every service as its own process. */
export interface System {
  nats: NatsServer;
  baseUrl: string;
  apiKey: string;
  dataDir: string;
  env: Record<string, string>;
  services: Map<string, ServiceProcess>;
  /** Starts (or restarts) one service with the system's environment. */
  start(name: string): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export const SERVICE_ORDER = [
  "auth",
  "store",
  "query",
  "poller",
  "rules",
  "notifier",
  "provisioner",
  "gateway",
] as const;

/** Services started at once by `startSystem`. */
const PARALLEL_STARTS = 3;

export interface SystemOptions {
  /** nats-server options (e.g. `websocket: true`). */
  nats?: NatsOptions;
  /** The services to start (default SERVICE_ORDER), a few at a time. */
  services?: readonly string[];
  /** Variables for one service only (e.g. its own TL_METRICS_PORT). */
  serviceEnv?: Record<string, Record<string, string>>;
}

export async function startSystem(
  graph: GraphTarget,
  extraEnv: Record<string, string> = {},
  opts: SystemOptions = {},
): Promise<System> {
  const nats = await startNats(opts.nats);
  const dataDir = tempDir("tl-e2e");
  // A test that must know the address before the system starts (e.g. to register the redirect URI
  // with the simulator) passes GATEWAY_PORT.
  const port = Number(extraEnv.GATEWAY_PORT) || (await freePort());
  const apiKey = "e2e-admin-key-0123456789abcdef";
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    TENANTLENS_DATA_DIR: dataDir,
    ...graphEnv(graph),
    GATEWAY_PORT: String(port),
    GATEWAY_HOST: "127.0.0.1",
    PUBLIC_URL: baseUrl,
    TENANTLENS_API_KEY: apiKey,
    OTEL_SDK_DISABLED: "true",
    ...extraEnv,
  };
  const services = new Map<string, ServiceProcess>();
  const system: System = {
    nats,
    baseUrl,
    apiKey,
    dataDir,
    env,
    services,
    async start(name) {
      const proc = await startService(
        name,
        { ...env, ...opts.serviceEnv?.[name] },
        { readyTimeoutMs: 120_000 },
      );
      services.set(name, proc);
      return proc;
    },
    async stop() {
      await Promise.all([...services.values()].map((s) => s.stop()));
      await nats.stop();
    },
  };
  // Services find each other only through NATS (streams and buckets are created by whoever comes
  // first), so they start side by side, a few at a time: all eight at once would starve each other
  // of CPU on a 2-core machine and miss their ready deadline.
  const queue = [...(opts.services ?? SERVICE_ORDER)];
  let failure: unknown;
  const starter = async () => {
    for (let name = queue.shift(); name && failure === undefined; name = queue.shift()) {
      await system.start(name).catch((err: unknown) => {
        failure ??= err;
      });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_STARTS }, starter));
  if (failure !== undefined) {
    await system.stop();
    throw failure;
  }
  return system;
}

export interface ApiResult<T> {
  status: number;
  body: T;
}

/** One REST call; never throws on HTTP errors (tests assert the status). */
export async function api<T = Record<string, unknown>>(
  sys: { baseUrl: string; apiKey: string },
  method: string,
  path: string,
  /** `signal`: the caller may give up sooner than the 60 s every request is allowed. */
  opts: { body?: unknown; key?: string; signal?: AbortSignal } = {},
): Promise<ApiResult<T>> {
  const res = await fetch(`${sys.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${opts.key ?? sys.apiKey}`,
      ...(opts.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    signal: opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(60_000)])
      : AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: body as T };
}

export interface QueryAnswer {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  rowCount: number;
  truncated: boolean;
}

/** Runs SQL through POST /api/query and returns rows as [key, number] pairs keyed by the first column. */
export async function queryCounts(
  sys: { baseUrl: string; apiKey: string },
  sql: string,
  key?: string,
): Promise<Record<string, number>> {
  const res = await api<QueryAnswer>(sys, "POST", "/api/query", { body: { sql }, ...(key ? { key } : {}) });
  if (res.status !== 200) throw new Error(`query failed: ${res.status} ${JSON.stringify(res.body)}`);
  const [label, count] = res.body.columns;
  if (!label || !count) throw new Error(`expected two columns, got ${JSON.stringify(res.body.columns)}`);
  const out: Record<string, number> = {};
  for (const row of res.body.rows) out[String(row[label.name])] = Number(row[count.name]);
  return out;
}

/** Runs the `tenantlens` CLI against the system; returns its exit code and output. */
export async function runCli(
  sys: System,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await cli(
    argv,
    { TENANTLENS_URL: sys.baseUrl, TENANTLENS_API_KEY: sys.apiKey },
    {
      stdout: {
        write: (s: string | Uint8Array) => (out += typeof s === "string" ? s : Buffer.from(s).toString()),
      },
      stderr: { write: (s: string) => (err += s) },
      readStdin: async () => null,
    },
  );
  return { code, out, err };
}
