import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { type Bus, connectBus } from "@tenantlens/bus";
import {
  type EventPayload,
  GenerationGet,
  IngestStatus,
  PageCollected,
  PollCompleted,
  PollList,
  PollStarted,
  ResourceCollected,
} from "@tenantlens/contracts";
import { catalog } from "@tenantlens/graph";
import { createLogger } from "@tenantlens/telemetry";
import { type NatsServer, startNats, startService, stopAll, tempDir, waitFor } from "@tenantlens/testkit";
import { warehouseSchema } from "./domain/schema.js";
import { physicalColumns, quoteIdent } from "./domain/table-model.js";
import {
  groupObject,
  newPollId,
  newRef,
  page,
  pollCompleted,
  pollStarted,
  type Ref,
  resourceCollected,
  userObject,
} from "./testing/fixtures.js";

const USERS = 40_000;
const GROUPS = 2_000;
const PAGE = 500;
const KILLS = 5;

type Msg =
  | { def: typeof PollStarted; payload: EventPayload<typeof PollStarted> }
  | { def: typeof PageCollected; payload: EventPayload<typeof PageCollected> }
  | { def: typeof ResourceCollected; payload: EventPayload<typeof ResourceCollected> }
  | { def: typeof PollCompleted; payload: EventPayload<typeof PollCompleted> };

/** A deterministic pseudo-random sequence (seed printed, so a failure can be replayed). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function pages(
  ref: Ref,
  pollId: string,
  resource: string,
  mode: "full" | "delta",
  objects: Record<string, unknown>[],
  at: string,
  removed: string[] = [],
): Msg[] {
  const out: Msg[] = [];
  for (let i = 0; i * PAGE < Math.max(objects.length, 1); i++) {
    out.push({
      def: PageCollected,
      payload: page(ref, pollId, {
        resource,
        mode,
        page: i,
        objects: objects.slice(i * PAGE, (i + 1) * PAGE),
        removed: i === 0 ? removed.map((id) => ({ id, reason: "deleted" as const })) : [],
        at: new Date(Date.parse(at) + i * 1000).toISOString(),
      }),
    });
  }
  return out;
}

/**
 * Collection times a few days back from now: inside the retention window (history older than
 * HISTORY_RETENTION_DAYS is pruned at every start, which would make a restarted run differ).
 */
const BASE = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 4 * 86_400_000;
const day = (n: number, minutes = 0) => new Date(BASE + n * 86_400_000 + minutes * 60_000).toISOString();

/** Three polls: a full initial read, a delta round (modify, add, remove) and a full reconcile with absences. */
function script(ref: Ref): { messages: Msg[]; lastPoll: string; objects: number } {
  const messages: Msg[] = [];
  const poll = (
    at: string,
    body: (pollId: string) => Msg[],
    resources: { resource: string; mode: "full" | "delta"; outcome: "complete" | "partial" }[],
  ) => {
    const pollId = newPollId();
    messages.push({ def: PollStarted, payload: pollStarted(ref, pollId, at) });
    messages.push(...body(pollId));
    for (const r of resources)
      messages.push({ def: ResourceCollected, payload: resourceCollected(ref, pollId, { ...r, at }) });
    messages.push({
      def: PollCompleted,
      payload: pollCompleted(ref, pollId, {
        startedAt: at,
        at: new Date(Date.parse(at) + 3_600_000).toISOString(),
      }),
    });
    return pollId;
  };
  const users = Array.from({ length: USERS }, (_, i) => userObject(i));
  const groups = Array.from({ length: GROUPS }, (_, i) => groupObject(i));
  poll(
    day(1),
    (p) => [
      ...pages(ref, p, "users", "full", users, day(1)),
      ...pages(ref, p, "groups", "full", groups, day(1, 10)),
    ],
    [
      { resource: "users", mode: "full", outcome: "complete" },
      { resource: "groups", mode: "full", outcome: "complete" },
    ],
  );
  const deltaObjects = [
    ...users.filter((_, i) => i % 20 === 0).map((u) => ({ id: u.id, jobTitle: "Changed in delta" })),
    ...Array.from({ length: 600 }, (_, i) => userObject(USERS + i)),
  ];
  const deltaRemoved = users.filter((_, i) => i % 100 === 1).map((u) => u.id as string);
  poll(day(2), (p) => pages(ref, p, "users", "delta", deltaObjects, day(2), deltaRemoved), [
    { resource: "users", mode: "delta", outcome: "complete" },
  ]);
  const reconcile = [...users, ...Array.from({ length: 600 }, (_, i) => userObject(USERS + i))]
    .filter((_, i) => i % 50 !== 3)
    .map((u, i) => (i % 33 === 0 ? { ...u, department: "Reorganised" } : u));
  const lastPoll = poll(
    day(3),
    (p) => [
      ...pages(ref, p, "users", "full", reconcile, day(3)),
      ...pages(ref, p, "groups", "full", groups.slice(0, GROUPS / 2), day(3, 10)),
    ],
    [
      { resource: "users", mode: "full", outcome: "complete" },
      { resource: "groups", mode: "full", outcome: "partial" },
    ],
  );
  return {
    messages,
    lastPoll,
    objects: USERS + GROUPS + deltaObjects.length + reconcile.length + GROUPS / 2,
  };
}

