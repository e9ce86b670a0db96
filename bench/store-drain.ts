/**
 * The store's own pace on a real first collection (not a test): `node --import tsx
 * bench/store-drain.ts [--quick] [--users 200000]`. Prints figures and BENCH lines.
 *
 * Real nats-server, auth and poller processes and the simulator in this process. The poller
 * collects a tenant's first poll with no store running, so its pages wait in JetStream; then the
 * store starts and applies them, alone on the machine, up to the generation that makes the poll
 * visible. This is the store's throughput on the mix a first read really brings (sign-ins, audits,
 * memberships, users, devices, …), with nothing else competing for the CPU, next to the
 * collection's own pace measured the same way (the poller alone). ingest-e2e.ts measures both
 * together. Full mode: 200,000 users; `--quick`: 20,000.
 */
import { performance } from "node:perf_hooks";
import { startService } from "../libs/testkit/src/index.js";
import { firstCollectionSetUp, peakRssMbOf, until, watchVisiblePolls } from "./_lib/first-collection.js";
import { option, printFigures, quickMode } from "./_lib/report.js";
import { loggedDuration } from "./_lib/service-logs.js";

const USERS = Number(option("users", quickMode() ? "20000" : "200000"));

const { env, bus, connect, stop } = await firstCollectionSetUp(USERS, "tl-bench-drain");

let pollId: string | undefined;
let collectedAt: number | undefined;
let objects = 0;
bus.nc.subscribe("poller.poll.started.>", {
  callback: (_e, m) => {
    pollId ??= m.json<{ pollId: string }>().pollId;
  },
});
bus.nc.subscribe("poller.resource.collected.>", {
  callback: (_e, m) => {
    objects += m.json<{ objectCount: number }>().objectCount;
  },
});
bus.nc.subscribe("poller.poll.completed.>", {
  callback: () => {
    collectedAt ??= performance.now();
  },
});
const { visible, generationOf } = watchVisiblePolls(bus);
console.log(`simulator: ${USERS} users; the poller collects with no store running`);
await startService("auth", env, { readyTimeoutMs: 180_000 });
const poller = await startService("poller", env, { readyTimeoutMs: 180_000 });
const created = performance.now();
await connect();
const collected = await until(() => collectedAt);
const poll = await until(() => pollId);
const collectMs = collected - created;
console.log(`collected ${objects} objects in ${(collectMs / 1000).toFixed(1)} s; starting the store`);

const store = await startService("store", env, { readyTimeoutMs: 180_000 });
const ready = performance.now();
const visibleAt = await until(() => visible.get(poll));
const drainMs = visibleAt - ready;
// The store's own log says how long the generation that made the poll visible took to write.
const generationMs = loggedDuration(store.logs(), "generation committed", {
  generationId: generationOf.get(poll),
});
const rss = { poller: peakRssMbOf(poller.pid), store: peakRssMbOf(store.pid) };
const collectRate = objects / (collectMs / 1000);
const drainRate = objects / (drainMs / 1000);

console.log("\n| figure | value |\n| --- | --- |");
console.log(
  `| collection alone (integration created → poll completed) | ${(collectMs / 1000).toFixed(1)} s, ${objects} objects, ${Math.round(collectRate)} objects/s |`,
);
console.log(
  `| store alone (ready → generation with the poll committed) | ${(drainMs / 1000).toFixed(1)} s, ${Math.round(drainRate)} objects/s, of which writing the generation ${((generationMs ?? Number.NaN) / 1000).toFixed(1)} s |`,
);
console.log(`| store pace ÷ collection pace | ${(drainRate / collectRate).toFixed(2)} |`);
console.log(`| peak RSS | poller ${rss.poller} MB, store ${rss.store} MB |`);
printFigures(import.meta.url, [
  {
    figure: `first collection of ${USERS} users, each side alone: store objects/s ÷ collection objects/s`,
    value: drainRate / collectRate,
    unit: "×",
    baseline: 1,
    target: "> 1 (the store keeps pace)",
    peakRssMb: rss,
  },
  {
    figure: `first collection of ${USERS} users: the store alone applies it`,
    value: drainRate,
    unit: "objects/s",
    baseline: collectRate,
    target: null,
    peakRssMb: rss,
  },
]);
await stop();
process.exit(0);
