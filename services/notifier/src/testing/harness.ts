import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type Bus, type Consumer, on } from "@tenantlens/bus";
import {
  type Channel,
  ChannelCreate,
  DeliveryRecorded,
  type EventPayload,
  type IntegrationChanged,
  type Notification,
  type RuleStatusChanged,
  type RunCompleted,
  type ViolationsChanged,
} from "@tenantlens/contracts";
import {
  connectTestBus,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  tempDir,
  waitFor,
} from "@tenantlens/testkit";

/**
 * The notifier as its own process on a real nats-server, a test bus that publishes what the other
 * services would, and the delivery log as the store sees it (`notifier.delivery.recorded`).
 */
export interface NotifierStack {
  nats: NatsServer;
  bus: Bus;
  notifier: ServiceProcess;
  env: Record<string, string>;
  dataDir: string;
  /** Every delivery-log event received so far, in order. */
  records: Notification[];
  /** The latest state of one notification, once `pred` holds for it. */
  waitRecord(pred: (n: Notification) => boolean, what: string, timeoutMs?: number): Promise<Notification>;
  restart(how: "kill" | "stop"): Promise<void>;
  stop(): Promise<void>;
}

/** Fast schedules so retries take milliseconds. */
export const FAST_ENV = {
  NOTIFIER_RETRY_SCHEDULE: "100ms,200ms",
  NOTIFIER_SWEEP_INTERVAL_MS: "200ms",
  NOTIFIER_WEBHOOK_TIMEOUT_MS: "2s",
  PUBLIC_URL: "http://console.test:8080",
};

/** `nats`/`dataDir`: run on an existing server and data directory (e.g. after another notifier stopped). */
export async function startNotifierStack(
  env: Record<string, string> = {},
  opts: { nats?: NatsServer; dataDir?: string } = {},
): Promise<NotifierStack> {
  const nats = opts.nats ?? (await startNats());
  const dataDir = opts.dataDir ?? tempDir("tl-notifier");
  const fullEnv = { NATS_URL: nats.url, TENANTLENS_DATA_DIR: dataDir, ...FAST_ENV, ...env };
  let notifier = await startService("notifier", fullEnv);
  const bus = await connectTestBus(nats, { service: "gateway", label: "notifier-test" });
  const records: Notification[] = [];
  const watcher: Consumer = await bus.consume({
    durable: `test-log-${randomBytes(4).toString("hex")}`,
    stream: "TL_NOTIFY",
    handlers: [
      on(DeliveryRecorded, async (n) => {
        records.push(n);
      }),
    ],
  });
  const latest = () => {
    const byId = new Map<string, Notification>();
    for (const r of records) byId.set(r.id, r);
    return [...byId.values()];
  };
  return {
    nats,
    bus,
    get notifier() {
      return notifier;
    },
    env: fullEnv,
    dataDir,
    records,
    waitRecord: (pred, what, timeoutMs = 15_000) =>
      waitFor(() => latest().find(pred), { what, timeoutMs, intervalMs: 20 }),
    async restart(how) {
      if (how === "kill") await notifier.kill();
      else await notifier.stop();
      notifier = await startService("notifier", fullEnv);
    },
    async stop() {
      await watcher.stop();
      await bus.drain();
      await notifier.stop();
      if (!opts.nats) await nats.stop();
    },
  };
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** TCP connections accepted (also those that never sent a request). */
  connections(): number;
  /** What to answer: status (and headers), default 204; "hang" never answers (the request stays open). */
  respond: (r: Received) => { status: number; headers?: Record<string, string> } | "hang";
  close(): Promise<void>;
}

