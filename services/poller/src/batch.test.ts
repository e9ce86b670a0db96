import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { PollRecord } from "@tenantlens/contracts";
import { type LoggedRequest, peakInFlight, type SimulatorTenant } from "@tenantlens/entra-sim";
import { catalog, resourceByName } from "@tenantlens/graph";
import { withServiceLogs } from "@tenantlens/testkit";
import { type CollectionStack, firstPoll, startCollectionStack } from "./testing/collection-stack.js";
import { expectedIds, simLister } from "./testing/expected-counts.js";

/** Per-parent paths (`/v1.0/groups/<id>/owners`) of every fan-out resource of the catalog. */
const perParent = catalog
  .filter((r) => r.fanOut)
  .map((r) => new RegExp(`^/${r.version}${r.path.toLowerCase().replace(/\{id\}/g, "[^/]+")}$`));
const isPerParent = (path: string) => perParent.some((re) => re.test(path));

/**
 * Per-parent reads (owners, members, team channels, …) through Graph's `$batch`, against the
 * simulator's own request log: nothing per parent outside a batch, at most 20 items a batch, the
 * same rows as a direct listing, the recorded cost equal to what the simulator answered, a 429
 * inside a batch retried (that item only) after its Retry-After, one refused parent leaving the
 * others collected.
 */
