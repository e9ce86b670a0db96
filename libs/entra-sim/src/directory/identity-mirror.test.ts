import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Hono } from "hono";
import { SIM_KEY_HEADER } from "../control-auth.js";
import { createGraphApp } from "../graph/app.js";
import { Identity } from "../identity/identity.js";
import { APPLICATION_PERMISSIONS } from "../identity/permissions.js";
import { buildTenants } from "../identity/tenants.js";
import { createSigningKey } from "../identity/tokens.js";
import { createSimApp } from "../server.js";
import type { SimApp, TenantIdentity } from "../types.js";
import { GRAPH_APP_ROLES } from "./generate/catalog.js";
import { createDirectory, type Directory, DirectoryRegistry } from "./index.js";

const OBSERVER_APP_ID = "0b5e7a1c-4f4e-4c1b-9a39-6f0d3c2e8a11";

/**
 * The identity → directory mirror through the real assembly (identity control routes, the real
 * Identity, the Graph half) driven in-process with app.request: identity control changes show up in
 * Graph reads and delta rounds of /applications and /servicePrincipals.
 */

const BASE = "https://localhost:8443";
const KEY = "test-admin-key";

type Json = Record<string, unknown>;
type Cred = { keyId: string; hint: string; displayName: string; endDateTime: string; secretText: unknown };
type Item = { id: string; "@removed"?: { reason: string } } & Json;

const roleId = (value: string): string => GRAPH_APP_ROLES.find((r) => r.value === value)!.id;