/** A loopback HTTP server that records every request and connection. */
export async function startReceiver(): Promise<Receiver> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const receiver: Receiver = {
    url: "",
    port: 0,
    requests: [],
    connections: () => connections,
    respond: () => ({ status: 204 }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      receiver.requests.push(r);
      const answer = receiver.respond(r);
      if (answer !== "hang") res.writeHead(answer.status, answer.headers ?? {}).end();
    });
  });
  server.on("connection", (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}`;
  return receiver;
}

const nowIso = () => new Date().toISOString();

export const WS = "default";

export function newIntegrationId(): string {
  return `int_${randomBytes(10).toString("hex")}`;
}

export function integrationChanged(
  id: string,
  status: "active" | "broken" | "disabled" | "pending_consent",
  opts: { reason?: string; change?: "created" | "updated" | "deleted"; workspaceId?: string } = {},
): EventPayload<typeof IntegrationChanged> {
  const at = nowIso();
  return {
    change: opts.change ?? "updated",
    integration: {
      id,
      workspaceId: opts.workspaceId ?? WS,
      name: `Contoso ${id.slice(-4)}`,
      tenantId: "6f0d8a7e-4c57-4f7a-9a1c-8a3c2b1d0e9f",
      authMode: "app",
      clientId: "c",
      status,
      statusReason: opts.reason ?? null,
      enabled: true,
      createdAt: "2025-01-01T00:00:00.000Z",
      updatedAt: at,
    },
    at,
  };
}

export function runId(): string {
  return `run_${randomBytes(6).toString("hex")}`;
}

const ruleBase = (
  run: string,
  integrationId: string,
  rule: { id: string; severity: "critical" | "high" | "medium" },
) => ({
  workspaceId: WS,
  integrationId,
  runId: run,
  generationId: 7,
  at: nowIso(),
  ruleId: rule.id,
  title: `Rule ${rule.id}`,
  severity: rule.severity,
  packs: ["baseline"],
  managed: true,
});

export function violationsChanged(
  run: string,
  integrationId: string,
  rule: { id: string; severity: "critical" | "high" | "medium" },
  resources: string[],
  transition: "opened" | "resolved" | "reopened" = "opened",
): EventPayload<typeof ViolationsChanged> {
  const at = nowIso();
  return {
    ...ruleBase(run, integrationId, rule),
    part: 0,
    parts: 1,
    changes: resources.map((r) => ({
      resourceId: r,
      table: "azuread_user",
      displayName: `User ${r}`,
      transition,
      state: transition === "resolved" ? "resolved" : "open",
      firstSeenAt: at,
      lastSeenAt: at,
      resolvedAt: transition === "resolved" ? at : null,
      actor: null,
      reason: null,
      expiresAt: null,
    })),
  };
}

export function ruleStatusChanged(
  run: string,
  integrationId: string,
  rule: { id: string; severity: "critical" | "high" | "medium" },
  from: "passing" | "failing" | null,
  to: "passing" | "failing",
): EventPayload<typeof RuleStatusChanged> {
  return { ...ruleBase(run, integrationId, rule), from, to, violationCount: to === "failing" ? 1 : 0 };
}

export function runCompleted(run: string, integrationIds: string[]): EventPayload<typeof RunCompleted> {
  const at = nowIso();
  return {
    workspaceId: WS,
    runId: run,
    generationId: 7,
    trigger: "generation",
    integrationIds,
    skipped: 0,
    rules: 1,
    passing: 0,
    failing: 1,
    errors: 0,
    transitions: { opened: 0, resolved: 0, reopened: 0, suppressed: 0, unsuppressed: 0 },
    startedAt: at,
    completedAt: at,
  };
}

/** A webhook channel to `url` over NATS, as the gateway would create it. */
export async function createWebhook(
  bus: Bus,
  url: string,
  extra: Partial<{ name: string; headers: Record<string, string>; limits: Record<string, number> }> = {},
): Promise<{ channel: Channel; secret: string }> {
  const res = await bus.request(ChannelCreate, {
    kind: "webhook",
    workspaceId: WS,
    actor: "key_test",
    name: extra.name ?? "hook",
    url,
    ...(extra.headers ? { headers: extra.headers } : {}),
    ...(extra.limits
      ? { limits: { maxMessages: 100, windowSeconds: 60, dedupSeconds: 0, ...extra.limits } }
      : {}),
  });
  if (!res.secret) throw new Error("a webhook channel comes with its secret");
  return { channel: res.channel, secret: res.secret };
}