describe("per-parent reads through $batch", { timeout: 900_000 }, () => {
  let stack: CollectionStack;
  const tenant = (k: number): SimulatorTenant => stack.sim.tenants[k] as SimulatorTenant;

  before(async () => {
    stack = await startCollectionStack(
      {
        seed: 23,
        tenants: [
          { users: 60, groups: 45, applications: 8 },
          { users: 40, groups: 30, applications: 6 },
          { users: 40, groups: 30, applications: 6 },
        ],
      },
      // Small pages: owners and members of one parent take several pages (nextLinks in batches).
      { PAGE_SIZE: "2" },
    );
  });
  after(() => stack?.stop());

  const collect = async (t: SimulatorTenant, name: string): Promise<PollRecord> => {
    const i = await stack.createIntegration(t, name);
    const pollId = await firstPoll(stack, i.id);
    return stack.poll(pollId, i.id, (p) => p.committedAt !== null, 600_000);
  };
  /**
   * A second poll of a connected tenant with the simulator's log cleared first: connecting (auth's
   * checks) and the first poll are out of the count. Per-parent reads are full every poll.
   */
  const again = async (
    t: SimulatorTenant,
    name: string,
    before?: () => Promise<void>,
    resources?: string[],
  ) => {
    const first = await collect(t, name);
    assert.equal(first.status, "succeeded", first.error ?? "");
    await stack.sim.control.clearRequests(t.tenantId);
    await before?.();
    const pollId = await stack.startPoll(first.integrationId, resources);
    return stack.poll(pollId, first.integrationId, (p) => p.committedAt !== null, 600_000);
  };
  const summary = (p: PollRecord, name: string) => {
    const s = p.resources.find((r) => r.resource === name);
    assert.ok(s, `${name} in the poll`);
    return s;
  };

  it("reads every parent's children in batches of at most 20, the same rows, the cost as the simulator counted", () =>
    withServiceLogs(async () => {
      const t = tenant(0);
      const poll = await again(t, "Batched");
      assert.equal(poll.status, "succeeded", poll.error ?? "");
      // The log first: the lister's own requests below are logged too.
      const { requests } = await stack.sim.control.requests(t.tenantId);
      const list = simLister(stack.sim, t);
      for (const r of catalog.filter((x) => x.fanOut && !x.delegatedOnly)) {
        const s = summary(poll, r.name);
        assert.equal(s.outcome, "complete", `${r.name}: ${s.reason}`);
        assert.equal(s.objectCount, (await expectedIds(r, list)).length, `${r.name} rows`);
      }
      assert.ok(summary(poll, "groupOwners").objectCount > 10, "owners were read");

      const http = requests.filter((r) => r.batch === null);
      const items = requests.filter((r) => r.batch !== null);
      assert.deepEqual(
        http.filter((r) => isPerParent(r.path)).map((r) => r.path),
        [],
        "no per-parent request outside a batch",
      );
      const batches = http.filter((r) => r.path === "/v1.0/$batch" || r.path === "/beta/$batch");
      const groups = (await list("v1.0/groups?$select=id")).length;
      const ownerItems = items.filter((r) => /^\/v1\.0\/groups\/[^/]+\/owners$/.test(r.path));
      assert.ok(ownerItems.length >= groups, `${ownerItems.length} owner reads for ${groups} groups`);
      assert.ok(
        items.some((r) => isPerParent(r.path) && /skiptoken/i.test(r.query)),
        "a parent's next page came in a later batch",
      );
      const perBatch = new Map<string, number>();
      for (const r of items) perBatch.set(r.batch as string, (perBatch.get(r.batch as string) ?? 0) + 1);
      assert.equal(perBatch.size, batches.length, "every batch answered items");
      assert.ok(Math.max(...perBatch.values()) <= 20, "at most 20 requests a batch");
      // Far fewer HTTP requests than parents: 20 owners' reads share one.
      assert.ok(batches.length * 5 < items.length, `${batches.length} batches for ${items.length} items`);

      const sum = (k: "requests" | "batched" | "throttled" | "bytes" | "units") =>
        poll.resources.reduce((n, r) => n + ((r.cost?.[k] as number | undefined) ?? 0), 0);
      assert.equal(sum("requests"), http.length, "HTTP requests ($batch counted once)");
      assert.equal(sum("batched"), items.length, "requests inside batches");
      assert.equal(
        sum("bytes"),
        http.reduce((n, r) => n + r.bytes, 0),
        "bytes",
      );
      assert.equal(
        sum("units"),
        requests.reduce((n, r) => n + r.units, 0),
        "resource units, batch items' included",
      );
    }));

  it("sends several batches at once on the tenant's free read slots, never more requests at once than the budget", () =>
    withServiceLogs(async () => {
      const t = tenant(0);
      // Only the owners of groups: the tenant's other read slots are free, so the read borrows them.
      // Graph-like latency, so that a batch is still out when the next one could go.
      let poll: PollRecord;
      try {
        poll = await again(
          t,
          "Batches at once",
          () => stack.sim.control.setLatency({ minMs: 150, maxMs: 400 }, t.tenantId),
          ["groupOwners"],
        );
      } finally {
        await stack.sim.control.setLatency(null, t.tenantId);
      }
      assert.equal(poll.status, "succeeded", poll.error ?? "");
      const { requests, maxConcurrent } = await stack.sim.control.requests(t.tenantId);
      const list = simLister(stack.sim, t);
      const owners = resourceByName("groupOwners");
      assert.ok(owners);
      assert.equal(summary(poll, "groupOwners").objectCount, (await expectedIds(owners, list)).length);
      const http = requests.filter((r) => r.batch === null);
      const batches = http.filter((r) => r.path === "/v1.0/$batch");
      assert.ok(batches.length >= 3, `${batches.length} batches`);
      assert.ok(
        (maxConcurrent["/v1.0/$batch"] ?? 0) >= 2,
        `batches in flight at once: ${maxConcurrent["/v1.0/$batch"]}`,
      );
      // Every request of the tenant at once, the borrowed slots' included, stays within the
      // poller's TENANT_CONCURRENCY (default 8).
      const peak = peakInFlight(http);
      assert.ok(peak <= 8, `${peak} requests of the tenant at once`);
      const sum = (k: "batched" | "requests") =>
        poll.resources.reduce((n, r) => n + ((r.cost?.[k] as number | undefined) ?? 0), 0);
      assert.equal(sum("requests"), http.length, "HTTP requests counted");
      assert.equal(sum("batched"), requests.length - http.length, "batch items counted");
    }));

  it("retries only the throttled items of a batch, each after its own Retry-After, and holds the tenant meanwhile", () =>
    withServiceLogs(async () => {
      const t = tenant(1);
      let poll: PollRecord;
      try {
        // Batches of 20 owners' reads meet a budget of 15 a second.
        // Only the owners' reads: the whole catalog under this budget can exhaust other resources'
        // retries (their 429s are not this test's subject).
        poll = await again(
          t,
          "Throttled batches",
          () =>
            stack.sim.control
              .setThrottling(
                { enabled: true, retryAfter: "fraction", windowSeconds: 1, budget: 15 },
                t.tenantId,
              )
              .then(() => {}),
          ["groupOwners"],
        );
      } finally {
        await stack.sim.control.resetThrottling(t.tenantId);
      }
      assert.equal(poll.status, "succeeded", poll.error ?? "");
      const { requests } = await stack.sim.control.requests(t.tenantId);
      const list = simLister(stack.sim, t);
      const owners = resourceByName("groupOwners");
      assert.ok(owners);
      assert.equal(summary(poll, "groupOwners").objectCount, (await expectedIds(owners, list)).length);

      const items = requests.filter((r) => r.batch !== null);
      const refused = items.filter((r) => r.status === 429);
      assert.ok(refused.length > 5, `${refused.length} batch items were throttled`);
      const answered = new Map<string, LoggedRequest[]>();
      for (const r of items) {
        assert.ok(r.clientRequestId, "each item has its own client-request-id");
        answered.set(r.clientRequestId, [...(answered.get(r.clientRequestId) ?? []), r]);
      }
      for (const [id, tries] of answered) {
        // Only refused items are sent again: an item is answered 200 (or 404) at most once.
        assert.ok(tries.filter((r) => r.status !== 429).length <= 1, `${id} read twice`);
        for (const [k, r] of tries.entries()) {
          if (r.status !== 429) continue;
          const retry = tries[k + 1];
          assert.ok(retry, `the throttled ${r.path} was retried`);
          const wait = retry.startedAt - r.endedAt;
          assert.ok(
            wait >= Number(r.retryAfter) * 1000 - 5,
            `${r.path} retried ${wait.toFixed(0)} ms after a ${r.retryAfter} s Retry-After`,
          );
        }
      }
      // The tenant waits too: after a throttled item, no request arrives before its Retry-After
      // (except requests already on their way: 500 ms allowed on this loaded machine).
      const http = requests.filter((r) => r.batch === null);
      for (const r of refused) {
        const until = r.endedAt + Number(r.retryAfter) * 1000;
        const early = http.filter((x) => x.startedAt > r.endedAt + 500 && x.startedAt < until - 5);
        assert.deepEqual(
          early.map(
            (x) => `${x.path} ${(x.startedAt - r.endedAt).toFixed(0)} ms after a ${r.retryAfter} s wait`,
          ),
          [],
        );
      }
      const sum = (k: "throttled" | "batched" | "requests") =>
        poll.resources.reduce((n, r) => n + ((r.cost?.[k] as number | undefined) ?? 0), 0);
      assert.equal(sum("throttled"), requests.filter((r) => r.status === 429).length, "429s counted");
      assert.equal(sum("batched"), items.length);
      assert.equal(sum("requests"), http.length);
    }));

  it("one parent refused (403) leaves the others collected: partial with the reason, a 503 item retried", () =>
    withServiceLogs(async () => {
      const t = tenant(2);
      const list = simLister(stack.sim, t);
      const owners = resourceByName("groupOwners");
      assert.ok(owners);
      const all = await expectedIds(owners, list);
      const withOwners = [...new Set(all.map((id) => id.split(":")[0] as string))];
      const [denied, flaky] = withOwners;
      assert.ok(denied && flaky, "two groups with owners");
      await stack.sim.control.clearRequests(t.tenantId);
      await stack.sim.control.setFaults(
        [
          { type: "status", status: 403, count: 1000, pathPrefix: `/groups/${denied}/owners` },
          { type: "status", status: 503, count: 1, pathPrefix: `/groups/${flaky}/owners` },
        ],
        t.tenantId,
      );
      let poll: PollRecord;
      try {
        poll = await collect(t, "One parent refused");
      } finally {
        await stack.sim.control.setFaults([], t.tenantId);
      }
      assert.equal(poll.status, "partial", poll.error ?? "");
      const s = summary(poll, "groupOwners");
      assert.equal(s.outcome, "partial");
      const groups = (await list("v1.0/groups?$select=id")).length;
      assert.match(s.reason ?? "", new RegExp(`^1 of ${groups} groups could not be read`));
      assert.match(s.reason ?? "", /Permission not granted|Insufficient privileges/);
      assert.equal(
        s.objectCount,
        all.filter((id) => !id.startsWith(`${denied}:`)).length,
        "every other group's owners, the flaky one's included",
      );
      for (const r of poll.resources)
        if (r.resource !== "groupOwners")
          assert.ok(r.outcome === "complete" || r.outcome === "not_collected", `${r.resource}: ${r.reason}`);
      const { requests } = await stack.sim.control.requests(t.tenantId);
      const flakyReads = requests.filter((r) => r.path === `/v1.0/groups/${flaky}/owners`.toLowerCase());
      assert.deepEqual(
        flakyReads.map((r) => r.status).slice(0, 2),
        [503, 200],
        "the unavailable item was sent again",
      );
    }));
});
