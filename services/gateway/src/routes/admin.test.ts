import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bootstrapAccess } from "../auth/bootstrap.js";
import { type Harness, readError, readOk, startHarness } from "../testing/harness.js";
import { createKey, createWorkspace, revokeKey, whoAmI } from "./admin.js";

describe("API keys and workspaces", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  it("tells a key who it is", async () => {
    const res = await h.call("GET", "/api/whoami", { key: h.memberKey });
    const me = await readOk(whoAmI, res);
    assert.equal(me.workspaceId, "default");
    assert.equal(me.role, "analyst");
  });

  it("creates a key shown once, lists keys without secrets, and revokes", async () => {
    const res = await h.call("POST", "/api/keys", { body: { name: "ci", role: "member" } });
    const created = await readOk(createKey, res);
    assert.equal(created.role, "analyst", "member, the analyst's former name, is still understood");
    assert.match(created.key, /^tl_[a-z0-9]+_[a-f0-9]{64}$/);
    assert.equal(
      (await readOk(whoAmI, await h.call("GET", "/api/whoami", { key: created.key }))).keyId,
      created.id,
    );

    const list = await (await h.call("GET", "/api/keys")).text();
    assert.ok(list.includes(created.id));
    assert.ok(!list.includes(created.key.slice(-64)), "no secret in listings");
    assert.ok(!/"hash"/.test(list), "no hash in listings");

    const revoked = await h.call("DELETE", `/api/keys/${created.id}`);
    assert.deepEqual(await readOk(revokeKey, revoked), { revoked: true });
    const after = await h.call("GET", "/api/whoami", { key: created.key });
    assert.equal(after.status, 401);
  });

  it("keeps members away from admin routes", async () => {
    for (const [method, path, body] of [
      ["GET", "/api/keys", undefined],
      ["POST", "/api/keys", { name: "x" }],
      ["DELETE", "/api/keys/abc", undefined],
      ["POST", "/api/workspaces", { id: "nope" }],
    ] as const) {
      const res = await h.call(method, path, { key: h.memberKey, body });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal((await readError(res)).code, "forbidden");
    }
  });

  it("never revokes another workspace's key and refuses to revoke itself", async () => {
    const other = await readOk(whoAmI, await h.call("GET", "/api/whoami", { key: h.otherKey }));
    const res = await h.call("DELETE", `/api/keys/${other.keyId}`);
    assert.equal(res.status, 404);
    assert.equal((await h.call("GET", "/api/whoami", { key: h.otherKey })).status, 200);
    const self = await h.call("DELETE", `/api/keys/${other.keyId}`, { key: h.otherKey });
    assert.equal(self.status, 409);
  });

  it("creates a workspace with its first admin key (default-workspace admins only)", async () => {
    const res = await h.call("POST", "/api/workspaces", { body: { id: "acme", name: "ACME" } });
    const body = await readOk(createWorkspace, res);
    assert.equal(body.workspace.id, "acme");
    assert.equal(body.apiKey.role, "admin");
    const me = await readOk(whoAmI, await h.call("GET", "/api/whoami", { key: body.apiKey.key }));
    assert.equal(me.workspaceId, "acme");

    const dup = await h.call("POST", "/api/workspaces", { body: { id: "acme" } });
    assert.equal(dup.status, 409);
    const bad = await h.call("POST", "/api/workspaces", { body: { id: "Not A Slug" } });
    assert.equal(bad.status, 400);
    const fromOther = await h.call("POST", "/api/workspaces", {
      key: body.apiKey.key,
      body: { id: "acme2" },
    });
    assert.equal(fromOther.status, 403);
  });

  it("seeds TENANTLENS_API_KEY idempotently and replaces it when it changes", async () => {
    const first = await bootstrapAccess(h.bus, h.adminKey);
    const again = await bootstrapAccess(h.bus, h.adminKey);
    assert.equal(first.keyId, again.keyId);
    assert.equal((await h.call("GET", "/api/whoami")).status, 200);

    await bootstrapAccess(h.bus, "a-different-operator-key-42");
    assert.equal(
      (await h.call("GET", "/api/whoami")).status,
      401,
      "the previous bootstrap key stops working",
    );
    assert.equal((await h.call("GET", "/api/whoami", { key: "a-different-operator-key-42" })).status, 200);
    await bootstrapAccess(h.bus, h.adminKey);
  });
});
