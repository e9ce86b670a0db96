import path from "node:path";
import { type Bus, type Consumer, consumeWorkspaceDeletions } from "@tenantlens/bus";
import type { Keyring } from "@tenantlens/secrets";
import type { Logger } from "@tenantlens/telemetry";
import { Db } from "./adapters/db.js";
import { MIGRATIONS, prune, purgeWorkspace } from "./adapters/state.js";
import { resolveWithServers, resolveWithSystem, TargetGuard } from "./adapters/target-guard.js";
import { Alerts } from "./alerts.js";
import { Channels } from "./channels.js";
import type { NotifierConfig } from "./config.js";
import { Deliverer } from "./delivery/deliverer.js";
import { EmailSender } from "./delivery/email-sender.js";
import { EmailRenderer } from "./delivery/render.js";
import { WebhookSender } from "./delivery/webhook-sender.js";
import { Evaluator } from "./evaluate.js";
import { LogPump } from "./log-pump.js";
import { Pipeline } from "./pipeline.js";
import { startConsumers } from "./transport/consumers.js";
import { serveRequests } from "./transport/requests.js";

export interface Notifier {
  /** Stops consuming, lets deliveries in flight finish and publishes the rest of the delivery log. */
  stop(): Promise<void>;
  /** Closes the database (after the bus drained: requests in flight may still read it). */
  close(): Promise<void>;
}

const DAY = 86_400_000;

/** Wires the notifier: database, delivery loop, delivery log, event consumers, requests, sweeps. */
export async function startNotifier(opts: {
  bus: Bus;
  config: NotifierConfig;
  ring: Keyring;
  logger: Logger;
}): Promise<Notifier> {
  const { bus, config, ring, logger } = opts;
  const db = await Db.open(path.join(config.TENANTLENS_DATA_DIR, "notifier", "notifier.duckdb"), MIGRATIONS);
  const consoleUrl = `${config.PUBLIC_URL}/`;
  const guard = new TargetGuard(
    config.NOTIFIER_ALLOWED_TARGETS,
    config.NOTIFIER_DNS_SERVERS?.length ? resolveWithServers(config.NOTIFIER_DNS_SERVERS) : resolveWithSystem,
    { connectTimeoutMs: config.NOTIFIER_WEBHOOK_TIMEOUT_MS },
  );
  const email = new EmailSender({
    smtpUrl: config.SMTP_URL ?? null,
    from: config.SMTP_FROM,
    timeoutMs: config.NOTIFIER_SMTP_TIMEOUT_MS,
  });
  const logPump = new LogPump(db, bus, logger.child({ component: "delivery-log" }));
  const deliverer = new Deliverer({
    db,
    log: logger.child({ component: "delivery" }),
    ring,
    email,
    webhook: new WebhookSender(guard, config.NOTIFIER_WEBHOOK_TIMEOUT_MS),
    renderer: new EmailRenderer(),
    schedule: config.NOTIFIER_RETRY_SCHEDULE,
    concurrency: config.NOTIFIER_CONCURRENCY,
    leaseMs: Math.max(config.NOTIFIER_WEBHOOK_TIMEOUT_MS, config.NOTIFIER_SMTP_TIMEOUT_MS) * 3,
    onSettled: () => logPump.wake(),
  });
  const onQueued = () => {
    deliverer.wake();
    logPump.wake();
  };
  const pipeline = new Pipeline({ db, log: logger, consoleUrl, onQueued });
  const evaluator = new Evaluator({
    db,
    bus,
    log: logger.child({ component: "evaluate" }),
    consoleUrl,
    queryMaxRows: config.NOTIFIER_QUERY_MAX_ROWS,
    onQueued,
  });
  const channels = new Channels({ db, ring, guard, deliverer, consoleUrl, onChanged: () => logPump.wake() });
  const alerts = new Alerts({ db, bus, log: logger, evaluator });

  serveRequests(bus, channels, alerts, db);
  await deliverer.start();
  logPump.wake();
  const consumers: Consumer[] = [
    ...(await startConsumers(bus, pipeline, evaluator)),
    await consumeWorkspaceDeletions(bus, {
      service: "notifier",
      purge: (workspaceId) => db.transaction((sql) => purgeWorkspace(sql, workspaceId)),
    }),
  ];

  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await pipeline.sweep(config.NOTIFIER_DIGEST_MAX_WAIT_MS);
      await db.transaction((sql) =>
        prune(sql, Date.now(), { keepMs: 8 * DAY, logRetentionMs: config.NOTIFIER_LOG_RETENTION_DAYS * DAY }),
      );
    } catch (err) {
      logger.error({ err }, "sweep failed");
    } finally {
      sweeping = false;
    }
  };
  const sweeper = setInterval(() => void sweep(), config.NOTIFIER_SWEEP_INTERVAL_MS);

  return {
    async stop() {
      clearInterval(sweeper);
      await Promise.all(consumers.map((c) => c.stop()));
      await deliverer.stop();
      await logPump.stop();
      email.close();
      await guard.close();
    },
    close: () => db.close(),
  };
}
