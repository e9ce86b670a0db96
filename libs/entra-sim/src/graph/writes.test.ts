import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GraphFixture, graphFixture } from "./test-helpers.js";

/** The provisioning writes: Graph's validation, conflicts, 404s, permissions, write throttling, delta. */
describe("graph writes", () => {
  let f: GraphFixture;
  let t: string;
  let write: string;
  let read: string;
  let domain: string;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 20 } }] });
    t = f.tenants[0]!.tenantId;
    write = await f.token(t, {
      roles: ["User.ReadWrite.All", "GroupMember.ReadWrite.All", "Directory.Read.All"],
    });
    read = await f.token(t, { roles: ["User.Read.All", "Directory.Read.All"] });
    const domains = await f.call("/v1.0/domains", { token: read });
    domain = String((domains.json.value as { id: string }[])[0]!.id);
  });
  after(() => f.stop());

  const newUser = (upn: string) => ({
    accountEnabled: true,
    displayName: "Write Test",
    mailNickname: upn.split("@")[0],
    userPrincipalName: upn,
    passwordProfile: { password: "Long-enough-1", forceChangePasswordNextSignIn: true },
  });

  it("creates a user: 201, readable, in the next delta round; the password is not kept", async () => {
    const start = await f.call("/v1.0/users/delta?$select=id,displayName,accountEnabled", { token: read });
    let link = String(start.json["@odata.nextLink"] ?? start.json["@odata.deltaLink"]);
    while (!link.includes("deltatoken")) {
      const next = await f.call(link.slice(link.indexOf("/v1.0")), { token: read });
      link = String(next.json["@odata.nextLink"] ?? next.json["@odata.deltaLink"]);
    }
    const res = await f.call("/v1.0/users", { token: write, method: "POST", body: newUser(`w1@${domain}`) });
    assert.equal(res.status, 201, res.text);
    const id = String(res.json.id);
    assert.ok(!res.text.includes("Long-enough-1"));
    const got = await f.call(`/v1.0/users/w1@${domain}`, { token: read });
    assert.equal(got.json.id, id);
    const delta = await f.call(link.slice(link.indexOf("/v1.0")), { token: read });
    assert.ok(
      (delta.json.value as { id: string }[]).some((o) => o.id === id),
      delta.text,
    );
  });

  it("answers Graph's errors: required property, duplicate UPN (ObjectConflict), unknown domain, 404, 403", async () => {
    const missing = await f.call("/v1.0/users", {
      token: write,
      method: "POST",
      body: { ...newUser(`w2@${domain}`), mailNickname: undefined },
    });
    assert.equal(missing.status, 400);
    assert.match(
      String((missing.json.error as { message: string }).message),
      /required for property 'mailNickname'/,
    );
    const dup = await f.call("/v1.0/users", { token: write, method: "POST", body: newUser(`W1@${domain}`) });
    assert.equal(dup.status, 400);
    const err = dup.json.error as { code: string; message: string; details: unknown[] };
    assert.equal(err.code, "Request_BadRequest");
    assert.equal(
      err.message,
      "Another object with the same value for property userPrincipalName already exists.",
    );
    assert.deepEqual(err.details, [{ target: "userPrincipalName", code: "ObjectConflict" }]);
    const foreign = await f.call("/v1.0/users", {
      token: write,
      method: "POST",
      body: newUser("w3@elsewhere.example"),
    });
    assert.equal(foreign.status, 400);
    const nobody = await f.call("/v1.0/users/00000000-0000-0000-0000-000000000001", {
      token: write,
      method: "PATCH",
      body: { jobTitle: "x" },
    });
    assert.equal(nobody.status, 404);
    assert.equal((nobody.json.error as { code: string }).code, "Request_ResourceNotFound");
    const denied = await f.call("/v1.0/users", {
      token: read,
      method: "POST",
      body: newUser(`w4@${domain}`),
    });
    assert.equal(denied.status, 403);
    assert.equal((denied.json.error as { code: string }).code, "Authorization_RequestDenied");
  });

  it("revokes sessions, assigns and removes licences, adds and removes members", async () => {
    const u = await f.call("/v1.0/users", {
      token: write,
      method: "POST",
      body: { ...newUser(`w5@${domain}`), usageLocation: "US" },
    });
    const id = String(u.json.id);
    const revoked = await f.call(`/v1.0/users/${id}/revokeSignInSessions`, { token: write, method: "POST" });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.json.value, true);
    const sku = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    const add = await f.call(`/v1.0/users/${id}/assignLicense`, {
      token: write,
      method: "POST",
      body: { addLicenses: [{ skuId: sku, disabledPlans: [] }], removeLicenses: [] },
    });
    assert.equal(add.status, 200, add.text);
    assert.deepEqual(add.json.assignedLicenses, [{ skuId: sku, disabledPlans: [] }]);
    const remove = await f.call(`/v1.0/users/${id}/assignLicense`, {
      token: write,
      method: "POST",
      body: { addLicenses: [], removeLicenses: [sku] },
    });
    assert.deepEqual(remove.json.assignedLicenses, []);
    const again = await f.call(`/v1.0/users/${id}/assignLicense`, {
      token: write,
      method: "POST",
      body: { addLicenses: [], removeLicenses: [sku] },
    });
    assert.equal(again.status, 400);
    const group = f.tenants[0]!.directory.store.idAt("group", 0);
    const ref = { "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${id}` };
    assert.equal(
      (await f.call(`/v1.0/groups/${group}/members/$ref`, { token: write, method: "POST", body: ref }))
        .status,
      204,
    );
    const twice = await f.call(`/v1.0/groups/${group}/members/$ref`, {
      token: write,
      method: "POST",
      body: ref,
    });
    assert.equal(twice.status, 400);
    assert.equal(
      (await f.call(`/v1.0/groups/${group}/members/${id}/$ref`, { token: write, method: "DELETE" })).status,
      204,
    );
    assert.equal(
      (await f.call(`/v1.0/groups/${group}/members/${id}/$ref`, { token: write, method: "DELETE" })).status,
      404,
    );
  });

  it("throttles writes past the write quota with Retry-After (reads go on)", async () => {
    await f.control("PUT", `/_sim/tenants/${t}/throttling`, {
      enabled: true,
      writeBudget: 2,
      writeWindowSeconds: 60,
    });
    const u = await f.call(`/v1.0/users/w5@${domain}`, { token: read });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const r = await f.call(`/v1.0/users/${u.json.id}`, {
        token: write,
        method: "PATCH",
        body: { jobTitle: `T${i}` },
      });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get("retry-after");
    }
    assert.deepEqual(statuses, [204, 204, 429]);
    assert.ok(Number(retryAfter) >= 1);
    assert.equal((await f.call(`/v1.0/users/${u.json.id}`, { token: read })).status, 200);
    await f.control("DELETE", `/_sim/tenants/${t}/throttling`);
  });
});
