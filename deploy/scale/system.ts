// The scale-out tests' system: services as their own processes, any number of replicas of each,
// on a NATS server or cluster the test chose. (The single-replica system of the end-to-end tests is
// services/gateway/src/e2e/system.ts, whose REST helpers these tests reuse.)
import {
  freePort,
  type GraphTarget,
  graphEnv,
  type ServiceProcess,
  startService,
  tempDir,
} from "@tenantlens/testkit";

export { api, type QueryAnswer, queryCounts } from "../../services/gateway/src/e2e/system.js";

export const API_KEY = "scale-admin-key-0123456789abcdef";

export interface Replica {
  name: string;
  env: Record<string, string>;
  proc: ServiceProcess;
  /** The gateway's base URL (gateways only). */
  baseUrl?: string;
}

/** Services on one bus and one data directory; `start` adds a replica with its own env on top. */
export interface ScaleSystem {
  env: Record<string, string>;
  dataDir: string;
  apiKey: string;
  replicas: Replica[];
  start(name: string, env?: Record<string, string>): Promise<Replica>;
  /** A gateway replica on a port of its own. */
  startGateway(env?: Record<string, string>): Promise<Replica & { baseUrl: string }>;
  stop(): Promise<void>;
}

export function scaleSystem(
  bus: { url: string },
  graph: GraphTarget,
  extraEnv: Record<string, string> = {},
): ScaleSystem {
  const dataDir = tempDir("tl-scale");
  const env: Record<string, string> = {
    NATS_URL: bus.url,
    TENANTLENS_DATA_DIR: dataDir,
    ...graphEnv(graph),
    TENANTLENS_API_KEY: API_KEY,
    GATEWAY_HOST: "127.0.0.1",
    OTEL_SDK_DISABLED: "true",
    POLL_INTERVAL_SECONDS: "0",
    ...extraEnv,
  };
  const replicas: Replica[] = [];
  const sys: ScaleSystem = {
    env,
    dataDir,
    apiKey: API_KEY,
    replicas,
    async start(name, own = {}) {
      const full = { ...env, ...own };
      const proc = await startService(name, full, { readyTimeoutMs: 90_000 });
      const replica: Replica = { name, env: full, proc };
      replicas.push(replica);
      return replica;
    },
    async startGateway(own = {}) {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const r = await sys.start("gateway", { GATEWAY_PORT: String(port), PUBLIC_URL: baseUrl, ...own });
      r.baseUrl = baseUrl;
      return { ...r, baseUrl };
    },
    async stop() {
      for (const r of [...replicas].reverse()) await r.proc.stop();
    },
  };
  return sys;
}
