import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GraphFixture, graphFixture } from "./test-helpers.js";

type Err = { error: { code: string; message: string } };

describe("data-side control API (/_sim/tenants/:id/…)", () => {
  let f: GraphFixture;
  let base: string;
  before(async () => {
    f = await graphFixture({ tenants: [{ sizes: { users: 40 } }] });
    base = `/_sim/tenants/${f.tenants[0]!.tenantId}`;
  });
  after(() => f.stop());

  it("creates, patches, soft-deletes, restores and hard-deletes objects visible through Graph", async () => {
    const created = await f.control("POST", `${base}/objects`, {
      kind: "user",
      properties: { displayName: "Control Person", jobTitle: "Tester" },
    });
    assert.equal(created.status, 201);
    const id = String(created.json.id);
    const g = await f.call(`/v1.0/users/${id}?$select=displayName,jobTitle,accountEnabled`);
    assert.deepEqual(
      [g.json.displayName, g.json.jobTitle, g.json.accountEnabled],
      ["Control Person", "Tester", true],
    );
    const patched = await f.control("PATCH", `${base}/objects/${id}`, { accountEnabled: false });
    assert.equal((patched.json.object as { accountEnabled: boolean }).accountEnabled, false);
    assert.equal((await f.control("DELETE", `${base}/objects/${id}`)).json.state, "softDeleted");
    assert.equal((await f.call(`/v1.0/users/${id}`)).status, 404);
    const deleted = await f.call("/v1.0/directory/deletedItems/microsoft.graph.user");
    assert.ok((deleted.json.value as { id: string }[]).some((u) => u.id === id));
    assert.equal((await f.control("POST", `${base}/objects/${id}/restore`)).json.state, "active");
    assert.equal((await f.call(`/v1.0/users/${id}`)).status, 200);
    assert.equal(
      (await f.control("DELETE", `${base}/objects/${id}?permanent=true`)).json.state,
      "hardDeleted",
    );
    assert.equal((await f.control("GET", `${base}/objects/${id}`)).status, 404);
    const changes = await f.control("GET", `${base}/changes?after=0`);
    assert.deepEqual(
      (changes.json.changes as { type: string }[]).map((c) => c.type),
      ["created", "updated", "softDeleted", "restored", "hardDeleted"],
    );
    const audits = await f.call("/v1.0/auditLogs/directoryAudits?$top=3");
    assert.equal(
      (audits.json.value as { activityDisplayName: string }[])[0]!.activityDisplayName,
      "Hard Delete user",
    );
  });

  it("changes memberships and rotates secrets", async () => {
    const s = f.tenants[0]!.directory.store;
    const group = s.idAt("group", 1);
    const user = Array.from({ length: 40 }, (_, i) => s.idAt("user", i)).find(
      (u) => !s.memberIds(group).includes(u),
    )!;
    assert.equal(
      (await f.control("POST", `${base}/objects/${group}/members`, { memberId: user })).status,
      204,
    );
    const members = await f.call(`/v1.0/groups/${group}/members?$select=id`);
    assert.ok((members.json.value as { id: string }[]).some((m) => m.id === user));
    const dup = await f.control("POST", `${base}/objects/${group}/members`, { memberId: user });
    assert.equal(dup.status, 400);
    assert.equal((await f.control("DELETE", `${base}/objects/${group}/members/${user}`)).status, 204);
    const app = s.idAt("application", 0);
    const secret = await f.control("POST", `${base}/objects/${app}/secrets`, {
      displayName: "rotated",
      endDateTime: "2030-01-01T00:00:00Z",
    });
    assert.equal(secret.status, 201);
    assert.equal(typeof secret.json.secretText, "string");
    const creds = await f.call(`/v1.0/applications/${app}?$select=passwordCredentials`);
    const last = (
      creds.json.passwordCredentials as { keyId: string; secretText: unknown; displayName: string }[]
    ).at(-1)!;
    assert.equal(last.keyId, secret.json.keyId);
    assert.equal(last.secretText, null);
    // A role membership change shows up in role assignments.
    const ga = s.idAt("directoryRole", 0);
    await f.control("POST", `${base}/objects/${ga}/members`, { memberId: user });
    const ra = await f.call(
      `/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq '${user}'`,
    );
    assert.ok(
      (ra.json.value as { roleDefinitionId: string }[]).some(
        (a) => a.roleDefinitionId === "62e90394-69f5-4237-9190-012177145e10",
      ),
    );
  });

  it("validates input with clear 400s and 404s", async () => {
    const cases: [string, string, unknown, number, string][] = [
      ["POST", `${base}/objects`, { kind: "spaceship", properties: {} }, 400, "ValidationError"],
      [
        "POST",
        `${base}/objects`,
        { kind: "user", properties: { favouriteColour: "blue" } },
        400,
        "BadRequest",
      ],
      ["POST", `${base}/objects`, "{not json", 400, "InvalidJson"],
      [
        "PATCH",
        `${base}/objects/${f.tenants[0]!.directory.store.idAt("user", 1)}`,
        { accountEnabled: "nope" },
        400,
        "BadRequest",
      ],
      [
        "PATCH",
        `${base}/objects/${f.tenants[0]!.directory.store.idAt("user", 1)}`,
        {},
        400,
        "ValidationError",
      ],
      ["PATCH", `${base}/objects/00000000-0000-0000-0000-000000000000`, { jobTitle: "x" }, 404, "NotFound"],
      ["POST", `${base}/objects/00000000-0000-0000-0000-000000000000/restore`, undefined, 404, "NotFound"],
      [
        "POST",
        `${base}/objects/${f.tenants[0]!.directory.store.idAt("user", 1)}/secrets`,
        {},
        404,
        "NotFound",
      ],
      ["PUT", `${base}/throttling`, { enabled: "yes" }, 400, "ValidationError"],
      ["PUT", "/_sim/throttling", { retryAfter: "sometimes" }, 400, "ValidationError"],
      ["POST", `${base}/delta`, { replays: 1 }, 400, "ValidationError"],
      ["POST", `${base}/live`, { changesPerMinute: 5 }, 400, "ValidationError"],
      ["GET", "/_sim/tenants/unknown-tenant/stats", undefined, 404, "TenantNotFound"],
      ["GET", `${base}/changes?after=-1`, undefined, 400, "ValidationError"],
      ["GET", "/_sim/does-not-exist", undefined, 404, "NotFound"],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await f.control(method, path, body);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)} → ${r.text}`);
      assert.equal((r.json as Err).error.code, code, `${method} ${path}`);
    }
  });

  it("reports stats and runs live mode", async () => {
    const stats = await f.control("GET", `${base}/stats`);
    assert.equal((stats.json.users as { total: number }).total >= 40, true);
    const before = (await f.control("GET", `${base}/changes`)).json.seq as number;
    const live = await f.control("POST", `${base}/live`, { enabled: true, changesPerMinute: 6, tick: 5 });
    assert.deepEqual(live.json, { enabled: true, changesPerMinute: 6, changesMade: 5 });
    assert.ok(((await f.control("GET", `${base}/changes`)).json.seq as number) > before);
    const off = await f.control("POST", `${base}/live`, { enabled: false });
    assert.equal(off.json.enabled, false);
  });
});
