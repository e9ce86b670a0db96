import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GraphFixture, graphFixture } from "./test-helpers.js";

type BatchResponse = {
  responses: { id: string; status: number; headers: Record<string, string>; body: Record<string, unknown> }[];
};

describe("$batch", () => {
  let f: GraphFixture;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 50 } }] });
  });
  after(() => f.stop());
  const batch = (requests: unknown[]) => f.call("/v1.0/$batch", { method: "POST", body: { requests } });

  it("runs up to 20 requests with per-item status, headers and body", async () => {
    const r = await batch([
      { id: "1", method: "GET", url: "/users?$top=2&$select=id" },
      { id: "2", method: "GET", url: "groups?$top=1" },
      { id: "3", method: "GET", url: "/nope" },
      { id: "4", method: "GET", url: "/users/$count", headers: { ConsistencyLevel: "eventual" } },
    ]);
    assert.equal(r.status, 200);
    const res = (r.json as unknown as BatchResponse).responses;
    assert.deepEqual(
      res.map((x) => [x.id, x.status]),
      [
        ["1", 200],
        ["2", 200],
        ["3", 400],
        ["4", 200],
      ],
    );
    assert.equal((res[0]!.body.value as unknown[]).length, 2);
    assert.ok(res[0]!.headers["request-id"]);
    assert.equal(res[3]!.body as unknown, "51");
    const twentyOne = await batch(
      Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/users?$top=1" })),
    );
    assert.equal(twentyOne.status, 400);
    const twenty = await batch(
      Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: "GET", url: "/users?$top=1" })),
    );
    assert.equal(twenty.status, 200);
  });

  it("serves GET items of any path with paging inside each body, refusals per item and the caller's headers", async () => {
    const dir = f.tenants[0]!.directory;
    const groups = (await f.call("/v1.0/groups?$select=id&$top=999")).json.value as { id: string }[];
    const sizes = groups.map((g) => ({ id: g.id, n: dir.store.members(g.id).length }));
    const memberIds = (id: string) => dir.store.members(id).map((o) => o.id);
    const big = sizes.find((g) => g.n > 2);
    assert.ok(big, "a group with more than two members");
    // Only group permissions: users are refused inside the batch, groups answer.
    const token = await f.token(f.tenants[0]!.tenantId, { roles: ["GroupMember.Read.All"] });
    const post = (requests: unknown[]) =>
      f.call("/v1.0/$batch", { method: "POST", body: { requests }, token });
    const first = await post([
      { id: "m", method: "GET", url: `/groups/${big.id}/members?$select=id&$top=2` },
      { id: "u", method: "GET", url: "/users?$top=1", headers: { "client-request-id": "item-u" } },
    ]);
    assert.equal(first.status, 200);
    const [m, u] = (first.json as unknown as BatchResponse).responses;
    assert.equal(m!.status, 200);
    assert.equal((m!.body.value as unknown[]).length, 2);
    assert.equal(u!.status, 403);
    assert.equal((u!.body.error as { code: string }).code, "Authorization_RequestDenied");
    assert.equal(u!.headers["client-request-id"], "item-u");
    // The nextLink is absolute, as Graph's; sent back relative to the version it reads the rest.
    const seen = (m!.body.value as { id: string }[]).map((x) => x.id);
    let link = m!.body["@odata.nextLink"] as string | undefined;
    assert.match(link ?? "", /^https?:\/\/.+\/v1\.0\/groups\/.+\/members\?/);
    while (link) {
      const rel = link.slice(link.indexOf("/v1.0/") + "/v1.0".length);
      const next = await post([{ id: "1", method: "GET", url: rel }]);
      const r = (next.json as unknown as BatchResponse).responses[0]!;
      assert.equal(r.status, 200);
      seen.push(...(r.body.value as { id: string }[]).map((x) => x.id));
      link = r.body["@odata.nextLink"] as string | undefined;
    }
    assert.deepEqual(seen.sort(), memberIds(big.id).sort());
  });

  it("refuses an item for a missing licence while the others answer", async () => {
    const g = await graphFixture({ tenants: [{ sizes: { users: 20 }, licences: { p2: false } }] });
    try {
      const r = await g.call("/v1.0/$batch", {
        method: "POST",
        body: {
          requests: [
            { id: "1", method: "GET", url: "/identityProtection/riskyUsers" },
            { id: "2", method: "GET", url: "/organization" },
          ],
        },
      });
      const [risky, org] = (r.json as unknown as BatchResponse).responses;
      assert.equal(risky!.status, 403);
      assert.equal(
        (risky!.body.error as { code: string }).code,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
      );
      assert.equal(org!.status, 200);
    } finally {
      g.stop();
    }
  });

  it("faults: a prefix names batch items (one parent refused or unavailable), no prefix the batch itself", async () => {
    const t = f.tenants[0]!.tenantId;
    const groups = ((await f.call("/v1.0/groups?$select=id&$top=3")).json.value as { id: string }[]).map(
      (g) => g.id,
    );
    const [g0, g1, g2] = groups;
    await f.control("PUT", `/_sim/tenants/${t}/faults`, {
      rules: [
        { type: "status", status: 403, count: 1, pathPrefix: `/groups/${g0}/owners` },
        { type: "status", status: 503, count: 1, pathPrefix: `/groups/${g1}/owners` },
        { type: "malformedJson", count: 5, pathPrefix: `/groups/${g2}/owners` },
      ],
    });
    const items = groups.map((g, k) => ({ id: String(k), method: "GET", url: `/groups/${g}/owners` }));
    const r = await batch(items);
    assert.deepEqual(
      (r.json as unknown as BatchResponse).responses.map((x) => [x.status, x.headers["retry-after"] ?? null]),
      [
        [403, null],
        [503, "1"],
        [200, null],
      ],
      "transport faults (malformed JSON) never reach an item",
    );
    await f.control("PUT", `/_sim/tenants/${t}/faults`, {
      rules: [{ type: "status", status: 503, count: 1 }],
    });
    assert.equal((await batch(items)).status, 503, "the batch as a whole");
    const again = await batch(items);
    assert.equal(again.status, 200);
    assert.ok((again.json as unknown as BatchResponse).responses.every((x) => x.status === 200));
    await f.control("PUT", `/_sim/tenants/${t}/faults`, { rules: [] });
  });

  it("dependsOn sequences requests and a failed dependency gives 424", async () => {
    const r = await batch([
      { id: "a", method: "GET", url: "/users/11111111-1111-4111-8111-111111111111" },
      { id: "b", method: "GET", url: "/users?$top=1", dependsOn: ["a"] },
      { id: "c", method: "GET", url: "/organization" },
      { id: "d", method: "GET", url: "/domains", dependsOn: ["c"] },
    ]);
    const res = (r.json as unknown as BatchResponse).responses;
    assert.deepEqual(
      res.map((x) => x.status),
      [404, 424, 200, 200],
    );
  });

  it("throttles items individually: the batch succeeds while some items answer 429", async () => {
    const t = f.tenants[0]!.tenantId;
    await f.control("PUT", `/_sim/tenants/${t}/throttling`, { enabled: true, budget: 10, windowSeconds: 10 });
    const r = await batch(
      Array.from({ length: 10 }, (_, i) => ({ id: String(i), method: "GET", url: "/users" })),
    );
    assert.equal(r.status, 200);
    const statuses = (r.json as unknown as BatchResponse).responses.map((x) => x.status);
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.ok(
      statuses.slice(5).every((s) => s === 429),
      statuses.join(","),
    );
    const throttled = (r.json as unknown as BatchResponse).responses[9]!;
    assert.ok(throttled.headers["retry-after"]);
    await f.control("DELETE", `/_sim/tenants/${t}/throttling`);
  });

  it("writes through the batch (provisioning) with the right permission", async () => {
    const domains = await f.call("/v1.0/domains");
    const domain = String((domains.json as { value: { id: string }[] }).value[0]?.id);
    const r = await batch([
      {
        id: "new",
        method: "POST",
        url: "/users",
        body: {
          displayName: "Batch Person",
          accountEnabled: true,
          mailNickname: "batch.person",
          userPrincipalName: `batch.person@${domain}`,
          passwordProfile: { password: "Correct-horse-9" },
        },
        headers: { "content-type": "application/json" },
      },
    ]);
    const created = (r.json as unknown as BatchResponse).responses[0]!;
    assert.equal(created.status, 201);
    const id = String(created.body.id);
    const patch = await batch([
      { id: "p", method: "PATCH", url: `/users/${id}`, body: { accountEnabled: false } },
    ]);
    assert.equal((patch.json as unknown as BatchResponse).responses[0]!.status, 204);
    assert.equal(f.tenants[0]!.directory.store.get(id)?.obj.accountEnabled, false);
  });

  it("rejects malformed batches with 400 and keeps serving", async () => {
    for (const body of [
      "not json",
      {},
      { requests: [] },
      { requests: [{ id: "1", method: "GET" }] },
      {
        requests: [
          { id: "1", method: "GET", url: "/users" },
          { id: "1", method: "GET", url: "/users" },
        ],
      },
      { requests: [{ id: "1", method: "GET", url: "/users", dependsOn: ["9"] }] },
    ]) {
      const r = await f.call("/v1.0/$batch", { method: "POST", body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal((r.json.error as { code: string }).code, "BadRequest");
    }
    const refused = await f.call("/v1.0/$batch", {
      method: "POST",
      body: { requests: [{ id: "1", method: "GET", url: "/users" }] },
      token: "not-a-token",
    });
    assert.equal(refused.status, 401, "a refused token refuses the whole batch");
    const abs = await batch([{ id: "1", method: "GET", url: "https://evil.example/users" }]);
    assert.equal((abs.json as unknown as BatchResponse).responses[0]!.status, 400);
    assert.equal((await f.call("/v1.0/users?$top=1")).status, 200);
  });
});
