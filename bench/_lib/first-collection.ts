/**
 * What the benchmarks that time a tenant's first collection share (ingest-e2e, store-drain): NATS,
 * the simulator with one tenant in this process (answering at once, or after a drawn latency per
 * request), the services' environment, a bus to watch events on, and how to connect the tenant
 * (`connectTenant`, which the other benchmarks use too).
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { IntegrationCreate } from "../../libs/contracts/src/index.js";
import { startSimulator } from "../../libs/entra-sim/src/index.js";
import { connectTestBus, graphEnv, startNats, stopAll, tempDir } from "../../libs/testkit/src/index.js";

export async function firstCollectionSetUp(
  users: number,
  dataDirLabel: string,
  opts: { latency?: { minMs: number; maxMs: number } } = {},
) {
  const nats = await startNats();
  const sim = await startSimulator({ seed: 11, tenants: [{ users }] });
  const tenant = sim.tenants[0];
  if (!tenant) throw new Error("no tenant");
  // Every Graph request of the tenant waits a drawn latency, as Graph's own do.
  if (opts.latency) await sim.control.setLatency(opts.latency, tenant.tenantId);
  const env = {
    NATS_URL: nats.url,
    TENANTLENS_DATA_DIR: tempDir(dataDirLabel),
    ...graphEnv(sim),
    // One poll is measured: the next one must not start meanwhile.
    POLL_INTERVAL_SECONDS: "3600",
    POLL_SLOW_INTERVAL_SECONDS: "3600",
  };
  const bus = await connectTestBus(nats, { service: "gateway", label: "bench" });
  await bus.ensureStreams();
  return {
    env,
    bus,
    /** Connects the tenant; its first poll starts. */
    connect: () => connectTenant(bus, tenant),
    async stop(): Promise<void> {
      await bus.drain();
      await stopAll();
      await sim.stop();
      await nats.stop();
    },
  };
}

/** Connects a simulator tenant (app-only) as the integration "Bench" of the default workspace: its first poll starts. */
export function connectTenant(
  bus: Awaited<ReturnType<typeof connectTestBus>>,
  tenant: { tenantId: string; clientId: string; clientSecret: string },
) {
  return bus.request(
    IntegrationCreate,
    {
      workspaceId: "default",
      name: "Bench",
      tenantId: tenant.tenantId,
      auth: { mode: "app", clientId: tenant.clientId, clientSecret: tenant.clientSecret },
    },
    { timeoutMs: 60_000 },
  );
}

/**
 * When each poll became visible (the store committed a generation holding it), and which
 * generation that was, as the store announces them on `bus`.
 */
export function watchVisiblePolls(bus: Awaited<ReturnType<typeof connectTestBus>>) {
  const visible = new Map<string, number>();
  const generationOf = new Map<string, number>();
  bus.nc.subscribe("store.generation.committed.>", {
    callback: (_e, m) => {
      const g = m.json<{ generationId: number; pollIds: string[] }>();
      for (const id of g.pollIds) {
        visible.set(id, performance.now());
        generationOf.set(id, g.generationId);
      }
    },
  });
  return { visible, generationOf };
}

/** Resolves with `what()` once it is defined (checked every 100 ms). */
export async function until<T>(what: () => T | undefined): Promise<T> {
  for (;;) {
    const v = what();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Peak resident set (VmHWM) of a running process, in MB. */
export function peakRssMbOf(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}
