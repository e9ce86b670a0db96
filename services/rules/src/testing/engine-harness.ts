import path from "node:path";
import { type Bus, connectBus } from "@tenantlens/bus";
import {
  type EventDef,
  type EventPayload,
  type Generation,
  RuleChanged,
  RuleEvaluated,
  RuleStatusChanged,
  RunCompleted,
  ScoreRecorded,
  SuppressionChanged,
  ViolationsChanged,
} from "@tenantlens/contracts";
import { writeGeneration } from "@tenantlens/query/testing";
import { createLogger, type Logger } from "@tenantlens/telemetry";
import { type NatsServer, startNats, tempDir, waitFor } from "@tenantlens/testkit";
import { OutboxPublisher } from "../adapters/outbox.js";
import { StateDb } from "../adapters/state-db.js";
import { RulesEngine } from "../engine.js";
import { RuleAdmin } from "../rule-admin.js";
import { Suppressions } from "../suppressions.js";
import { type Tables, workspaceTables } from "./compliant-tenant.js";
import { SandboxExecutor } from "./sandbox-executor.js";

/** Every TL_RULES event a test sees, as published (through a real nats-server). */
export class EventLog {
  readonly runs: EventPayload<typeof RunCompleted>[] = [];
  readonly changes: EventPayload<typeof ViolationsChanged>[] = [];
  readonly evaluated: EventPayload<typeof RuleEvaluated>[] = [];
  readonly statuses: EventPayload<typeof RuleStatusChanged>[] = [];
  readonly scores: EventPayload<typeof ScoreRecorded>[] = [];
  readonly rules: EventPayload<typeof RuleChanged>[] = [];
  readonly suppressions: EventPayload<typeof SuppressionChanged>[] = [];

  listen(bus: Bus): void {
    const add =
      <E extends EventDef>(def: E, list: EventPayload<E>[]) =>
      () =>
        bus.subscribe(def, async (p) => {
          list.push(p);
        });
    add(RunCompleted, this.runs)();
    add(ViolationsChanged, this.changes)();
    add(RuleEvaluated, this.evaluated)();
    add(RuleStatusChanged, this.statuses)();
    add(ScoreRecorded, this.scores)();
    add(RuleChanged, this.rules)();
    add(SuppressionChanged, this.suppressions)();
  }

  /** Waits for a run's RunCompleted (published last, after every other event of the run). */
  run(
    pred: (r: EventPayload<typeof RunCompleted>) => boolean,
    what: string,
  ): Promise<EventPayload<typeof RunCompleted>> {
    return waitFor(() => this.runs.find(pred), { what, timeoutMs: 30_000 });
  }

  /** Waits for the violation changes of a run (or suppression action) to be published. */
  changesOf(runId: string): Promise<EventPayload<typeof ViolationsChanged>> {
    return waitFor(() => this.changes.find((c) => c.runId === runId), {
      what: `changes of ${runId}`,
      timeoutMs: 30_000,
    });
  }

  /** Every transition of a run, for one rule: `resource:transition`. */
  transitions(runId: string, ruleId?: string): string[] {
    return this.changes
      .filter((c) => c.runId === runId && (!ruleId || c.ruleId === ruleId))
      .flatMap((c) => c.changes.map((x) => `${x.resourceId}:${x.transition}`))
      .sort();
  }
}

export interface EngineHarness {
  nats: NatsServer;
  bus: Bus;
  db: StateDb;
  executor: SandboxExecutor;
  engine: RulesEngine;
  admin: RuleAdmin;
  suppressions: Suppressions;
  outbox: OutboxPublisher;
  events: EventLog;
  /** Writes and registers a generation of a workspace; it becomes the current one. */
  commit(
    workspaceId: string,
    tables: Tables,
    opts?: { schemas?: Record<string, Array<[string, string]>> },
  ): Promise<Generation>;
  close(): Promise<void>;
}

export function silentLogger(name: string): Logger {
  return createLogger(name, {}, { level: process.env.TEST_LOG_LEVEL ?? "silent" });
}

/**
 * The rules engine in-process: a real nats-server (events published and observed), its DuckDB state
 * file, and rule queries through the query service's sandbox over Parquet generations the test
 * writes. Only the query service's process and NATS hop are left out (the end-to-end test has them).
 */
export async function startEngineHarness(opts: { now?: () => Date } = {}): Promise<EngineHarness> {
  const root = tempDir("tl-rules-engine");
  const nats = await startNats();
  const logger = silentLogger("rules-test");
  const bus = await connectBus({ ...nats.client(), service: "rules", logger });
  await bus.ensureStreams();
  const events = new EventLog();
  const observer = await connectBus({ ...nats.client(), service: "notifier", logger });
  events.listen(observer);
  const db = await StateDb.open(path.join(root, "state", "rules.duckdb"));
  const executor = await SandboxExecutor.open(path.join(root, "sandbox"));
  const current = new Map<string, number>();
  const defs = new Map<string, EventDef>(
    [
      RuleChanged,
      RuleEvaluated,
      ViolationsChanged,
      RuleStatusChanged,
      ScoreRecorded,
      RunCompleted,
      SuppressionChanged,
    ].map((d) => [d.subject, d as EventDef]),
  );
  const outbox = new OutboxPublisher(
    db,
    async (subject, payload) => {
      await bus.publish(defs.get(subject) as EventDef, payload);
    },
    logger,
  );
  const engine = new RulesEngine({
    db,
    executor,
    currentGeneration: async (ws) => current.get(ws) ?? null,
    outbox,
    log: logger,
    limits: { concurrency: 2, maxViolations: 10_000, maxMessageBytes: 64_000 },
    now: opts.now,
    retryMs: 200,
  });
  const admin = new RuleAdmin(engine);
  const suppressions = new Suppressions(engine);
  const counters = new Map<string, number>();
  return {
    nats,
    bus,
    db,
    executor,
    engine,
    admin,
    suppressions,
    outbox,
    events,
    async commit(workspaceId, tables, o = {}) {
      const id = (counters.get(workspaceId) ?? 0) + 1;
      counters.set(workspaceId, id);
      const g = await writeGeneration({
        root: path.join(root, "generations"),
        workspaceId,
        generationId: id,
        tables,
        schemas: o.schemas,
        allCatalogTables: true,
      });
      const generation = { ...g, pollIds: [`poll_fixture${String(id).padStart(8, "0")}`] };
      executor.add(generation);
      current.set(workspaceId, id);
      return generation;
    },
    async close() {
      suppressions.stop();
      await engine.stop();
      await outbox.stop();
      await observer.drain();
      await bus.drain();
      await db.close();
      await executor.close();
      await nats.stop();
    },
  };
}

export { workspaceTables };
