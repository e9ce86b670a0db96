import path from "node:path";
import { type Bus, type Consumer, consumeWorkspaceDeletions } from "@tenantlens/bus";
import { allEvents, type EventDef, GenerationGet } from "@tenantlens/contracts";
import type { Logger } from "@tenantlens/telemetry";
import { OutboxPublisher } from "./adapters/outbox.js";
import { natsExecutor, resetResultsDir } from "./adapters/query-client.js";
import type { StateDb } from "./adapters/state-db.js";
import type { RulesConfig } from "./config.js";
import { RulesEngine } from "./engine.js";
import { RuleAdmin } from "./rule-admin.js";
import { Suppressions } from "./suppressions.js";
import { consumeGenerations } from "./transport/consumers.js";
import { serveRules } from "./transport/requests.js";

export type RulesSettings = Pick<
  RulesConfig,
  | "RULES_QUERY_TIMEOUT_MS"
  | "RULES_CONCURRENCY"
  | "RULES_MAX_VIOLATIONS"
  | "RULES_MAX_MESSAGE_BYTES"
  | "RULES_ACK_WAIT_SECONDS"
>;

export interface RunningRules {
  engine: RulesEngine;
  outbox: OutboxPublisher;
  /** Stops consuming and the timers, waits for runs in flight and the outbox (bus and DuckDB stay open). */
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

/**
 * Wires the rules service onto a connected bus and its open state: publishes what a crash left in the
 * outbox, finishes pending runs, handles expiries that passed meanwhile, then serves and consumes.
 */
export async function startRules(deps: {
  bus: Bus;
  db: StateDb;
  config: RulesSettings;
  logger: Logger;
}): Promise<RunningRules> {
  const { bus, db, config, logger } = deps;
  const defs = new Map<string, EventDef>(allEvents.map((e) => [e.subject, e]));
  const outbox = new OutboxPublisher(
    db,
    async (subject, payload) => {
      const def = defs.get(subject);
      if (!def) throw new Error(`no event declared for ${subject}`);
      await bus.publish(def, payload);
    },
    logger.child({ component: "outbox" }),
  );
  // Rule results are Parquet files next to the state file, deleted once their run is applied.
  const resultsDir = path.join(path.dirname(db.file), "results");
  await resetResultsDir(resultsDir);
  const engine = new RulesEngine({
    db,
    executor: natsExecutor(bus, { timeoutMs: config.RULES_QUERY_TIMEOUT_MS, resultsDir }),
    currentGeneration: async (workspaceId) =>
      (await bus.request(GenerationGet, { workspaceId }, { timeoutMs: 10_000 })).generation?.generationId ??
      null,
    outbox,
    log: logger,
    limits: {
      concurrency: config.RULES_CONCURRENCY,
      maxViolations: config.RULES_MAX_VIOLATIONS,
      maxMessageBytes: config.RULES_MAX_MESSAGE_BYTES,
    },
  });
  const admin = new RuleAdmin(engine);
  const suppressions = new Suppressions(engine);

  outbox.kick();
  await engine.recover();
  await suppressions
    .expireDue()
    .catch((err: unknown) => logger.warn({ err }, "expiry at start failed; retried"));
  suppressions.arm();
  serveRules(bus, { engine, admin, suppressions });
  const consumers: Consumer[] = [
    await consumeGenerations(bus, engine, logger, { ackWaitSeconds: config.RULES_ACK_WAIT_SECONDS }),
    await consumeWorkspaceDeletions(bus, {
      service: "rules",
      purge: (workspaceId) => engine.purgeWorkspace(workspaceId),
    }),
  ];

  // Runs are remembered to ignore redelivered triggers; a month covers every stream's retention.
  const prune = setInterval(() => {
    void db
      .exclusive((sql) => sql.run("DELETE FROM runs WHERE applied_at < now() - INTERVAL 35 DAY"))
      .catch((err: unknown) => logger.warn({ err }, "could not prune old runs"));
  }, DAY_MS);
  prune.unref();

  return {
    engine,
    outbox,
    async stop() {
      clearInterval(prune);
      await Promise.all(consumers.map((c) => c.stop()));
      suppressions.stop();
      await engine.stop();
      await outbox.stop();
    },
  };
}