describe("identity → directory mirror", () => {
  let app: Hono;
  let identity: Identity;
  let tenants: TenantIdentity[];
  const directories = new DirectoryRegistry();

  before(async () => {
    tenants = buildTenants({ seed: 5, tenants: [{}, {}], redirectUris: [], now: new Date() });
    identity = new Identity({
      tenants,
      key: await createSigningKey(),
      urls: { authorityHost: BASE, graphEndpoint: BASE },
    });
    tenants.forEach((t, i) => {
      directories.add(
        createDirectory({
          tenantId: t.tenantId,
          tenantName: t.displayName,
          initialDomain: t.initialDomain,
          seed: 40 + i,
          sizes: { users: 40 },
          identity,
        }),
      );
    });
    const graphApp = createGraphApp({ identity, directories });
    app = createSimApp({
      identity,
      graph: { fetch: (req, env) => graphApp.fetch(req, env), stop: () => {} },
      adminKey: KEY,
    });
  });
  after(() => {
    for (const d of directories.all()) d.stop();
  });

  const tenant = (i = 0): TenantIdentity => tenants[i]!;
  const simApp = (i = 0): SimApp => tenant(i).apps[0]!;
  const dir = (i = 0): Directory => directories.get(tenant(i).tenantId)!;
  const ids = (i = 0) => dir(i).mirroredApp(simApp(i).clientId)!;

  async function request(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const res = await app.request(path.startsWith("http") ? path : `${BASE}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json };
  }

  /** An identity control call (the admin-key guarded /_sim/identity routes). */
  async function control(path: string, body: unknown = {}, i = 0): Promise<Json> {
    const r = await request(
      "POST",
      `/_sim/identity/tenants/${tenant(i).tenantId}/${path}`,
      { [SIM_KEY_HEADER]: KEY },
      body,
    );
    assert.ok(r.status < 300, `${path} → ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }

  /**
   * Graph GET with a token holding the whole read set, as another app of the tenant (an admin's
   * tool): neither the consent state nor the deletion of the Tenantlens app matters to it.
   */
  async function graph(path: string, i = 0): Promise<{ status: number; json: Json }> {
    const observer = { ...simApp(i), clientId: OBSERVER_APP_ID, displayName: "Directory observer" };
    const token = await identity.mintAppToken(tenant(i), observer, { roles: [...APPLICATION_PERMISSIONS] });
    return request("GET", path, { authorization: `Bearer ${token.token}` });
  }

  async function deltaRound(url: string, i = 0): Promise<{ items: Item[]; deltaLink: string }> {
    const items: Item[] = [];
    let next = url;
    for (let page = 0; page < 200; page++) {
      const r = await graph(next, i);
      assert.equal(r.status, 200, `${next} → ${JSON.stringify(r.json)}`);
      items.push(...(r.json.value as Item[]));
      if (r.json["@odata.deltaLink"]) return { items, deltaLink: String(r.json["@odata.deltaLink"]) };
      next = String(r.json["@odata.nextLink"]);
    }
    throw new Error("delta round did not end");
  }

  async function credentials(i = 0): Promise<Cred[]> {
    const r = await graph(`/v1.0/applications/${ids(i).applicationId}?$select=passwordCredentials`, i);
    assert.equal(r.status, 200);
    return r.json.passwordCredentials as Cred[];
  }

  async function assignedRoles(i = 0): Promise<{ id: string; appRoleId: string }[]> {
    const r = await graph(`/v1.0/servicePrincipals/${ids(i).servicePrincipalId}/appRoleAssignments`, i);
    assert.equal(r.status, 200);
    return r.json.value as { id: string; appRoleId: string }[];
  }

  it("mirrors the seeded app: application with its secret, service principal with its Graph roles", async () => {
    const a = simApp();
    const byAppId = await graph(`/v1.0/servicePrincipals(appId='${a.clientId}')?$select=id,appId`);
    assert.equal(byAppId.status, 200);
    assert.equal(byAppId.json.id, ids().servicePrincipalId);
    const creds = await credentials();
    assert.deepEqual(
      creds.map((c) => [c.keyId, c.hint, c.endDateTime, c.secretText]),
      a.secrets.map((s) => [s.keyId, s.value.slice(0, 3), s.endDateTime, null]),
    );
    const roles = await assignedRoles();
    const modelled = GRAPH_APP_ROLES.filter((r) => a.applicationPermissions.includes(r.value));
    assert.deepEqual(roles.map((r) => r.appRoleId).sort(), modelled.map((r) => r.id).sort());
    assert.equal(new Set(roles.map((r) => r.id)).size, roles.length, "assignment ids are distinct");
  });

  it("a secret rotation is a modified passwordCredentials in the next applications delta round", async () => {
    const first = await deltaRound("/v1.0/applications/delta?$select=displayName,passwordCredentials");
    const seq = dir().store.log.seq;
    const rotated = await control("secrets/rotate", { displayName: "Rotated by test", expiresInDays: 90 });
    const changes = dir().store.log.between(seq, dir().store.log.seq);
    assert.deepEqual(
      changes.map((e) => [e.kind, e.id, e.type, e.props]),
      [["application", ids().applicationId, "updated", ["passwordCredentials"]]],
    );
    const second = await deltaRound(first.deltaLink);
    assert.equal(second.items.length, 1);
    const item = second.items[0]!;
    assert.equal(item.id, ids().applicationId);
    assert.deepEqual(Object.keys(item).sort(), ["displayName", "id", "passwordCredentials"]);
    const creds = item.passwordCredentials as Cred[];
    assert.equal(creds.length, 1);
    assert.equal(creds[0]!.keyId, rotated.keyId);
    assert.equal(creds[0]!.hint, String(rotated.value).slice(0, 3));
    assert.equal(creds[0]!.displayName, "Rotated by test");
    assert.equal(creds[0]!.endDateTime, rotated.endDateTime);
    assert.equal(creds[0]!.secretText, null);
    // The audit log names it as Entra does; a quiet round is empty.
    assert.equal(
      dir().audits.newestFirst()[0]?.activityDisplayName,
      "Update application – Certificates and secrets management ",
    );
    assert.deepEqual((await deltaRound(second.deltaLink)).items, []);
  });

  it("adding and expiring secrets update the credentials in place; data-side credentials survive", async () => {
    const dataSide = await request(
      "POST",
      `/_sim/tenants/${tenant().tenantId}/objects/${ids().applicationId}/secrets`,
      { [SIM_KEY_HEADER]: KEY },
      { displayName: "Portal secret" },
    );
    assert.equal(dataSide.status, 201);
    const added = await control("secrets", { displayName: "Second" });
    let creds = await credentials();
    assert.deepEqual(
      creds.map((c) => c.displayName),
      ["Rotated by test", "Portal secret", "Second"],
    );
    const { expired } = (await control("secrets/expire", { keyId: added.keyId })) as { expired: string[] };
    assert.deepEqual(expired, [added.keyId]);
    creds = await credentials();
    const expiredCred = creds.find((c) => c.keyId === added.keyId)!;
    assert.ok(Date.parse(expiredCred.endDateTime) < Date.now());
    assert.equal(creds.length, 3);
    // Rotation drops every identity secret but not the one added through the data side.
    const rotated = await control("secrets/rotate");
    creds = await credentials();
    assert.deepEqual(
      creds.map((c) => c.keyId),
      [dataSide.json.keyId, rotated.keyId],
    );
    assert.equal(creds[1]!.displayName, "Client secret");
  });

  it("deleting the app soft-deletes the application and service principal; restoring brings both back", async () => {
    const a = simApp();
    const apps = await deltaRound("/v1.0/applications/delta?$select=displayName");
    const sps = await deltaRound("/v1.0/servicePrincipals/delta?$select=displayName,appId");
    await control("app/delete");
    for (const path of [
      `/v1.0/applications/${ids().applicationId}`,
      `/v1.0/servicePrincipals/${ids().servicePrincipalId}`,
      `/v1.0/servicePrincipals(appId='${a.clientId}')`,
    ]) {
      assert.equal((await graph(path)).status, 404, path);
    }
    const deletedSps = await graph("/v1.0/directory/deletedItems/microsoft.graph.servicePrincipal");
    assert.ok((deletedSps.json.value as Json[]).some((o) => o.id === ids().servicePrincipalId));
    const appRound = await deltaRound(apps.deltaLink);
    assert.deepEqual(appRound.items, [{ id: ids().applicationId, "@removed": { reason: "changed" } }]);
    const spRound = await deltaRound(sps.deltaLink);
    assert.deepEqual(spRound.items, [{ id: ids().servicePrincipalId, "@removed": { reason: "changed" } }]);
    // The Graph resource no longer lists the deleted principal's role assignments.
    const graphSp = dir().store.idAt("servicePrincipal", 0);
    const assignedTo = await graph(`/v1.0/servicePrincipals/${graphSp}/appRoleAssignedTo?$top=999`);
    assert.ok(!(assignedTo.json.value as Json[]).some((x) => x.principalId === ids().servicePrincipalId));

    // A secret rotated while deleted shows once the app is back.
    const rotated = await control("secrets/rotate");
    await control("app/restore");
    assert.equal((await graph(`/v1.0/servicePrincipals(appId='${a.clientId}')`)).status, 200);
    assert.equal((await credentials()).at(-1)?.keyId, rotated.keyId);
    const back = await deltaRound(appRound.deltaLink);
    assert.deepEqual(back.items, [{ id: ids().applicationId, displayName: "Tenantlens" }]);
    const spBack = await deltaRound(spRound.deltaLink);
    assert.deepEqual(spBack.items, [
      { id: ids().servicePrincipalId, displayName: "Tenantlens", appId: a.clientId },
    ]);
  });

  it("application permission changes and revoked consent show in appRoleAssignments and requiredResourceAccess", async () => {
    const round = await deltaRound("/v1.0/applications/delta?$select=requiredResourceAccess");
    const before = await assignedRoles();
    await control("permissions", { kind: "application", permission: "Mail.Read", granted: true });
    await control("permissions", { kind: "application", permission: "User.Read.All", granted: false });
    const afterGrant = await assignedRoles();
    assert.ok(afterGrant.some((r) => r.appRoleId === roleId("Mail.Read")));
    assert.ok(!afterGrant.some((r) => r.appRoleId === roleId("User.Read.All")));
    // Assignments that stay keep their ids.
    for (const r of before.filter((x) => x.appRoleId !== roleId("User.Read.All"))) {
      assert.ok(afterGrant.some((x) => x.id === r.id && x.appRoleId === r.appRoleId));
    }
    const changed = await deltaRound(round.deltaLink);
    assert.equal(changed.items.length, 1);
    const rra = changed.items[0]!.requiredResourceAccess as { resourceAccess: { id: string }[] }[];
    const access = rra[0]!.resourceAccess.map((x) => x.id);
    assert.ok(access.includes(roleId("Mail.Read")) && !access.includes(roleId("User.Read.All")));

    await control("consent/revoke");
    assert.deepEqual(await assignedRoles(), []);
    await control("consent/restore");
    assert.deepEqual(
      (await assignedRoles()).map((r) => r.appRoleId).sort(),
      afterGrant.map((r) => r.appRoleId).sort(),
    );
    // Configured permissions (requiredResourceAccess) are not touched by consent.
    assert.deepEqual((await deltaRound(changed.deltaLink)).items, []);
  });

  it("changes that leave the mirror as it is record nothing; other tenants are not touched", async () => {
    const seq0 = dir(0).store.log.seq;
    const seq1 = dir(1).store.log.seq;
    await control("consent/restore");
    await control("permissions", { kind: "delegated", permission: "Mail.Read", granted: true });
    assert.equal(dir(0).store.log.seq, seq0);
    await control("secrets", {}, 1);
    assert.equal(dir(0).store.log.seq, seq0);
    assert.equal(dir(1).store.log.seq, seq1 + 1);
    assert.equal((await credentials(1)).length, 2);
  });
});
