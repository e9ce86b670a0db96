import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type GraphFixture, graphFixture } from "./test-helpers.js";
import { budgetForUsers, requestCost, Throttle } from "./throttle.js";

describe("throttling", () => {
  let f: GraphFixture;
  let t: string;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 20 } }] });
    t = f.tenants[0]!.tenantId;
  });
  after(() => f.stop());

  it("is off by default and reports resource units on every response", async () => {
    const cfg = await f.control("GET", "/_sim/throttling");
    assert.equal(cfg.json.enabled, false);
    for (let i = 0; i < 30; i++) assert.equal((await f.call("/v1.0/users?$top=1")).status, 200);
    const r = await f.call("/v1.0/users");
    assert.equal(r.headers.get("x-ms-resource-unit"), "2");
    assert.equal((await f.call("/v1.0/users?$select=id&$top=999")).headers.get("x-ms-resource-unit"), "1");
    assert.equal(
      (
        await f.call(`/v1.0/groups/${f.tenants[0]!.directory.store.idAt("group", 0)}/transitiveMembers`)
      ).headers.get("x-ms-resource-unit"),
      "5",
    );
  });

  it("uses Graph's costs and S/M/L budgets", () => {
    assert.equal(requestCost(2, {}), 2);
    assert.equal(requestCost(2, { select: ["id"] }), 1);
    assert.equal(requestCost(2, { select: ["id"], top: "999" }), 1);
    assert.equal(requestCost(3, { top: "5" }), 2);
    assert.equal(requestCost(1, { select: ["id"], top: "5" }), 1);
    assert.equal(requestCost(2, { expand: ["manager"] }), 3);
    assert.deepEqual([budgetForUsers(10), budgetForUsers(200), budgetForUsers(50_000)], [3500, 5000, 8000]);
  });

  it("a client that ignores Retry-After collects more 429s than one that honours it", async () => {
    await f.control("PUT", `/_sim/tenants/${t}/throttling`, {
      enabled: true,
      budget: 20,
      windowSeconds: 1,
      retryAfter: "fraction",
    });
    const attempts = 40;
    let ignoring = 0;
    for (let i = 0; i < attempts; i++) if ((await f.call("/v1.0/users")).status === 429) ignoring++;
    // Start the polite client from a full bucket.
    await f.control("PUT", `/_sim/tenants/${t}/throttling`, {
      enabled: true,
      budget: 20,
      windowSeconds: 1,
      retryAfter: "fraction",
    });
    let honouring = 0;
    for (let i = 0; i < attempts; i++) {
      const r = await f.call("/v1.0/users");
      if (r.status === 429) {
        honouring++;
        const wait = Number(r.headers.get("retry-after"));
        assert.ok(wait > 0 && wait < 5, `retry-after ${wait}`);
        await sleep(Math.ceil(wait * 1000));
      }
    }
    assert.ok(ignoring > honouring, `ignoring ${ignoring} vs honouring ${honouring}`);
    assert.ok(ignoring >= 10, `ignoring ${ignoring}`);
  });

  it("429s carry Graph's headers and an OData error; Retry-After is integer, fraction or missing", async () => {
    for (const mode of ["integer", "fraction", "missing"] as const) {
      await f.control("PUT", `/_sim/tenants/${t}/throttling`, {
        enabled: true,
        budget: 4,
        windowSeconds: 10,
        retryAfter: mode,
      });
      let r = await f.call("/v1.0/users");
      for (let i = 0; i < 10 && r.status !== 429; i++) r = await f.call("/v1.0/users");
      assert.equal(r.status, 429, mode);
      assert.equal((r.json.error as { code: string }).code, "TooManyRequests");
      const ra = r.headers.get("retry-after");
      if (mode === "integer") assert.match(ra ?? "", /^\d+$/);
      if (mode === "fraction") assert.match(ra ?? "", /^\d+\.\d{3}$/);
      if (mode === "missing") assert.equal(ra, null);
      assert.match(
        r.headers.get("x-ms-throttle-scope") ?? "",
        new RegExp(`^Tenant_Application/ReadOnly/[^/]+/${t}$`),
      );
      assert.equal(r.headers.get("x-ms-throttle-information"), "ResourceUnitLimitExceeded");
      assert.ok(Number(r.headers.get("x-ms-throttle-limit-percentage")) > 0.8);
      assert.equal(r.headers.get("x-ms-resource-unit"), "2");
    }
    await f.control("DELETE", `/_sim/tenants/${t}/throttling`);
  });

  it("limits audit logs and sign-ins to 5 requests per 10 s per app and tenant", async () => {
    await f.control("PUT", "/_sim/throttling", { enabled: true });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await f.call("/v1.0/auditLogs/directoryAudits?$top=1")).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    // Another app of the same tenant has its own bucket.
    const other = await f.token(t, { appId: "8a5e2b1c-0000-4000-8000-00000000abcd" });
    assert.equal((await f.call("/v1.0/auditLogs/directoryAudits?$top=1", { token: other })).status, 200);
    await f.control("PUT", "/_sim/throttling", { enabled: false });
  });

  it("charges while throttled, so hammering keeps the bucket empty", () => {
    const th = new Throttle();
    th.setGlobal({ enabled: true, budget: 10, windowSeconds: 10 });
    const opts = { tenantId: "t", appId: "a", users: 10, cost: 2, reports: false };
    let now = 0;
    for (let i = 0; i < 5; i++) assert.equal(th.charge(opts, now).throttled, undefined);
    assert.ok(th.charge(opts, now).throttled);
    // 2 s later 2 units are back, but the rejected request above was charged too.
    now += 2000;
    assert.ok(th.charge(opts, now).throttled);
    now += 10_000;
    assert.equal(th.charge(opts, now).throttled, undefined);
  });
});
