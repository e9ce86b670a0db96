import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type ServerType, serve } from "@hono/node-server";
import { type GraphFixture, graphFixture } from "./test-helpers.js";

describe("injected faults", () => {
  let f: GraphFixture;
  let t: string;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 300 } }] });
    t = f.tenants[0]!.tenantId;
  });
  after(() => f.stop());
  const setFaults = (rules: unknown[], scope = `/_sim/tenants/${t}`) =>
    f.control("PUT", `${scope}/faults`, { rules });

  it("are off by default", async () => {
    assert.deepEqual((await f.control("GET", "/_sim/faults")).json, { rules: [] });
    for (let i = 0; i < 20; i++) assert.equal((await f.call("/v1.0/users?$top=1")).status, 200);
  });

  it("one-shot counts fire exactly that many times (401, 500, 503, 504) with OData bodies", async () => {
    for (const status of [401, 500, 503, 504]) {
      await setFaults([{ type: "status", status, count: 2 }]);
      const got = [];
      for (let i = 0; i < 4; i++) got.push((await f.call("/v1.0/users?$top=1")).status);
      assert.deepEqual(got, [status, status, 200, 200]);
    }
    await setFaults([{ type: "status", status: 503, count: 1 }]);
    const r = await f.call("/v1.0/groups");
    assert.equal((r.json.error as { code: string }).code, "serviceNotAvailable");
    assert.ok(r.headers.get("request-id"));
    const listed = await f.control("GET", `/_sim/tenants/${t}/faults`);
    assert.equal((listed.json.rules as { fired: number }[])[0]!.fired, 1);
    await setFaults([{ type: "status", status: 401, count: 1 }]);
    const refused = await f.call("/v1.0/users");
    assert.equal((refused.json.error as { code: string }).code, "InvalidAuthenticationToken");
  });

  it("rates fire on about that share of requests, scoped to a path prefix", async () => {
    await setFaults([{ type: "status", status: 500, rate: 0.5, pathPrefix: "/groups" }]);
    let failed = 0;
    for (let i = 0; i < 100; i++) if ((await f.call("/v1.0/groups?$top=1")).status === 500) failed++;
    assert.ok(failed > 25 && failed < 75, `failed ${failed}`);
    for (let i = 0; i < 20; i++) assert.equal((await f.call("/v1.0/users?$top=1")).status, 200);
    await setFaults([{ type: "status", status: 500, rate: 1 }]);
    assert.equal((await f.call("/v1.0/users")).status, 500);
    await setFaults([{ type: "status", status: 500, rate: 0 }]);
    assert.equal((await f.call("/v1.0/users")).status, 200);
  });

  it("global faults apply to every tenant; tenant faults only to theirs", async () => {
    await setFaults([]);
    await setFaults([{ type: "status", status: 504, count: 1 }], "/_sim");
    assert.equal((await f.call("/v1.0/users")).status, 504);
    assert.equal((await f.call("/v1.0/users")).status, 200);
    await f.control("DELETE", "/_sim/faults");
  });

  it("malformed JSON returns a truncated body with a JSON content type", async () => {
    await setFaults([{ type: "malformedJson", count: 1 }]);
    const r = await f.call("/v1.0/users?$top=5");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /application\/json/);
    assert.throws(() => JSON.parse(r.text));
    const next = await f.call("/v1.0/users?$top=5");
    assert.doesNotThrow(() => JSON.parse(next.text));
  });

  it("Directory_ExpiredPageToken fires only on nextLinks", async () => {
    await setFaults([{ type: "expiredPageToken", count: 1 }]);
    const first = await f.call("/v1.0/users?$top=10");
    assert.equal(first.status, 200);
    const r = await f.call(String(first.json["@odata.nextLink"]));
    assert.equal(r.status, 400);
    assert.equal((r.json.error as { code: string }).code, "Directory_ExpiredPageToken");
    assert.equal((await f.call(String(first.json["@odata.nextLink"]))).status, 200);
  });

  it("slow responses still answer", async () => {
    await setFaults([{ type: "slow", delayMs: 150, count: 1 }]);
    assert.equal((await f.call("/v1.0/users?$top=1")).status, 200);
  });

  it("dropped connections destroy the socket and the server keeps answering", async () => {
    const server: ServerType = await new Promise((resolve) => {
      const s = serve({ fetch: f.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    try {
      const port = (server.address() as AddressInfo).port;
      const token = await f.token(t);
      const get = () =>
        fetch(`http://127.0.0.1:${port}/v1.0/users?$top=1`, {
          headers: { authorization: `Bearer ${token}` },
        });
      await setFaults([{ type: "drop", count: 1 }]);
      await assert.rejects(get());
      const ok = await get();
      assert.equal(ok.status, 200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("rejects invalid fault rules with a clear 400", async () => {
    for (const body of [
      { rules: [{ type: "status", status: 418, count: 1 }] },
      { rules: [{ type: "status", status: 500 }] },
      { rules: [{ type: "slow", delayMs: -1, rate: 1 }] },
      { rules: [{ type: "explode", rate: 1 }] },
      { rules: [{ type: "drop", rate: 2 }] },
      { nope: true },
    ]) {
      const r = await f.control("PUT", `/_sim/tenants/${t}/faults`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal((r.json.error as { code: string }).code, "ValidationError");
    }
    await setFaults([]);
  });
});
