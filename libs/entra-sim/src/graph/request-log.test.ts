import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  appToken,
  caFetch,
  peakInFlight,
  SimControlError,
  type Simulator,
  startSimulator,
} from "../index.js";

/** The simulator's request log and injected latency, over HTTPS with a real token. */
describe("request log and latency", () => {
  let sim: Simulator;
  let get: (path: string, headers?: Record<string, string>) => Promise<Response>;
  let batch: (requests: unknown[]) => Promise<Response>;

  before(async () => {
    sim = await startSimulator({ seed: 5, tenants: [{ users: 30 }, { users: 5 }] });
    const t = sim.tenants[0]!;
    const f = caFetch(readFileSync(sim.caCertPath, "utf8"));
    const token = await appToken(f, sim.authorityHost, t);
    get = (path, headers = {}) =>
      f(`${sim.graphEndpoint}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    batch = (requests) =>
      f(`${sim.graphEndpoint}/v1.0/$batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ requests }),
      });
  });
  after(() => sim?.stop());

  it("logs each Graph request of a tenant with its status, bytes, units, query and client-request-id", async () => {
    const t = sim.tenants[0]!;
    await sim.control.clearRequests(t.tenantId);
    const ok = await get("/v1.0/users?$top=5&$select=id", { "client-request-id": "req-1" });
    const okBytes = Buffer.byteLength(await ok.text(), "utf8");
    const missing = await get("/v1.0/nothingHere");
    const missingBytes = Buffer.byteLength(await missing.text(), "utf8");
    const { requests, maxConcurrent } = await sim.control.requests(t.tenantId);
    assert.equal(requests.length, 2);
    const [a, b] = requests;
    assert.equal(a?.path, "/v1.0/users");
    assert.equal(a?.query, "$top=5&$select=id");
    assert.equal(a?.status, 200);
    assert.equal(a?.bytes, okBytes);
    assert.equal(a?.units, Number(ok.headers.get("x-ms-resource-unit")));
    assert.equal(a?.clientRequestId, "req-1");
    assert.ok((a?.endedAt ?? 0) >= (a?.startedAt ?? 1));
    assert.equal(b?.status, missing.status);
    assert.equal(b?.bytes, missingBytes);
    assert.equal(maxConcurrent["/v1.0/users"], 1);
    // Another tenant's log is its own; `after` pages through.
    assert.deepEqual((await sim.control.requests(sim.tenants[1]!.tenantId)).requests, []);
    assert.equal((await sim.control.requests(t.tenantId, a?.seq)).requests.length, 1);
  });

  it("adds the configured latency to every request, counts peaks of concurrent requests per path, and validates", async () => {
    const t = sim.tenants[0]!;
    await sim.control.clearRequests(t.tenantId);
    await sim.control.setLatency({ minMs: 120, maxMs: 150 }, t.tenantId);
    try {
      await Promise.all([get("/v1.0/users"), get("/v1.0/users"), get("/v1.0/groups")]);
      const { requests, maxConcurrent } = await sim.control.requests(t.tenantId);
      for (const r of requests) assert.ok(r.endedAt - r.startedAt >= 119, `${r.endedAt - r.startedAt} ms`);
      assert.equal(maxConcurrent["/v1.0/users"], 2);
      assert.equal(maxConcurrent["/v1.0/groups"], 1);
      // All three were out together.
      assert.equal(peakInFlight(requests), 3);
      assert.equal(peakInFlight(requests.filter((r) => r.path === "/v1.0/groups")), 1);
    } finally {
      await sim.control.setLatency(null, t.tenantId);
    }
    await assert.rejects(
      sim.control.setLatency({ minMs: 10, maxMs: 5 }, t.tenantId),
      (e: unknown) => e instanceof SimControlError && e.status === 400,
    );
  });

  it("logs each $batch item on its own, tied to its batch, throttled and charged one by one, and delays the batch once", async () => {
    const t = sim.tenants[0]!;
    await sim.control.clearRequests(t.tenantId);
    await sim.control.setLatency({ minMs: 120, maxMs: 150 }, t.tenantId);
    // Room for two items (users cost 1 with $select): the third is throttled inside the batch.
    await sim.control.setThrottling({ enabled: true, budget: 2, windowSeconds: 10 }, t.tenantId);
    try {
      const res = await batch([
        { id: "1", method: "GET", url: "/users?$select=id&$top=2", headers: { "client-request-id": "a" } },
        { id: "2", method: "GET", url: "/groups?$select=id&$top=2", headers: { "client-request-id": "b" } },
        { id: "3", method: "GET", url: "/users?$select=id&$top=3", headers: { "client-request-id": "c" } },
      ]);
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        responses: { id: string; status: number; headers: Record<string, string>; body: unknown }[];
      };
      assert.deepEqual(
        body.responses.map((r) => r.status),
        [200, 200, 429],
      );
      const { requests } = await sim.control.requests(t.tenantId);
      const outer = requests.filter((r) => r.batch === null);
      const items = requests.filter((r) => r.batch !== null);
      assert.equal(outer.length, 1);
      assert.equal(outer[0]?.path, "/v1.0/$batch");
      assert.equal(outer[0]?.units, 0, "the batch itself is not charged");
      assert.ok((outer[0]?.endedAt ?? 0) - (outer[0]?.startedAt ?? 0) >= 119, "one latency for the batch");
      assert.deepEqual(
        items.map((r) => [r.path, r.query, r.clientRequestId, r.status]),
        [
          ["/v1.0/users", "$select=id&$top=2", "a", 200],
          ["/v1.0/groups", "$select=id&$top=2", "b", 200],
          ["/v1.0/users", "$select=id&$top=3", "c", 429],
        ],
      );
      assert.ok(items.every((r) => r.batch === res.headers.get("request-id")));
      // The batch's own entry carries that request-id: an item is found with the request that carried it.
      assert.equal(outer[0]?.requestId, res.headers.get("request-id"));
      assert.ok(items.every((r) => r.requestId === null));
      assert.deepEqual(
        items.map((r) => r.units),
        body.responses.map((r) => Number(r.headers["x-ms-resource-unit"])),
      );
      assert.equal(items[2]?.retryAfter, body.responses[2]?.headers["retry-after"]);
      assert.ok(Number(items[2]?.retryAfter) >= 1);
      assert.deepEqual(
        items.map((r) => r.bytes),
        body.responses.map((r) => Buffer.byteLength(JSON.stringify(r.body), "utf8")),
      );
    } finally {
      await sim.control.resetThrottling(t.tenantId);
      await sim.control.setLatency(null, t.tenantId);
    }
  });
});
