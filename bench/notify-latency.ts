/**
 * How soon a webhook arrives. Three paths to one loopback receiver, one message at a time:
 *   baseline   a signed POST made directly by this process (HMAC + HTTP, nothing else);
 *   event      an integration turning broken, published to JetStream → notifier process → webhook;
 *   generation a collection committed by the store (change of one user's accountEnabled) →
 *              generation event → notifier runs the change alert through the query service → webhook,
 *              timed from the generation's committedAt.
 * Real nats-server, notifier, store and query processes. Not a test: it prints p50/p95.
 *
 *   node --import tsx bench/notify-latency.ts [--quick] [--runs 40]
 */

import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { connectBus, on } from "../libs/bus/src/index.js";
import {
  AlertCreate,
  ChannelCreate,
  type EventPayload,
  GenerationCommitted,
  IntegrationChanged,
  PageCollected,
  PollCompleted,
  PollStarted,
  ResourceCollected,
} from "../libs/contracts/src/index.js";
import { createLogger } from "../libs/telemetry/src/index.js";
import { startNats, startService, stopAll, tempDir, waitFor } from "../libs/testkit/src/index.js";
import { ownPeakRssMb, printFigures, quickMode } from "./_lib/report.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : quickMode() ? 12 : 40;
const GENERATION_RUNS = Math.max(10, Math.round(RUNS / 2));
const WS = "default";

// ---- receiver: records the arrival time (performance.timeOrigin-based wall clock) per webhook-id
const arrivals = new Map<string, { at: number; body: string }>();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    arrivals.set(String(req.headers["webhook-id"]), {
      at: performance.timeOrigin + performance.now(),
      body: Buffer.concat(chunks).toString(),
    });
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const port = (server.address() as AddressInfo).port;
const url = `http://127.0.0.1:${port}/hook`;
const now = () => performance.timeOrigin + performance.now();

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
  return { n: s.length, p50: q(50), p95: q(95), max: s[s.length - 1] ?? Number.NaN };
}
const fmt = (v: number) => `${v.toFixed(1)} ms`;

// ---- baseline: a signed POST straight from here
const secret = `whsec_${randomBytes(32).toString("base64")}`;
const baseline: number[] = [];
for (let i = 0; i < RUNS + 5; i++) {
  const id = `msg_base${i}`;
  const body = JSON.stringify({ type: "baseline", data: { i } });
  const start = now();
  const ts = Math.floor(Date.now() / 1000);
  const sig = createHmac("sha256", Buffer.from(secret.slice(6), "base64"))
    .update(`${id}.${ts}.${body}`)
    .digest("base64");
  await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(ts),
      "webhook-signature": `v1,${sig}`,
    },
    body,
  });
  if (i >= 5) baseline.push((arrivals.get(id)?.at ?? Number.NaN) - start);
}

// ---- the system
const nats = await startNats();
const dataDir = tempDir("tl-bench-notify");
const env = { NATS_URL: nats.url, TENANTLENS_DATA_DIR: dataDir };
const services = [
  await startService("notifier", { ...env, NOTIFIER_ALLOWED_TARGETS: `127.0.0.1:${port}` }),
  await startService("store", { ...env, GENERATION_DEBOUNCE_MS: "500" }),
  await startService("query", { ...env, QUERY_WORKERS: "1" }),
];
const bus = await connectBus({
  ...nats.client(),
  service: "gateway",
  logger: createLogger("bench", {}, { level: "silent" }),
});
const { channel } = await bus.request(ChannelCreate, {
  kind: "webhook",
  workspaceId: WS,
  actor: "bench",
  name: "bench",
  url,
  limits: { maxMessages: 1000, windowSeconds: 1, dedupSeconds: 0 },
});
await bus.request(AlertCreate, {
  kind: "integration",
  workspaceId: WS,
  actor: "bench",
  name: "broken",
  channelIds: [channel.id],
  filters: { statuses: ["broken"], pollFailed: false },
});

const idOf = (body: string) => body;
const waitBody = (pred: (body: string) => boolean, what: string) =>
  waitFor(() => [...arrivals.values()].find((a) => pred(a.body)), { what, timeoutMs: 30_000, intervalMs: 2 });

// ---- event → webhook
const eventPath: number[] = [];
for (let i = 0; i < RUNS + 5; i++) {
  const integrationId = `int_bench${randomBytes(8).toString("hex")}`;
  const at = new Date().toISOString();
  const integration = {
    id: integrationId,
    workspaceId: WS,
    name: `bench ${i}`,
    tenantId: randomUUID(),
    authMode: "app" as const,
    clientId: "c",
    status: "broken" as const,
    statusReason: "bench",
    enabled: true,
    createdAt: at,
    updatedAt: at,
  };
  const start = now();
  await bus.publish(IntegrationChanged, { change: "updated", integration, at });
  const arrived = await waitBody((b) => idOf(b).includes(integrationId), `webhook ${i}`);
  if (i >= 5) eventPath.push(arrived.at - start);
}