async function publishAll(bus: Bus, messages: Msg[]): Promise<void> {
  // Order matters (one ordered consumer): publish in sequence, a window of 8 in flight (64 half-MB
  // pages at once to two servers ran past the publish timeout on a loaded machine).
  const window: Promise<unknown>[] = [];
  for (const m of messages) {
    window.push(bus.publish(m.def as typeof PageCollected, m.payload as EventPayload<typeof PageCollected>));
    if (window.length >= 8) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
}

describe("crash safety (process killed with SIGKILL during a large ingest)", () => {
  after(() => stopAll());

  it("ends in exactly the state of an uninterrupted run: nothing lost, nothing duplicated", async () => {
    const seed = Date.now() % 1_000_000;
    const random = rng(seed);
    const ref = newRef();
    const { messages, lastPoll, objects } = script(ref);
    const log = createLogger("crash-test", {}, { level: "silent" });
    const [natsA, natsB] = await Promise.all([startNats(), startNats()]);
    const dirA = tempDir("tl-crash-a");
    const dirB = tempDir("tl-crash-b");
    const busA = await connectBus({ ...natsA.client(), service: "poller", logger: log });
    const busB = await connectBus({ ...natsB.client(), service: "poller", logger: log });
    await Promise.all([busA.ensureStreams(), busB.ensureStreams()]);
    await Promise.all([publishAll(busA, messages), publishAll(busB, messages)]);

    const env = (nats: NatsServer, dir: string) => ({
      NATS_URL: nats.url,
      TENANTLENS_DATA_DIR: dir,
      ACK_WAIT_SECONDS: "1",
      GENERATION_GRACE_MS: "0",
    });
    /** TL_COLLECT sequence of the newest committed message, read through the running store. */
    const committedSeq = async (bus: Bus) =>
      (await bus.request(IngestStatus, {}, { timeoutMs: 5_000 })).lastSeq ?? 0;
    const lastCommitted = async (bus: Bus) => {
      const { polls } = await bus.request(PollList, {
        workspaceId: ref.workspaceId,
        pollId: lastPoll,
        limit: 1,
      });
      return polls[0]?.committedAt ? polls[0] : undefined;
    };

    // The reference run, uninterrupted, on its own NATS and data dir.
    let aborted = false;
    const reference = (async () => {
      const s = await startService("store", env(natsB, dirB), { readyTimeoutMs: 60_000 });
      await waitFor(async () => aborted || lastCommitted(busB), {
        what: "reference run to finish",
        timeoutMs: 150_000,
        intervalMs: 500,
      });
      const g = (await busB.request(GenerationGet, { workspaceId: ref.workspaceId })).generation;
      assert.equal(await s.stop(), 0);
      return g;
    })();
    try {
      // The crash run: killed at random moments while work is pending, restarted each time.
      // Each life first proves progress, read through the running store: a message committed
      // after the life began (the ledger grew past what this life found at its start). Then it
      // dies at a random moment up to 600 ms later: mid-page, mid-commit, mid-generation. Short
      // lives keep the ingest unfinished.
      let midIngestKills = 0;
      let progressed = 0;
      for (let k = 0; k < KILLS; k++) {
        const s = await startService("store", env(natsA, dirA), { readyTimeoutMs: 60_000 });
        const atStart = await committedSeq(busA);
        assert.ok(
          atStart >= progressed,
          `seed ${seed}: committed messages went back from ${progressed} to ${atStart}`,
        );
        assert.ok(atStart < messages.length, `seed ${seed}: the ingest finished before kill ${k + 1}`);
        progressed = await waitFor(
          async () => {
            const n = await committedSeq(busA);
            return n > atStart ? n : undefined;
          },
          { what: `progress in life ${k + 1}`, timeoutMs: 60_000, intervalMs: 20 },
        );
        await new Promise((r) => setTimeout(r, Math.floor(random() * 600)));
        const done = await lastCommitted(busA).catch(() => undefined);
        await s.kill();
        if (!done) midIngestKills++;
      }
      const last = await startService("store", env(natsA, dirA), { readyTimeoutMs: 60_000 });
      await waitFor(() => lastCommitted(busA), {
        what: "crash run to finish",
        timeoutMs: 150_000,
        intervalMs: 500,
      });
      const genA = (await busA.request(GenerationGet, { workspaceId: ref.workspaceId })).generation;
      assert.equal(await last.stop(), 0);
      const genB = await reference;
      assert.ok(
        midIngestKills >= KILLS,
        `seed ${seed}: only ${midIngestKills} of ${KILLS} kills hit a pending ingest`,
      );

      // Compare the two warehouses once both processes are gone.
      const instance = await DuckDBInstance.create(path.join(dirA, "warehouse", "warehouse.duckdb"));
      const conn = await instance.connect();
      try {
        await conn.run(`ATTACH '${path.join(dirB, "warehouse", "warehouse.duckdb")}' AS b (READ_ONLY)`);
        const count = async (sql: string) =>
          Number((await conn.runAndReadAll(sql)).getRowObjectsJson()[0]?.n);
        const schema = warehouseSchema(catalog);
        let compared = 0;
        for (const r of schema.resources) {
          for (const t of r.changes ? [r.current, r.changes] : [r.current]) {
            const cols = physicalColumns(t)
              .map((c) => (c.type === "JSON" ? `CAST(${quoteIdent(c.name)} AS VARCHAR)` : quoteIdent(c.name)))
              .join(", ");
            const a = `SELECT ${cols} FROM main.${quoteIdent(t.name)}`;
            const b = `SELECT ${cols} FROM b.${quoteIdent(t.name)}`;
            const lost = await count(`SELECT count(*) AS n FROM (${b} EXCEPT ALL ${a})`);
            const extra = await count(`SELECT count(*) AS n FROM (${a} EXCEPT ALL ${b})`);
            if (lost + extra > 0) {
              // Show a few differing rows of each side (long JSON cut) to make a failure readable.
              const sample = async (x: string, y: string) =>
                (await conn.runAndReadAll(`SELECT * FROM (${x} EXCEPT ALL ${y}) LIMIT 2`))
                  .getRowObjectsJson()
                  .map((row) =>
                    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v).slice(0, 60)])),
                  );
              console.error(t.name, {
                onlyInReference: await sample(b, a),
                onlyInCrashRun: await sample(a, b),
              });
            }
            assert.equal(lost, 0, `seed ${seed}: ${t.name} lost ${lost} rows`);
            assert.equal(extra, 0, `seed ${seed}: ${t.name} has ${extra} extra rows`);
            compared += await count(`SELECT count(*) AS n FROM main.${quoteIdent(t.name)}`);
          }
        }
        const pollCols = "poll_id, status, outcome, added, modified, removed, CAST(resources AS VARCHAR)";
        assert.equal(
          await count(
            `SELECT count(*) AS n FROM (SELECT ${pollCols} FROM main.polls EXCEPT ALL SELECT ${pollCols} FROM b.polls)`,
          ),
          0,
        );
        assert.equal(
          await count(
            `SELECT count(*) AS n FROM (SELECT ${pollCols} FROM b.polls EXCEPT ALL SELECT ${pollCols} FROM main.polls)`,
          ),
          0,
        );
        assert.equal(
          await count(
            `SELECT count(*) AS n FROM (SELECT change_id FROM main.azuread_user_changes GROUP BY 1 HAVING count(*) > 1)`,
          ),
          0,
        );
        // The numbers the script implies: the reconcile removed every 50th user, the partial group read removed nothing.
        assert.equal(await count(`SELECT count(*) AS n FROM main.azuread_group`), GROUPS);
        assert.ok(
          (await count(`SELECT count(*) AS n FROM main.azuread_user_changes WHERE change_type = 'removed'`)) >
            0,
        );
        assert.ok(compared > objects / 2);

        // The last generations agree too (readers see the same data).
        assert.ok(genA && genB);
        for (const name of ["azuread_user", "azuread_user_changes", "azuread_group"]) {
          const fa = genA.tables.find((t) => t.name === name)?.file;
          const fb = genB.tables.find((t) => t.name === name)?.file;
          const json = name.endsWith("_changes") ? ["before", "after"] : ["_raw"];
          const cols = `* REPLACE (${json.map((c) => `CAST("${c}" AS VARCHAR) AS "${c}"`).join(", ")})`;
          const diff = await count(
            `SELECT count(*) AS n FROM (SELECT ${cols} FROM read_parquet('${fa}') EXCEPT ALL SELECT ${cols} FROM read_parquet('${fb}'))`,
          );
          assert.equal(diff, 0, `${name} generation files differ`);
        }
      } finally {
        conn.closeSync();
        instance.closeSync();
      }
    } finally {
      aborted = true;
      await reference.catch(() => undefined);
      await Promise.all([busA.drain(), busB.drain()]);
    }
  });
});
