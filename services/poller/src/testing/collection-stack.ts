import assert from "node:assert/strict";
import path from "node:path";
import type { Bus } from "@tenantlens/bus";
import {
  type Integration,
  IntegrationCreate,
  PollList,
  type PollRecord,
  PollStart,
} from "@tenantlens/contracts";
import {
  type Simulator,
  type SimulatorTenant,
  type StartSimulatorOptions,
  startSimulator,
} from "@tenantlens/entra-sim";
import {
  connectTestBus,
  graphEnv,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  stopStack,
  tempDir,
  waitFor,
} from "@tenantlens/testkit";

/**
 * The collection path as real processes: nats-server, the simulator, auth, store and poller (no
 * schedule: polls start when an integration is created or when a test asks). Tests read polls
 * through the store, as the gateway does.
 */
export interface CollectionStack {
  nats: NatsServer;
  sim: Simulator;
  bus: Bus;
  env: Record<string, string>;
  /** The warehouse file (read it only after `stopStore`). */
  warehouseFile: string;
  services: Map<string, ServiceProcess>;
  /** Starts (or restarts) one service with the stack's environment. */
  start(name: "auth" | "store" | "poller"): Promise<ServiceProcess>;
  createIntegration(tenant: SimulatorTenant, name: string): Promise<Integration>;
  /** A manual poll of the integration: of `resources` only when given. */
  startPoll(integrationId: string, resources?: string[]): Promise<string>;
  polls(integrationId: string): Promise<PollRecord[]>;
  /** The poll once `accept` says so (e.g. committed), waiting up to `timeoutMs`. */
  poll(
    pollId: string,
    integrationId: string,
    accept: (p: PollRecord) => boolean,
    timeoutMs?: number,
  ): Promise<PollRecord>;
  stop(): Promise<void>;
}

export async function startCollectionStack(
  simOptions: StartSimulatorOptions,
  extraEnv: Record<string, string> = {},
): Promise<CollectionStack> {
  const nats = await startNats();
  const sim = await startSimulator(simOptions);
  const dataDir = tempDir("tl-collection");
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    TENANTLENS_DATA_DIR: dataDir,
    ...graphEnv(sim),
    POLL_INTERVAL_SECONDS: "0",
    GENERATION_GRACE_MS: "0",
    GRAPH_BACKOFF_BASE_MS: "100",
    // The simulator's generated logs span the 30 days before today: the first window takes them all.
    LOG_LOOKBACK_DAYS: "60",
    ...extraEnv,
  };
  const services = new Map<string, ServiceProcess>();
  const bus = await connectTestBus(nats, { service: "gateway", label: "collection-test", level: "warn" });
  const stack: CollectionStack = {
    nats,
    sim,
    bus,
    env,
    warehouseFile: path.join(dataDir, "warehouse", "warehouse.duckdb"),
    services,
    async start(name) {
      const proc = await startService(name, env, { readyTimeoutMs: 60_000 });
      services.set(name, proc);
      return proc;
    },
    async createIntegration(tenant, name) {
      const { integration } = await bus.request(
        IntegrationCreate,
        {
          workspaceId: "default",
          name,
          tenantId: tenant.tenantId,
          auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
        },
        { timeoutMs: 30_000 },
      );
      assert.equal(integration.status, "active", integration.statusReason ?? "");
      return integration;
    },
    async startPoll(integrationId, resources) {
      const { pollId } = await bus.request(
        PollStart,
        { workspaceId: "default", integrationId, reason: "manual", ...(resources ? { resources } : {}) },
        { timeoutMs: 30_000 },
      );
      return pollId;
    },
    async polls(integrationId) {
      const { polls } = await bus.request(PollList, { workspaceId: "default", integrationId, limit: 50 });
      return polls;
    },
    async poll(pollId, integrationId, accept, timeoutMs = 120_000) {
      return waitFor(
        async () => {
          const p = (await stack.polls(integrationId)).find((x) => x.pollId === pollId);
          return p && accept(p) ? p : undefined;
        },
        { what: `poll ${pollId}`, timeoutMs, intervalMs: 100 },
      );
    },
    stop: () => stopStack(bus, sim),
  };
  try {
    for (const name of ["auth", "store", "poller"] as const) await stack.start(name);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** The first poll of an integration (the one its creation started), once the store has it. */
export async function firstPoll(stack: CollectionStack, integrationId: string): Promise<string> {
  const p = await waitFor(async () => (await stack.polls(integrationId)).at(-1), {
    what: `the first poll of ${integrationId}`,
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  return p.pollId;
}
