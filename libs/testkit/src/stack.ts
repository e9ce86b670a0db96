import { type Bus, type ConnectOptions, connectBus } from "@tenantlens/bus";
import { createLogger } from "@tenantlens/telemetry";
import type { BusIdentityName, NatsServer } from "./nats.js";
import { stopAll } from "./registry.js";

/**
 * Where the Graph API and the identity platform answer. The Entra simulator's handle fits as is;
 * the testkit takes the shape rather than the simulator so it stays generic.
 */
export interface GraphTarget {
  graphEndpoint: string;
  authorityHost: string;
  caCertPath: string;
}

/** Env that points auth and the poller at `graph`; its CA must be trusted from process start (msal). */
export function graphEnv(graph: GraphTarget): Record<string, string> {
  return {
    GRAPH_ENDPOINT: graph.graphEndpoint,
    AZURE_AUTHORITY_HOST: graph.authorityHost,
    NODE_EXTRA_CA_CERTS: graph.caCertPath,
  };
}

export interface TestBusOptions {
  /**
   * The service the test's client stands in for (connection name, queue groups). On a locked bus it
   * connects as the unrestricted `test` identity unless `identity` names a service whose permissions
   * it should have instead.
   */
  service: ConnectOptions["service"];
  /** Logger name, so the test's own lines are told apart from the services'. */
  label: string;
  level?: "warn" | "silent";
  identity?: BusIdentityName;
}

/** A bus client for a test talking to services over `nats` as another service would. */
export function connectTestBus(nats: Pick<NatsServer, "client">, opts: TestBusOptions): Promise<Bus> {
  return connectBus({
    ...nats.client(opts.identity ?? "test"),
    service: opts.service,
    logger: createLogger(opts.label, {}, { level: opts.level ?? "silent" }),
  });
}

/**
 * After-hook body: drains the test's bus first (its subscriptions must not see services going
 * away), stops every tracked service and nats-server, then `extras` such as a simulator.
 */
export async function stopStack(
  bus: Bus | undefined,
  ...extras: Array<{ stop(): Promise<unknown> } | undefined>
): Promise<void> {
  await bus?.drain();
  await stopAll();
  for (const e of extras) await e?.stop();
}