// ---- generation commit → change alert → webhook
await bus.request(AlertCreate, {
  kind: "change",
  workspaceId: WS,
  actor: "bench",
  name: "accounts",
  channelIds: [channel.id],
  filters: { table: "azuread_user", changeTypes: ["modified"], fields: ["account_enabled"] },
});
const committed: EventPayload<typeof GenerationCommitted>[] = [];
await bus.consume({
  durable: "bench-generations",
  stream: "TL_STORE",
  handlers: [on(GenerationCommitted, async (g) => void committed.push(g))],
});
const ref = {
  workspaceId: WS,
  integrationId: `int_bench${randomBytes(8).toString("hex")}`,
  tenantId: randomUUID(),
};
const users = Array.from({ length: 50 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  displayName: `User ${i}`,
  userPrincipalName: `user${i}@bench.test`,
  accountEnabled: true,
}));
async function poll(n: number) {
  const pollId = `poll_${randomBytes(10).toString("hex")}`;
  const at = new Date().toISOString();
  // User 0 is enabled in even collections and disabled in odd ones: every collection after the first changes it.
  const objects = users.map((u, i) => (i === 0 ? { ...u, accountEnabled: n % 2 === 0 } : u));
  await bus.publish(PollStarted, { ...ref, pollId, resources: ["users"], reason: "manual", startedAt: at });
  await bus.publish(PageCollected, {
    ...ref,
    pollId,
    resource: "users",
    mode: "full",
    page: 0,
    chunk: 0,
    objects,
    removed: [],
    collectedAt: at,
  });
  await bus.publish(ResourceCollected, {
    ...ref,
    pollId,
    resource: "users",
    mode: "full",
    outcome: "complete",
    reason: null,
    objectCount: objects.length,
    removedCount: 0,
    pages: 1,
    durationMs: 1,
    collectedAt: at,
  });
  await bus.publish(PollCompleted, {
    ...ref,
    pollId,
    outcome: "succeeded",
    error: null,
    startedAt: at,
    completedAt: at,
    resources: [
      { resource: "users", mode: "full", outcome: "complete", reason: null, objectCount: objects.length },
    ],
  });
  return waitFor(() => committed.find((g) => g.pollIds.includes(pollId)), {
    what: `generation of ${pollId}`,
    timeoutMs: 60_000,
  });
}
await poll(0); // the baseline collection
const generationPath: number[] = [];
for (let n = 1; n <= GENERATION_RUNS + 2; n++) {
  const g = await poll(n);
  const arrived = await waitBody(
    (b) => b.includes(`"generationId":${g.generationId}`) && b.includes("resource.changed"),
    `change webhook ${n}`,
  );
  if (n > 2) generationPath.push(arrived.at - Date.parse(g.committedAt));
}

// ---- report
const rows: [string, ReturnType<typeof stats>][] = [
  ["baseline: signed POST from this process", stats(baseline)],
  ["event published → webhook (integration alert)", stats(eventPath)],
  ["generation committed → webhook (change alert via query)", stats(generationPath)],
];
console.log(`\nnotify latency (${RUNS} events, ${GENERATION_RUNS} generations; one message at a time)\n`);
console.log("| path | n | p50 | p95 | max |\n| --- | --- | --- | --- | --- |");
for (const [name, s] of rows)
  console.log(`| ${name} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.max)} |`);
const b = stats(baseline);
console.log(
  `\nratio to baseline (p50 / p95): event ${(stats(eventPath).p50 / b.p50).toFixed(1)} / ${(stats(eventPath).p95 / b.p95).toFixed(1)}, ` +
    `generation ${(stats(generationPath).p50 / b.p50).toFixed(1)} / ${(stats(generationPath).p95 / b.p95).toFixed(1)}`,
);
const p95 = Math.max(stats(eventPath).p95, stats(generationPath).p95);
console.log(`target p95 < 1000 ms: ${p95 < 1000 ? "met" : "NOT met"} (${fmt(p95)})`);
const peakRssMb: Record<string, number> = { "benchmark (webhook receiver)": ownPeakRssMb() };
for (const s of services) {
  try {
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${s.pid}/status`, "utf8"))?.[1];
    peakRssMb[s.name] = Math.round(Number(kb ?? 0) / 1024);
  } catch {
    // gone already
  }
}
printFigures(import.meta.url, [
  {
    figure: "event published → webhook, p95",
    value: stats(eventPath).p95,
    unit: "ms",
    baseline: b.p95,
    target: "< 1000 ms",
    peakRssMb,
  },
  {
    figure: "generation committed → change webhook, p95",
    value: stats(generationPath).p95,
    unit: "ms",
    baseline: b.p95,
    target: "< 1000 ms",
    peakRssMb,
  },
]);

await bus.drain();
server.close();
await stopAll();
process.exit(0);
