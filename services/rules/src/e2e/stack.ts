import { type Bus, on } from "@tenantlens/bus";
import {
  type EventDef,
  type EventPayload,
  GenerationCommitted,
  RuleChanged,
  RuleEvaluated,
  RuleStatusChanged,
  RunCompleted,
  ScoreRecorded,
  SuppressionChanged,
  ViolationsChanged,
} from "@tenantlens/contracts";
import {
  type GraphTarget,
  graphEnv,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  tempDir,
  waitFor,
} from "@tenantlens/testkit";

/** Every service the rules need, each its own process, in start order (no HTTP: the test speaks NATS). */
export const SERVICES = ["auth", "store", "query", "poller", "rules"] as const;

export interface Stack {
  nats: NatsServer;
  env: Record<string, string>;
  services: Map<string, ServiceProcess>;
  start(name: string): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export async function startStack(graph: GraphTarget, extra: Record<string, string> = {}): Promise<Stack> {
  const nats = await startNats();
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    TENANTLENS_DATA_DIR: tempDir("tl-rules-e2e"),
    ...graphEnv(graph),
    OTEL_SDK_DISABLED: "true",
    ...extra,
  };
  const services = new Map<string, ServiceProcess>();
  const stack: Stack = {
    nats,
    env,
    services,
    async start(name) {
      const p = await startService(name, env, { readyTimeoutMs: 60_000 });
      services.set(name, p);
      return p;
    },
    async stop() {
      for (const name of [...SERVICES].reverse()) await services.get(name)?.stop();
      await nats.stop();
    },
  };
  try {
    for (const name of SERVICES) await stack.start(name);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/**
 * Everything stored in TL_RULES (and the generations), read through a JetStream consumer: each
 * stored message once, so "exactly once" can be counted (a core subscription would also see
 * duplicates the stream dropped).
 */
export class Observed {
  readonly runs: EventPayload<typeof RunCompleted>[] = [];
  readonly changes: EventPayload<typeof ViolationsChanged>[] = [];
  readonly evaluated: EventPayload<typeof RuleEvaluated>[] = [];
  readonly generations: EventPayload<typeof GenerationCommitted>[] = [];

  async follow(bus: Bus, name: string): Promise<void> {
    const keep =
      <E extends EventDef>(list: EventPayload<E>[] | null) =>
      async (p: EventPayload<E>) => {
        list?.push(p);
      };
    await bus.consume({
      durable: name,
      stream: "TL_RULES",
      handlers: [
        on(RunCompleted, keep(this.runs)),
        on(ViolationsChanged, keep(this.changes)),
        on(RuleEvaluated, keep(this.evaluated)),
        on(RuleChanged, keep(null)),
        on(RuleStatusChanged, keep(null)),
        on(ScoreRecorded, keep(null)),
        on(SuppressionChanged, keep(null)),
      ],
      maxAckPending: 10_000,
      concurrency: 8,
    });
    bus.subscribe(GenerationCommitted, async (g) => {
      this.generations.push(g);
    });
  }

  run(pred: (r: EventPayload<typeof RunCompleted>) => boolean, what: string, timeoutMs = 120_000) {
    return waitFor(() => this.runs.find(pred), { what, timeoutMs, intervalMs: 100 });
  }

  /** Transitions of one resource under one rule in one workspace, in publication order. */
  transitionsOf(workspaceId: string, ruleId: string, resourceId: string, runId?: string): string[] {
    return this.changes
      .filter((c) => c.workspaceId === workspaceId && c.ruleId === ruleId && (!runId || c.runId === runId))
      .flatMap((c) => c.changes.filter((x) => x.resourceId === resourceId).map((x) => x.transition));
  }
}
