/**
 * End-to-end first collection: does the store keep pace with the poller? Not a test: it prints
 * figures and BENCH lines.
 *
 *   node --import tsx bench/ingest-e2e.ts [--quick] [--users 200000] [--latency 150-400]
 *
 * Two first collections of the same tenant, each on a fresh system: Graph answering as fast as the
 * simulator can (the case where the store is the critical path), then with Graph-like latency on
 * every request (`--latency`, ms, drawn per request; the poller-collection benchmark's default), the
 * pace of a real tenant.
 * Real nats-server, auth, poller and store processes (the store with its defaults, batching
 * included), the simulator in this process. A tenant is connected; its first poll reads everything.
 * Measured from the poll's start: when the poller finished (its last page is in JetStream: the poll
 * completed) and when the store committed the generation that makes that poll visible. The target
 * is that the store's last commit lands within 10 % of the collection's own duration after the last
 * page. Full mode: 200,000 users (the `npm start` measurement that set the target); `--quick`:
 * 20,000.
 */
import { performance } from "node:perf_hooks";
import { startService } from "../libs/testkit/src/index.js";
import { firstCollectionSetUp, peakRssMbOf, until, watchVisiblePolls } from "./_lib/first-collection.js";
import { type Figure, option, printFigures } from "./_lib/report.js";
import { loggedDuration } from "./_lib/service-logs.js";

const QUICK = process.argv.includes("--quick");
const USERS = Number(option("users", QUICK ? "20000" : "200000"));
const [LAT_MIN, LAT_MAX] = option("latency", "150-400").split("-").map(Number) as [number, number];

const t0 = performance.now();
const log = (msg: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${msg}`);

/** One first collection on a fresh system; its figures, named after `label`. */
async function firstCollection(label: string, latency?: { minMs: number; maxMs: number }): Promise<Figure[]> {
  const { env, bus, connect, stop } = await firstCollectionSetUp(USERS, "tl-bench-e2e", { latency });
  const started = new Map<string, number>();
  const completed = new Map<string, number>();
  const objects = new Map<string, number>();
  /** Objects and pages per resource of each poll (where the store's work is). */
  const perResource = new Map<string, { resource: string; objects: number; pages: number }[]>();
  bus.nc.subscribe("poller.poll.started.>", {
    callback: (_e, m) => void started.set(m.json<{ pollId: string }>().pollId, performance.now()),
  });
  bus.nc.subscribe("poller.resource.collected.>", {
    callback: (_e, m) => {
      const p = m.json<{ pollId: string; resource: string; objectCount: number; pages: number }>();
      objects.set(p.pollId, (objects.get(p.pollId) ?? 0) + p.objectCount);
      const list = perResource.get(p.pollId) ?? [];
      list.push({ resource: p.resource, objects: p.objectCount, pages: p.pages });
      perResource.set(p.pollId, list);
    },
  });
  bus.nc.subscribe("poller.poll.completed.>", {
    callback: (_e, m) => void completed.set(m.json<{ pollId: string }>().pollId, performance.now()),
  });
  const { visible, generationOf } = watchVisiblePolls(bus);

  log(`${label}: simulator with ${USERS} users; starting auth, poller and store`);
  await startService("auth", env, { readyTimeoutMs: 180_000 });
  const store = await startService("store", env, { readyTimeoutMs: 180_000 });
  const poller = await startService("poller", env, { readyTimeoutMs: 180_000 });

  await connect();
  const pollId = await until(() => [...started.keys()][0]);
  const begin = started.get(pollId) as number;
  const collectedAt = await until(() => completed.get(pollId));
  log(
    `poll collected in ${((collectedAt - begin) / 1000).toFixed(1)} s (${objects.get(pollId) ?? 0} objects)`,
  );
  const visibleAt = await until(() => visible.get(pollId));
  const collectMs = collectedAt - begin;
  const lagMs = visibleAt - collectedAt;
  const generationMs = loggedDuration(store.logs(), "generation committed", {
    generationId: generationOf.get(pollId),
  });
  log(
    `store: generation with the poll committed ${(lagMs / 1000).toFixed(1)} s after its last page (writing it took ${((generationMs ?? Number.NaN) / 1000).toFixed(1)} s)`,
  );

  const rss = { poller: peakRssMbOf(poller.pid), store: peakRssMbOf(store.pid) };
  const count = objects.get(pollId) ?? 0;
  console.log(`\n${label}\n| figure | value |\n| --- | --- |`);
  console.log(
    `| first collection (poller, last page in JetStream) | ${(collectMs / 1000).toFixed(1)} s, ${count} objects |`,
  );
  console.log(
    `| store: last commit (generation) after the last page | ${(lagMs / 1000).toFixed(1)} s = ${((100 * lagMs) / collectMs).toFixed(1)} % of the collection, of which writing the generation ${((generationMs ?? Number.NaN) / 1000).toFixed(1)} s |`,
  );
  console.log(`| peak RSS | poller ${rss.poller} MB, store ${rss.store} MB |`);
  const largest = [...(perResource.get(pollId) ?? [])].sort((a, b) => b.objects - a.objects).slice(0, 8);
  console.log(
    `largest resources: ${largest.map((r) => `${r.resource} ${r.objects} objects / ${r.pages} pages`).join(", ")}`,
  );
  await stop();
  return [
    {
      figure: `${label}: store's last commit after the last page, % of the collection`,
      value: (100 * lagMs) / collectMs,
      unit: "%",
      baseline: null,
      target: "≤ 10",
      peakRssMb: rss,
    },
    {
      figure: `${label}: poll start → last page`,
      value: collectMs / 1000,
      unit: "s",
      baseline: null,
      target: null,
      peakRssMb: rss,
    },
    {
      figure: `${label}: poll start → the poll visible (generation committed)`,
      value: (collectMs + lagMs) / 1000,
      unit: "s",
      baseline: null,
      target: null,
      peakRssMb: rss,
    },
  ];
}

const figures = await firstCollection(`first collection of ${USERS} users`);
figures.push(
  ...(await firstCollection(`first collection of ${USERS} users, Graph latency ${LAT_MIN}–${LAT_MAX} ms`, {
    minMs: LAT_MIN,
    maxMs: LAT_MAX,
  })),
);
printFigures(import.meta.url, figures);
process.exit(0);
